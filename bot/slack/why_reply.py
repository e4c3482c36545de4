"""The ``/balance why`` reply, prepared on the answer pool: the shared read of :mod:`bot.why`, rendered."""

from __future__ import annotations

import logging

from bot.kalshi.activity import ActivitySource
from bot.slack.blocks import notices
from bot.slack.blocks.base import Message
from bot.slack.blocks.why import why_message
from bot.slack.context import BotContext
from bot.why import explain_window, history_store

log = logging.getLogger(__name__)


def why_reply(ctx: BotContext, period: str, subaccount: int | None) -> Message:
    """What moved the balance over ``period``; per-kind failures are shown beside the rest."""
    source = ctx.reader.source
    if not isinstance(source, ActivitySource):  # the read path always holds the Kalshi client when serving
        log.error("/balance why: the read path has no Kalshi client to read the activity with")
        return notices.unexpected_error_message()
    explanation = explain_window(ctx.reader, source, history_store(ctx.history), period, subaccount)
    return why_message(explanation, period=period, demo=ctx.demo)
