"""Slack's rules for the ``data_visualization`` block, as its reference states them (docs.slack.dev →
Block Kit → blocks → Data visualization block), checked the way Slack would: the fake Slack answers
``invalid_blocks`` (or HTTP 400 at a response_url) when any is broken.

Written from the reference, not from the bot's constants, so the bot's own limits are checked against
an independent reading of them.
"""

from __future__ import annotations

import math
from typing import Any

CHART = "data_visualization"
TITLE = 50
BLOCK_ID = 255
SERIES = (1, 6)  # bar, area, line
SEGMENTS = (1, 6)  # pie
NAME = 20  # a series name, a segment label
POINTS = (1, 20)  # data points in a series
LABEL = 20  # a data point's label, an axis category
AXIS_TITLE = 50
PER_MESSAGE = 2


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _within(items: Any, bounds: tuple[int, int]) -> bool:
    return isinstance(items, list) and bounds[0] <= len(items) <= bounds[1]


def _series_chart(chart: dict[str, Any]) -> list[str]:
    problems = []
    axis = chart.get("axis_config")
    categories = axis.get("categories") if isinstance(axis, dict) else None
    if not isinstance(categories, list) or not categories:
        return ["axis_config.categories is required"]
    if any(not _text(c, LABEL) for c in categories) or len(set(categories)) != len(categories):
        problems.append(f"categories must be unique texts of at most {LABEL} characters")
    for key in ("x_label", "y_label"):
        if key in axis and not _text(axis[key], AXIS_TITLE):
            problems.append(f"axis_config.{key} must be at most {AXIS_TITLE} characters")
    series = chart.get("series")
    if not _within(series, SERIES):
        return [*problems, f"series must hold {SERIES[0]} to {SERIES[1]} entries"]
    names = [s.get("name") if isinstance(s, dict) else None for s in series]
    if any(not _text(n, NAME) for n in names) or len(set(names)) != len(names):
        problems.append(f"series names must be unique texts of at most {NAME} characters")
    for one in series:
        data = one.get("data") if isinstance(one, dict) else None
        if not _within(data, POINTS):
            problems.append(f"a series must hold {POINTS[0]} to {POINTS[1]} data points")
            continue
        labels = [p.get("label") if isinstance(p, dict) else None for p in data]
        if any(not _text(label, LABEL) or label not in categories for label in labels):
            problems.append("every data point's label must be one of the axis categories")
        if sorted(map(str, labels)) != sorted(map(str, categories)):
            problems.append("a series must have one data point per category")
        if any(not isinstance(p, dict) or not _number(p.get("value")) for p in data):
            problems.append("every data point's value must be a number")
    return problems


def _pie(chart: dict[str, Any]) -> list[str]:
    segments = chart.get("segments")
    if not _within(segments, SEGMENTS):
        return [f"segments must hold {SEGMENTS[0]} to {SEGMENTS[1]} entries"]
    if any(
        not isinstance(s, dict)
        or not _text(s.get("label"), NAME)
        or not _number(s.get("value"))
        or s["value"] <= 0
        for s in segments
    ):
        return [f"a segment needs a label of at most {NAME} characters and a value above 0"]
    return []


def block_problems(block: dict[str, Any]) -> list[str]:
    problems = []
    if not _text(block.get("title"), TITLE):
        problems.append(f"title is required, at most {TITLE} characters")
    if "block_id" in block and not _text(block["block_id"], BLOCK_ID):
        problems.append(f"block_id must be at most {BLOCK_ID} characters")
    chart = block.get("chart")
    kind = chart.get("type") if isinstance(chart, dict) else None
    if kind in {"line", "bar", "area"}:
        assert isinstance(chart, dict)
        problems += _series_chart(chart)
    elif kind == "pie":
        assert isinstance(chart, dict)
        problems += _pie(chart)
    else:
        problems.append("chart.type must be line, bar, area or pie")
    return problems


def charts(blocks: Any) -> list[dict[str, Any]]:
    if not isinstance(blocks, list):
        return []
    return [b for b in blocks if isinstance(b, dict) and b.get("type") == CHART]


def problems(blocks: Any) -> list[str]:
    """What Slack would refuse in ``blocks`` (a message's or a view's), charts only; empty: accepted."""
    found = charts(blocks)
    out = [f"at most {PER_MESSAGE} charts in a message"] if len(found) > PER_MESSAGE else []
    for block in found:
        out += block_problems(block)
    return out


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """Every block as Slack would take it: charts by the rules above, the others by slack_sdk's block
    models (whose ``to_dict`` raises when a limit is broken)."""
    from slack_sdk.models.blocks import Block

    assert not problems(blocks), problems(blocks)
    for raw in blocks:
        if raw.get("type") == CHART:
            continue
        model = Block.parse(raw)
        assert model is not None, raw
        assert model.to_dict() == raw
