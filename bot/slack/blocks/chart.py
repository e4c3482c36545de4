"""The balance over time as a line chart: Slack's ``data_visualization`` block.

The block's shape and limits, from Slack's reference (docs.slack.dev → Block Kit → blocks → Data
visualization block; changelog 2026-06-16), all here and nowhere else in the bot::

    {"type": "data_visualization", "block_id": "…", "title": "… (at most 50 characters)",
     "chart": {"type": "line",
               "series": [{"name": "… (at most 20)",
                           "data": [{"label": "Mon 15 Jun", "value": 1234.56}, …]}, …],
               "axis_config": {"categories": ["Mon 15 Jun", …], "x_label": "…", "y_label": "…"}}}

- a line chart holds 1 to 6 series, with unique names of at most 20 characters;
- each series 1 to 20 data points, each point's label one of the axis categories (at most 20 characters);
- axis titles at most 50 characters; a block id at most 255;
- at most two ``data_visualization`` blocks in a message.

The chart is drawn from the history's buckets (bot.domain.chart_series), never from raw samples: one
point per bucket, the bucket's last reading. Every message that carries a chart also carries the same
figures as text and the sparkline, so nothing is lost where Slack refuses the block
(bot.slack.chart_fallback) or where charts are off (``BALANCE_CHARTS=off``).
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.chart_series import ChartHistory, ChartSeries, chart_series
from bot.slack.blocks.base import Block, clip

CHART_BLOCK = "data_visualization"
TITLE_MAX = 50
SERIES_MAX = 6  # a line chart's series
SERIES_NAME_MAX = 20
POINTS_MAX = 20  # data points in one series
LABEL_MAX = 20  # an axis category, a data point's label
AXIS_TITLE_MAX = 50  # x_label, y_label
BLOCK_ID_MAX = 255
CHARTS_PER_MESSAGE_MAX = 2

CHART_BLOCK_ID = "balance_chart"
AVAILABLE_SERIES = "Available balance"
TOTAL_SERIES = "Total"
Y_TITLE = "US dollars"
WEEK = 7  # days the Home tab's and the digest's charts span
EXACT_DIGITS = 15  # a decimal of at most 15 significant digits survives the trip through a JSON number


def dollars_number(cents: int) -> float | None:
    """``123456`` -> ``1234.56``: the dollars as a JSON number; ``None`` when it would not be exact.

    Slack's data point ``value`` is a JSON number, and the JSON encoders on the way (slack_sdk, httpx)
    write numbers from Python ints and floats only. So the exact dollars are computed as a Decimal from
    the integer cents, and handed over as the float that the encoder writes back as exactly that
    decimal: ``json.dumps`` writes a float as the shortest text that reads back as it, which, for a
    decimal of at most 15 significant digits, is that decimal itself (IEEE 754 doubles hold 15 decimal
    digits). The check below proves it for each value: the text Slack receives is the exact figure,
    and a figure of 16 digits or more (over $10 trillion) is not charted rather than rounded.
    """
    dollars = Decimal(cents).scaleb(-2)
    number = float(dollars)
    if len(dollars.as_tuple().digits) > EXACT_DIGITS or Decimal(repr(number)) != dollars:
        return None
    return number


def _series(name: str, labels: list[str], cents: list[int]) -> dict[str, object] | None:
    """One line of the chart; ``None`` when a figure cannot be sent exactly."""
    values = [dollars_number(c) for c in cents]
    if any(v is None for v in values):
        return None
    data = [{"label": label, "value": value} for label, value in zip(labels, values, strict=True)]
    return {"name": clip(name, SERIES_NAME_MAX), "data": data}


def _x_title(series: ChartSeries, zone_name: str) -> str:
    unit = (
        ("Hour" if series.step == 1 else f"Every {series.step} hours")
        if series.hourly
        else ("Day" if series.step == 1 else f"Every {series.step} days")
    )
    return clip(f"{unit} ({zone_name}), last reading of each", AXIS_TITLE_MAX)


def chart_title(days: int, *, demo: bool) -> str:
    return clip(f"Balance, last {days} days{' (DEMO)' if demo else ''}", TITLE_MAX)


def chart_blocks(history: ChartHistory | None, *, days: int, demo: bool) -> list[Block]:
    """The chart of the last ``days`` as a list to splice into a message: empty without one."""
    block = balance_chart(history, title=chart_title(days, demo=demo)) if history is not None else None
    return [block] if block is not None else []


def balance_chart(history: ChartHistory, *, title: str) -> Block | None:
    """A line chart of the available balance over ``history``'s window, and of the total when the
    portfolio value is not zero somewhere in it; ``None`` when there is nothing to draw."""
    series = chart_series(history, max_points=POINTS_MAX)
    if series is None:
        return None
    labels = [clip(b.label, LABEL_MAX) for b in series.buckets]
    lines = [_series(AVAILABLE_SERIES, labels, [b.available_cents for b in series.buckets])]
    if series.with_total:
        lines.append(_series(TOTAL_SERIES, labels, [b.total_cents for b in series.buckets]))
    drawn = [line for line in lines if line is not None]
    if len(drawn) != len(lines):
        return None
    return {
        "type": CHART_BLOCK,
        "block_id": CHART_BLOCK_ID,
        "title": clip(title, TITLE_MAX),
        "chart": {
            "type": "line",
            "series": drawn[:SERIES_MAX],
            "axis_config": {
                "categories": labels,
                "x_label": _x_title(series, history.zone_name),
                "y_label": Y_TITLE,
            },
        },
    }
