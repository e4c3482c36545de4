"""What the replies hold, prepared on the answer pool (:mod:`bot.slack.answer_pool`): read through the one
read path, render; the Home tab is published here too. Whatever fails, the person gets a sentence and
the operator a log line."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.balance import subaccount_line_rows
from bot.domain.chart_series import ChartHistory
from bot.domain.trend import Trend
from bot.kalshi.errors import KalshiError
from bot.slack import command_parser
from bot.slack.blocks import balance as balance_blocks
from bot.slack.blocks import history as history_blocks
from bot.slack.blocks import home as home_blocks
from bot.slack.blocks import notices
from bot.slack.blocks import subaccounts as subaccount_blocks
from bot.slack.blocks.base import Message
from bot.slack.blocks.chart import WEEK
from bot.slack.chart_fallback import CHARTS, EPHEMERAL, HOME, INVALID_BLOCKS
from bot.slack.context import BotContext
from bot.store import StoreUnavailable

log = logging.getLogger(__name__)


def balance_reply(ctx: BotContext, *, fresh: bool, subaccount: int | None = None) -> Message:
    """The account's balance, or subaccount ``subaccount``'s (``/balance sub N``)."""
    try:
        reading = ctx.reader.read(fresh=fresh, subaccount=subaccount)
    except KalshiError as exc:
        log.warning("balance read failed: %s", exc)
        return balance_blocks.error_message(exc, demo=ctx.demo, view=subaccount)
    # the history is the account's: a subaccount's reply goes without its trend
    trend, why = _trend(ctx, reading.balance.balance_cents) if subaccount is None else (None, None)
    return balance_blocks.balance_message(
        reading, demo=ctx.demo, now=ctx.reader.clock(), trend=trend, history_unavailable=why
    )


def _trend(ctx: BotContext, current_cents: int) -> tuple[Trend | None, str | None]:
    """The 24 h change and sparkline; without them (and why, and a log line) when the store cannot be
    read in time."""
    if ctx.history is None:
        return None, None
    try:
        return ctx.history.trend(current_cents), None
    except StoreUnavailable as exc:  # a database down or hung: the figures go out, without the trend
        log.warning("the balance goes without its 24 h trend: history store unreachable (%s)", exc.reason)
        return None, exc.reason
    except Exception as exc:  # noqa: BLE001 - sqlite3 or psycopg: the figures still go out
        log.error("could not read the balance history for the trend: %s", type(exc).__name__)
        return None, "an unexpected error"


def _chart(ctx: BotContext, days: int, surface: str) -> ChartHistory | None:
    """The last ``days`` of history for a chart on ``surface``; ``None`` where charts are left out, and
    (with a log line) when the store cannot be read: the message goes without its chart."""
    if ctx.history is None or not CHARTS.allows(surface):
        return None
    try:
        return ctx.history.chart(days)
    except StoreUnavailable as exc:
        log.warning("a chart left out: history store unreachable (%s)", exc.reason)
        return None
    except Exception as exc:  # noqa: BLE001 - sqlite3 or psycopg: the figures still go out
        log.error("could not read the balance history for a chart: %s", type(exc).__name__)
        return None


def history_reply(ctx: BotContext, days: int) -> Message:
    """From the store only: Kalshi is not asked."""
    if ctx.history is None:
        return history_blocks.history_off_message()
    try:
        summary = ctx.history.summary(days)
    except StoreUnavailable as exc:
        log.warning("balance history not shown: history store unreachable (%s)", exc.reason)
        return history_blocks.history_unreachable_message(exc.reason)
    if summary is None:
        return history_blocks.no_history_message(ctx.history.interval_seconds)
    return history_blocks.history_message(summary, demo=ctx.demo, chart=_chart(ctx, days, EPHEMERAL))


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
    """The reply from figures already in hand (inside the freshness window), without any request;
    None for the account's view when history is kept (its trend needs a store read)."""
    if view is None and ctx.history is not None:
        return None
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


def home_for(ctx: BotContext, user: str | None, *, fresh: bool) -> home_blocks.View:
    """The user's Home tab; a refused user's explains why, and Kalshi is not asked."""
    if not ctx.access.allows_home(user):
        log.info("refused the Home tab for user %s (not allowed)", user)
        return home_blocks.home_refused_view(channels_only=not ctx.access.users)
    alert = ctx.alerts.describe() if ctx.alerts is not None else None
    try:
        reading = ctx.reader.read(fresh=fresh)
    except KalshiError as exc:
        log.warning("balance read for the Home tab failed: %s", exc)
        return home_blocks.home_error_view(exc, alert=alert, demo=ctx.demo)
    trend, why = _trend(ctx, reading.balance.balance_cents)
    return home_blocks.home_view(
        reading,
        now=ctx.reader.clock(),
        trend=trend,
        history_unavailable=why,
        history_kept=ctx.history is not None,
        alert=alert,
        subaccounts=subaccount_line_rows(ctx.subaccounts, surface="the Home tab"),
        demo=ctx.demo,
        chart=_chart(ctx, WEEK, HOME),
    )


def publish_home(ctx: BotContext, client: WebClient, user: str, *, fresh: bool) -> None:
    """Render the user's Home tab and publish it (views.publish); whatever fails is logged."""
    try:
        view = home_for(ctx, user, fresh=fresh)
    except Exception:
        log.exception("unexpected error while preparing the Home tab")
        view = home_blocks.home_failed_view()
    outcome = CHARTS.send(
        HOME, view["blocks"], lambda blocks: _publish(client, user, {**view, "blocks": blocks}), _refused
    )
    if isinstance(outcome, SlackApiError):
        log.error("Slack refused to publish the Home tab: %s", _error(outcome))
    elif outcome is not None:
        log.error("could not reach Slack to publish the Home tab: %s", type(outcome).__name__)


def _publish(client: WebClient, user: str, view: home_blocks.View) -> Exception | None:
    """views.publish; the exception instead of raising it (None: published)."""
    try:
        client.views_publish(user_id=user, view=view)
    except (SlackClientError, OSError) as exc:
        return exc
    return None


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown_error"))


def _refused(outcome: Exception | None) -> str | None:
    """Slack's refusal of the blocks themselves (the chart fallback's cue)."""
    if isinstance(outcome, SlackApiError) and _error(outcome) == INVALID_BLOCKS:
        return INVALID_BLOCKS
    return None
