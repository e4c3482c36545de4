"""``/balance``: acknowledged at once; the figures go in the ack when already in hand (and no history is
kept, which needs a store read), otherwise they are read on the answer pool and sent through the
response_url. ``/balance history`` reads the store on the answer pool, ``/balance why`` Kalshi's activity
(bot.why) too. Everyone asking for the same view (history period, why window) meanwhile shares one
preparation (the answer pool's ``key``)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack import command_parser
from bot.slack.answer_pool import ack_and_answer
from bot.slack.blocks import notices
from bot.slack.blocks.balance import View
from bot.slack.blocks.base import COMMAND
from bot.slack.context import BotContext
from bot.slack.replies import alert_reply, cached_view, history_reply, view_reply
from bot.slack.why_reply import why_reply

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    def on_balance(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        parsed = command_parser.parse(command.get("text"))
        user, channel = command.get("user_id"), command.get("channel_id")
        if isinstance(parsed, command_parser.Help):
            ack(**notices.usage_message(parsed.unknown).ephemeral())
        elif not ctx.access.allows(user, channel):
            log.info("refused /balance for user %s in channel %s (not allowed)", user, channel)
            ack(**notices.refusal_message().ephemeral())
        elif isinstance(parsed, command_parser.ShowBalance | command_parser.ShowAll):
            view: View = "all" if isinstance(parsed, command_parser.ShowAll) else parsed.subaccount
            cached = cached_view(ctx, view)
            if cached is not None:
                ack(**cached.ephemeral())
            else:
                render = partial(view_reply, ctx, view, fresh=False)
                ack_and_answer(ctx.background, ack, respond, render, key=("view", view, False))
        elif isinstance(parsed, command_parser.ShowHistory):
            render = partial(history_reply, ctx, parsed.days)
            ack_and_answer(ctx.background, ack, respond, render, key=("history", parsed.days))
        elif isinstance(parsed, command_parser.ShowWhy):
            render = partial(why_reply, ctx, parsed.period, parsed.subaccount)
            key = ("why", parsed.period, parsed.subaccount)
            ack_and_answer(ctx.background, ack, respond, render, key=key)
        else:
            ack_and_answer(ctx.background, ack, respond, partial(alert_reply, ctx, parsed, user or ""))

    app.command(COMMAND)(on_balance)
