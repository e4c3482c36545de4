"""Rendering, one module per surface; every message is Block Kit blocks plus a plain ``text`` fallback.

- :mod:`~bot.slack.blocks.base`: :class:`Message`, escaping, clipping, the block primitives, dates.
- :mod:`~bot.slack.blocks.balance`: the ``/balance`` and ``/balance sub N`` reply and its errors.
- :mod:`~bot.slack.blocks.subaccounts`: the ``/balance all`` table of every subaccount.
- :mod:`~bot.slack.blocks.alerts`: alert-channel posts and the ``/balance alert`` status.
- :mod:`~bot.slack.blocks.notices`: help, refusals and one-sentence notices.
"""
