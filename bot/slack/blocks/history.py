"""The account over time: ``/balance history`` and the trend line the other surfaces show."""

from __future__ import annotations

import time

from bot.domain.chart_series import ChartHistory
from bot.domain.money import format_cents
from bot.domain.trend import Point, Summary, Trend
from bot.slack.blocks.base import (
    COMMAND,
    DEMO_NOTE,
    Message,
    build,
    context,
    escape,
    fields,
    header,
    section,
    slack_date,
)
from bot.slack.blocks.chart import chart_blocks


def since_times(since: float) -> tuple[str, str]:
    """(mrkdwn, plain text) for the time a change is counted from, ``14:05``: in the reader's own time
    zone in Slack, in UTC in the text."""
    ts = int(since)
    return slack_date(ts, "{time}"), time.strftime("%H:%M UTC", time.gmtime(ts))


def trend_lines(trend: Trend | None) -> tuple[str, str] | None:
    """(mrkdwn, plain text) for the 24 h change (once there is one; "since 14:05" while the history does
    not reach back 24 h) and the 7-day sparkline; ``None`` without history."""
    if trend is None:
        return None
    if trend.change is None:  # a single sample: no change to show
        return f"*7 d:* `{trend.sparkline}`", f"7 days {trend.sparkline}"
    if trend.since is not None:
        at, at_text = since_times(trend.since)
        return (
            f"*Since {at}:* {trend.change}   *7 d:* `{trend.sparkline}`",
            f"change since {at_text} {trend.change}; 7 days {trend.sparkline}",
        )
    return (
        f"*24 h:* {trend.change}   *7 d:* `{trend.sparkline}`",
        f"24 h change {trend.change}; 7 days {trend.sparkline}",
    )


def trend_unavailable_lines(reason: str) -> tuple[str, str]:
    """(mrkdwn, plain text) in place of the trend while the history cannot be read: why, in a few words."""
    text = f"No 24 h change or sparkline this time: the balance history can't be read ({escape(reason)})."
    return f":warning: {text}", text


def _when(point: Point) -> str:
    ts = int(point.at)
    return slack_date(ts, "{date_short_pretty}") if point.daily else slack_date(ts)


def _figure(label: str, point: Point) -> str:
    return f"*{label}*\n{format_cents(point.cents)}\n{_when(point)}"


def history_message(summary: Summary, *, demo: bool, chart: ChartHistory | None = None) -> Message:
    """``chart``: the period's history, drawn as a chart above the sparkline (which stays, as do the
    figures and the text, for the clients and surfaces that take no chart)."""
    demo_tag = " (DEMO)" if demo else ""
    title = f"Kalshi balance, last {summary.days} days{demo_tag}"
    text = (
        f"{title}: available balance {format_cents(summary.first.cents)} to "
        f"{format_cents(summary.latest.cents)}, change {summary.change}; lowest "
        f"{format_cents(summary.lowest.cents)}, highest {format_cents(summary.highest.cents)}. "
        f"{summary.sparkline}"
    )
    notes = [f"Available balance, {summary.samples} sample(s) kept by the bot's own checks"]
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks = build(
        header(title),
        *chart_blocks(chart, days=summary.days, demo=demo),
        section(f"`{summary.sparkline}`\n*Change over the period:* {summary.change}"),
        fields(
            _figure("First", summary.first),
            _figure("Latest", summary.latest),
            _figure("Lowest", summary.lowest),
            _figure("Highest", summary.highest),
        ),
        context(*notes),
    )
    return Message(text, blocks)


def no_history_message(interval_seconds: float) -> Message:
    text = (
        f"No balance history yet: the bot keeps a sample at each of its checks (every "
        f"{interval_seconds:g} s), so the first appears within a minute or so."
    )
    return Message(text, build(section(f":hourglass_flowing_sand: {text}")))


def history_off_message() -> Message:
    text = (
        "This bot keeps no balance history: its operator turns it on with BALANCE_HISTORY_INTERVAL "
        f"(or with the low-balance alert or the daily digest). `{COMMAND}` still shows the balance."
    )
    return Message(text, build(section(f":information_source: {text}")))


def history_unreachable_message(reason: str) -> Message:
    """``reason``: :attr:`bot.domain.alert_state.StoreUnavailable.reason`, a few words of the bot's own."""
    text = (
        f"The balance history can't be read right now: the store is unreachable ({escape(reason)}). "
        f"Try again in a minute; `{COMMAND}` still shows the balance."
    )
    return Message(text, build(section(f":warning: {text}")))
