"""Answers prepared off the request thread: read through the one read path, render, send through the
response_url. Whatever fails, the person gets a sentence and the operator a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Respond

from bot.kalshi.errors import KalshiError
from bot.slack import command_parser
from bot.slack.blocks import balance as balance_blocks
from bot.slack.blocks import notices
from bot.slack.blocks import subaccounts as subaccount_blocks
from bot.slack.blocks.base import Message
from bot.slack.context import BotContext

log = logging.getLogger(__name__)


def balance_reply(ctx: BotContext, *, fresh: bool, subaccount: int | None = None) -> Message:
    """The account's balance, or subaccount ``subaccount``'s (``/balance sub N``)."""
    try:
        reading = ctx.reader.read(fresh=fresh, subaccount=subaccount)
    except KalshiError as exc:
        log.warning("balance read failed: %s", exc)
        return balance_blocks.error_message(exc, demo=ctx.demo, view=subaccount)
    return balance_blocks.balance_message(reading, demo=ctx.demo, now=ctx.reader.clock())


def subaccounts_reply(ctx: BotContext, *, fresh: bool) -> Message:
    """Every subaccount's balance (``/balance all``)."""
    try:
        reading = ctx.reader.read_all(fresh=fresh)
    except KalshiError as exc:
        log.warning("subaccount balances read failed: %s", exc)
        return balance_blocks.error_message(exc, demo=ctx.demo, view="all")
    return subaccount_blocks.subaccounts_message(reading, demo=ctx.demo, now=ctx.reader.clock())


def view_reply(ctx: BotContext, view: balance_blocks.View, *, fresh: bool) -> Message:
    if view == "all":
        return subaccounts_reply(ctx, fresh=fresh)
    return balance_reply(ctx, fresh=fresh, subaccount=view)


def cached_view(ctx: BotContext, view: balance_blocks.View) -> Message | None:
    """The reply from figures already in hand (inside the freshness window), without any request."""
    now = ctx.reader.clock()
    if view == "all":
        every = ctx.reader.cached_all()
        return None if every is None else subaccount_blocks.subaccounts_message(every, demo=ctx.demo, now=now)
    one = ctx.reader.cached(view)
    return None if one is None else balance_blocks.balance_message(one, demo=ctx.demo, now=now)


def alert_reply(ctx: BotContext, parsed: command_parser.Command, user: str) -> Message:
    if ctx.alerts is None:
        return notices.alerts_off_message()
    if isinstance(parsed, command_parser.SetAlert):
        return ctx.alerts.set_threshold(parsed.amount, user, level=parsed.level)
    if isinstance(parsed, command_parser.AlertOff):
        return ctx.alerts.turn_off(user, level=parsed.level)
    return ctx.alerts.describe()


def answer(respond: Respond, render: Callable[[], Message], *, replace: bool) -> None:
    """Render and send through the response_url; whatever fails, the person gets a sentence."""
    try:
        message = render()
    except Exception:
        log.exception("unexpected error while preparing a reply")
        message = notices.unexpected_error_message()
    try:
        response = respond(**message.ephemeral(), replace_original=replace)
    except Exception as exc:  # noqa: BLE001 - Slack's side failed: log it and keep serving
        log.error("could not deliver the reply to Slack's response_url: %s", type(exc).__name__)
        return
    if response.status_code != 200:
        log.error(
            "Slack refused the reply on its response_url: HTTP %d %s",
            response.status_code,
            response.body[:200],
        )
