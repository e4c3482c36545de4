"""The App Home tab: the figures with the 24 h change and the week's sparkline, the subaccounts when
there are several, the alert (levels, state, last check) and a Refresh button; or why there are none."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot.balance import Reading
from bot.domain.chart_series import ChartHistory
from bot.domain.trend import Trend
from bot.kalshi.errors import KalshiError
from bot.slack.blocks.base import (
    DEMO_NOTE,
    Block,
    Message,
    context,
    error_emoji,
    error_lines,
    error_parts,
    fields,
    figure_lines,
    freshness,
    header,
    section,
    slack_date,
)
from bot.slack.blocks.chart import WEEK, chart_blocks
from bot.slack.blocks.history import trend_lines, trend_unavailable_lines
from bot.slack.blocks.subaccounts import subaccount_line

HOME_REFRESH_ACTION = "home_refresh"
View = dict[str, Any]


def _view(blocks: list[Block]) -> View:
    return {"type": "home", "blocks": blocks[:100]}


def _refresh(label: str = "Refresh") -> Block:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": HOME_REFRESH_ACTION,
        "value": "refresh",
    }
    return {"type": "actions", "block_id": "home_actions", "elements": [button]}


def _alert_blocks(alert: Message | None) -> list[Block]:
    if alert is None:
        return [context("Low-balance alert: not set up on this bot.")]
    return list(alert.blocks)


def home_view(
    reading: Reading,
    *,
    now: float,
    trend: Trend | None,
    history_kept: bool,
    alert: Message | None,
    subaccounts: Sequence[tuple[int, Decimal]] | None = None,
    demo: bool = False,
    chart: ChartHistory | None = None,
    history_unavailable: str | None = None,
) -> View:
    """``chart``: the last 7 days' history, drawn as a chart under the sparkline (which stays);
    ``history_unavailable``: why the history could not be read (the trend goes without)."""
    b = reading.balance
    demo_tag = " (DEMO)" if demo else ""
    blocks: list[Block] = [
        header(f"Kalshi balance{demo_tag}"),
        fields(*figure_lines(b)),
    ]
    lines = trend_lines(trend)
    if lines is not None:
        blocks.append(context(lines[0]))
    elif history_unavailable is not None:
        blocks.append(context(trend_unavailable_lines(history_unavailable)[0]))
    elif history_kept:
        blocks.append(
            context("No history yet: the 24 h change and the week's sparkline follow the first checks.")
        )
    else:
        blocks.append(
            context("This bot keeps no balance history (its operator sets BALANCE_HISTORY_INTERVAL).")
        )
    blocks += chart_blocks(chart, days=WEEK, demo=demo)
    subs = subaccount_line(subaccounts)
    if subs is not None:
        blocks.append(context(subs))
    notes = [f"Updated by Kalshi {slack_date(b.updated_ts)} · {freshness(reading.age(now))}"]
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks += [context(*notes), {"type": "divider"}, *_alert_blocks(alert), _refresh()]
    return _view(blocks)


def home_error_view(error: KalshiError, *, alert: Message | None, demo: bool = False) -> View:
    demo_tag = " (DEMO)" if demo else ""
    _, shown = error_parts(error, slack_date)
    blocks: list[Block] = [
        header(f"Kalshi balance{demo_tag}"),
        section(f"{error_emoji(error)} Couldn't read the Kalshi balance. {shown}"),
    ]
    lines = error_lines(error)
    if lines:
        blocks.append(context(*lines))
    blocks += [{"type": "divider"}, *_alert_blocks(alert), _refresh("Try again")]
    return _view(blocks)


def home_refused_view(*, channels_only: bool) -> View:
    if channels_only:
        why = (
            "This bot shows the Kalshi balance only in the channels its operator allowed, so not here. "
            "Type `/balance` in one of them."
        )
    else:
        why = (
            "The Kalshi balance isn't available to you. "
            "Ask whoever runs this bot to add your user to the allowed users."
        )
    return _view([header("Kalshi balance"), section(f":no_entry: {why}")])


def home_failed_view() -> View:
    return _view(
        [
            header("Kalshi balance"),
            section(":warning: Something went wrong on our side. The bot's log has the details."),
            _refresh("Try again"),
        ]
    )
