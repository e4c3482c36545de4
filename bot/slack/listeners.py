"""Every Slack listener, registered from one place: ``/balance`` and the Refresh button.

Each acknowledges first (Slack allows 3 s) and answers through ``respond()`` (the response_url) when the
answer needs Kalshi; when the figures are already in hand (or no Kalshi read is needed: help, refusal)
the answer goes straight into the ``ack``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiError
from bot.slack import blocks, commands
from bot.slack.access import Access
from bot.slack.answers import AnswerPool, ack_and_answer
from bot.slack.blocks import Message

log = logging.getLogger(__name__)


class AlertControl(Protocol):
    """What ``/balance alert …`` needs from the alert monitor (see bot.alerts)."""

    def describe(self) -> Message: ...

    def set_threshold(self, amount: str, user_id: str) -> Message: ...

    def turn_off(self, user_id: str) -> Message: ...


@dataclass
class BotContext:
    reader: BalanceReader
    access: Access
    demo: bool
    background: AnswerPool  # where answers that need Kalshi are prepared and sent (bounded)
    alerts: AlertControl | None = None


def register_listeners(app: App, ctx: BotContext) -> None:
    """Listeners run on the request's own thread (the app is built with process_before_response) and
    ``ack`` at once; work that needs Kalshi is handed to ``ctx.background`` and answered through the
    response_url. So a slow Kalshi or a busy pool can never hold up an acknowledgement."""

    def on_balance(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        parsed = commands.parse(command.get("text"))
        user, channel = command.get("user_id"), command.get("channel_id")
        if isinstance(parsed, commands.Help):
            ack(**blocks.usage_message(parsed.unknown).ephemeral())
        elif not ctx.access.allows(user, channel):
            log.info("refused /balance for user %s in channel %s (not allowed)", user, channel)
            ack(**blocks.refusal_message().ephemeral())
        elif isinstance(parsed, commands.ShowBalance):
            cached = ctx.reader.cached()
            if cached is not None:
                ack(**blocks.balance_message(cached, demo=ctx.demo, now=ctx.reader.clock()).ephemeral())
            else:
                ack_and_answer(ctx.background, ack, respond, partial(_balance, ctx, fresh=False))
        else:
            render = partial(_alert_command, ctx, parsed, user or "")
            ack_and_answer(ctx.background, ack, respond, render)

    def on_refresh(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if not ctx.access.allows(user, channel):
            log.info("refused Refresh for user %s in channel %s (not allowed)", user, channel)
            ack_and_answer(ctx.background, ack, respond, blocks.refusal_message)
            return
        ack_and_answer(ctx.background, ack, respond, partial(_balance, ctx, fresh=True), replace=True)

    app.command(blocks.COMMAND)(on_balance)
    app.action(blocks.REFRESH_ACTION)(on_refresh)


def _balance(ctx: BotContext, *, fresh: bool) -> Message:
    try:
        reading = ctx.reader.read(fresh=fresh)
    except KalshiError as exc:
        log.warning("balance read failed: %s", exc)
        return blocks.error_message(exc, demo=ctx.demo)
    return blocks.balance_message(reading, demo=ctx.demo, now=ctx.reader.clock())


def _alert_command(ctx: BotContext, parsed: commands.Command, user: str) -> Message:
    if ctx.alerts is None:
        return blocks.alerts_off_message()
    if isinstance(parsed, commands.SetAlert):
        return ctx.alerts.set_threshold(parsed.amount, user)
    if isinstance(parsed, commands.AlertOff):
        return ctx.alerts.turn_off(user)
    return ctx.alerts.describe()
