"""The daily digest posted in a channel: the figures, the change since yesterday, the week's sparkline,
the alert state and, when there are several, the subaccounts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.balance import Reading
from bot.domain.chart_series import ChartHistory
from bot.domain.trend import Trend
from bot.slack.blocks.base import (
    DEMO_NOTE,
    Block,
    Message,
    build,
    context,
    escape,
    fields,
    figure_lines,
    figure_texts,
    header,
    section,
    slack_date,
)
from bot.slack.blocks.chart import WEEK, chart_blocks
from bot.slack.blocks.history import since_times
from bot.slack.blocks.subaccounts import subaccount_line


def digest_message(
    reading: Reading,
    *,
    day: str,
    trend: Trend | None,
    alert: Message | None,
    subaccounts: Sequence[tuple[int, Decimal]] | None = None,
    demo: bool = False,
    chart: ChartHistory | None = None,
    where_it_went: str | None = None,
) -> Message:
    """``chart``: the last 7 days' history (the job reads it from the store, with the
    digest's zone for the labels), drawn as a chart under the sparkline, which stays."""
    b = reading.balance
    available, portfolio, total = figure_texts(b)
    demo_tag = " (DEMO)" if demo else ""
    change = trend.change if trend is not None and trend.change else "n/a (no sample from yesterday yet)"
    spark = trend.sparkline if trend is not None else ""
    label, label_text = "Change since yesterday", "Change since yesterday"
    if trend is not None and trend.since is not None:  # the history starts later than yesterday's time
        at, at_text = since_times(trend.since)
        label, label_text = f"Change since {at}", f"Change since {at_text}"
    text = (
        f"Kalshi daily digest{demo_tag}, {day}: available {available}, portfolio value {portfolio}, "
        f"total {total}. {label_text} {change}."
    )
    blocks: list[Block] = [
        header(f"Kalshi daily digest{demo_tag} · {day}"),
        fields(
            *figure_lines(b),
            f"*{label}*\n{change}",
        ),
    ]
    if spark:
        blocks.append(section(f"*Last 7 days* `{spark}`"))
        text += f" Last 7 days {spark}."
    blocks += chart_blocks(chart, days=WEEK, demo=demo)
    subs = subaccount_line(subaccounts)
    if subs is not None:
        blocks.append(context(subs))
        text += f" {subs}."
    if where_it_went is not None:  # our own words and Kalshi's figures: no person's text
        blocks.append(context(escape(where_it_went)))
        text += f" {where_it_went}."
    if alert is not None:
        blocks += alert.blocks
        text += f" {alert.text}"
    else:
        blocks.append(context("Low-balance alert: not set up on this bot."))
    notes = [f"Figures updated by Kalshi {slack_date(b.updated_ts)}"]
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks.append(context(*notes))
    return Message(text, build(*blocks))
