"""The chart of the balance over time: built from the history's buckets, in Slack's limits whatever the
history (empty, one sample, gaps, a year), exact to the cent; and the messages that carry it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.balance import Reading
from bot.domain.chart_series import DAY, HOUR, ChartHistory, chart_series
from bot.domain.history import DAILY, HOURLY, Sample
from bot.domain.trend import Point, Summary, Trend
from bot.kalshi.models import Balance
from bot.slack.blocks import chart, digest, history, home
from bot.slack.blocks.chart import balance_chart, dollars_number
from bot.slack.chart_fallback import strip_charts, without_charts
from tests.fakes import chart_rules
from tests.test_blocks import validate

NOW = datetime(2026, 6, 16, 15, 42, tzinfo=UTC).timestamp()  # a Tuesday
NEW_YORK = ZoneInfo("America/New_York")


def points(block: dict[str, Any], series: int = 0) -> list[tuple[str, Any]]:
    return [(p["label"], p["value"]) for p in block["chart"]["series"][series]["data"]]


def test_a_week_is_one_point_a_day_labelled_by_day_each_the_days_last_reading() -> None:
    rows = [
        Sample.reading(NOW - 6 * DAY, 900_00, 0),
        Sample.reading(NOW - 6 * DAY + HOUR, 950_00, 0),  # the same day, later: this one is shown
        Sample.reading(NOW - 3 * DAY, 1000_00, 0),  # a gap of two days before it: no invented points
        Sample.reading(NOW, 1234_56, 0),
    ]
    block = balance_chart(ChartHistory(rows, NOW - 7 * DAY, NOW), title="Balance, last 7 days")
    assert block is not None and not chart_rules.block_problems(block)
    assert points(block) == [("Wed 10 Jun", 950.0), ("Sat 13 Jun", 1000.0), ("Tue 16 Jun", 1234.56)]
    assert block["chart"]["axis_config"]["categories"] == ["Wed 10 Jun", "Sat 13 Jun", "Tue 16 Jun"]
    assert [s["name"] for s in block["chart"]["series"]] == ["Available balance"]  # no portfolio: no total
    assert block["chart"]["axis_config"]["x_label"] == "Day (UTC), last reading of each"
    assert block["chart"]["axis_config"]["y_label"] == "US dollars"


def test_the_total_joins_when_the_portfolio_value_is_not_zero() -> None:
    rows = [Sample.reading(NOW - 2 * DAY, 1000_00, 0), Sample.reading(NOW, 1000_00, 250_05)]
    block = balance_chart(ChartHistory(rows, NOW - 7 * DAY, NOW), title="t")
    assert block is not None
    assert [s["name"] for s in block["chart"]["series"]] == ["Available balance", "Total"]
    assert points(block, 1) == [("Sun 14 Jun", 1000.0), ("Tue 16 Jun", 1250.05)]


def test_a_day_is_cut_in_hours_and_longer_windows_in_days() -> None:
    day = [Sample.reading(NOW - i * 600, 1000_00 + i, 0) for i in range(144)][::-1]  # every 10 min
    series = chart_series(ChartHistory(day, NOW - DAY, NOW), max_points=chart.POINTS_MAX)
    assert series is not None and series.hourly and series.step == 2
    labels = [b.label for b in series.buckets]
    assert labels[0] == "Mon 15:00" and labels[-1] == "Tue 15:00"  # two dates: the day is named
    same_day = chart_series(ChartHistory(day[-30:], NOW - 5 * HOUR, NOW), max_points=20)
    assert same_day is not None and [b.label for b in same_day.buckets][-1] == "15:00"
    quarter = [Sample.reading(NOW - i * DAY, 1000_00, 0) for i in range(90)][::-1]
    series = chart_series(ChartHistory(quarter, NOW - 90 * DAY, NOW), max_points=20)
    assert series is not None and not series.hourly and series.step == 5
    assert series.buckets[-1].label == "16 Jun"


def test_labels_are_read_in_the_zone_given() -> None:
    rows = [Sample.reading(NOW - 20 * HOUR, 1_00, 0), Sample.reading(NOW, 2_00, 0)]  # 15:42 UTC: 11:42 EDT
    series = chart_series(ChartHistory(rows, NOW - DAY, NOW, NEW_YORK), max_points=20)
    assert series is not None and series.buckets[-1].label == "Tue 11:00"
    block = balance_chart(ChartHistory(rows, NOW - DAY, NOW, NEW_YORK), title="t")
    assert block is not None and "(America/New_York)" in block["chart"]["axis_config"]["x_label"]


def test_nothing_to_draw_without_a_sample_in_the_window() -> None:
    assert balance_chart(ChartHistory([], NOW - 7 * DAY, NOW), title="t") is None
    old = [Sample.reading(NOW - 8 * DAY, 1_00, 0)]
    assert balance_chart(ChartHistory(old, NOW - 7 * DAY, NOW), title="t") is None


def test_dollars_are_sent_exactly_as_json_numbers() -> None:
    assert json.dumps(dollars_number(123456)) == "1234.56"
    assert json.dumps(dollars_number(-5)) == "-0.05"
    assert json.dumps(dollars_number(100000)) == "1000.0"
    assert dollars_number(999_999_999_999_999) is not None  # 15 digits: $9,999,999,999,999.99
    assert dollars_number(1_000_000_000_000_000) is None  # 16: not drawn rather than rounded


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_every_figure_of_up_to_15_digits_is_exact_in_the_json(cents: int) -> None:
    number = dollars_number(cents)
    assert number is not None
    assert Decimal(json.dumps(number)) == Decimal(cents).scaleb(-2)


# -- every limit, whatever the history ----------------------------------------------------------------

WINDOWS = st.sampled_from([1, 2, 3, 7, 30, 90, 365, 400])
ZONES = st.sampled_from([UTC, NEW_YORK, ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham")])
CENTS = st.integers(min_value=-(10**14), max_value=10**14)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Sample], int]:
    """Empty, one sample, bursts with gaps, or a year of rollups like the store keeps."""
    days = draw(WINDOWS)
    kind = draw(st.sampled_from(["empty", "one", "gaps", "year"]))
    if kind == "empty":
        return [], days
    if kind == "one":
        return [Sample.reading(NOW - draw(st.floats(0, days * DAY)), draw(CENTS), draw(CENTS))], days
    if kind == "year":  # daily rows to 30 days back, hourly to 7 days, then a reading a minute
        rows = [Sample(NOW - d * DAY, 1000_00 + d, 0, 900_00, 1100_00, DAILY) for d in range(365, 30, -1)]
        rows += [
            Sample(NOW - h * HOUR, 2000_00 + h, 5_00, 1_00, 3000_00, HOURLY) for h in range(720, 168, -1)
        ]
        rows += [Sample.reading(NOW - m * 60, 3000_00 + m, 7_00) for m in range(10_080, -1, -37)]
        return rows, days
    offsets = draw(st.lists(st.floats(0, 400 * DAY), min_size=2, max_size=60))
    portfolio = draw(st.sampled_from([0, None]))
    return [
        Sample.reading(NOW - o, draw(CENTS), draw(CENTS) if portfolio is None else 0)
        for o in sorted(offsets, reverse=True)
    ], days


@settings(max_examples=300, deadline=None)
@given(histories(), ZONES)
def test_the_chart_keeps_every_slack_limit(history_and_days: tuple[list[Sample], int], zone: Any) -> None:
    rows, days = history_and_days
    window = ChartHistory(rows, NOW - days * DAY, NOW, zone)
    inside = [r for r in rows if window.start <= r.at <= window.end]
    block = balance_chart(window, title=chart.chart_title(days, demo=True))
    if not inside:
        assert block is None
        return
    assert block is not None
    assert not chart_rules.block_problems(block), chart_rules.block_problems(block)
    assert block["type"] == "data_visualization" and len(block["title"]) <= chart.TITLE_MAX
    series = block["chart"]["series"]
    categories = block["chart"]["axis_config"]["categories"]
    assert 1 <= len(series) <= min(2, chart.SERIES_MAX)
    assert 1 <= len(categories) <= chart.POINTS_MAX and len(set(categories)) == len(categories)
    assert all(len(c) <= chart.LABEL_MAX for c in categories)
    for line in series:
        assert len(line["name"]) <= chart.SERIES_NAME_MAX
        assert [p["label"] for p in line["data"]] == categories
    # built from buckets: the latest point is the latest reading, exactly, and no point is invented
    latest = sorted(inside, key=lambda r: r.at)[-1]  # of readings at the same time, the last kept
    assert Decimal(json.dumps(series[0]["data"][-1]["value"])) == Decimal(latest.balance_cents).scaleb(-2)
    available = {Decimal(r.balance_cents).scaleb(-2) for r in inside}
    assert all(Decimal(json.dumps(p["value"])) in available for p in series[0]["data"])
    assert (len(series) == 2) == any(b.portfolio_value_cents for b in _buckets(window))


def _buckets(window: ChartHistory) -> tuple[Any, ...]:
    series = chart_series(window, max_points=chart.POINTS_MAX)
    assert series is not None
    return series.buckets


# -- the messages that carry it -----------------------------------------------------------------------


def reading() -> Reading:
    return Reading(Balance(1234_56, 500_00, int(NOW)), fetched_at=10.0, fetched_wall=NOW)


def summary_of(days: int) -> Summary:
    first, latest = Point(NOW - 7 * DAY, 1000_00, False), Point(NOW, 1234_56, False)
    return Summary(days, first, latest, first, latest, "+$234.56 (+23.5%)", "▁▂▃▅▇", 8)


def week() -> ChartHistory:
    rows = [Sample.reading(NOW - d * DAY, 1000_00 + d * 100, 500_00) for d in range(7, -1, -1)]
    return ChartHistory(rows, NOW - 7 * DAY, NOW)


def test_each_surface_carries_one_chart_and_the_same_message_without_it_keeps_everything_else() -> None:
    trend = Trend("+$234.56 (+23.5%)", "▁▂▃▅▇")
    summary = summary_of(7)
    surfaces = {
        "history": history.history_message(summary, demo=True, chart=week()),
        "digest": digest.digest_message(reading(), day="2026-06-16", trend=trend, alert=None, chart=week()),
    }
    view = home.home_view(reading(), now=NOW, trend=trend, history_kept=True, alert=None, chart=week())
    for name, message in surfaces.items():
        validate(message)
        charts = chart_rules.charts(message.blocks)
        assert len(charts) == 1 <= chart.CHARTS_PER_MESSAGE_MAX, name
        plain = without_charts(message)
        assert plain.text == message.text and "▁▂▃▅▇" in json.dumps(plain.blocks, ensure_ascii=False)
        assert len(plain.blocks) == len(message.blocks) - 1
        validate(plain)
    chart_rules.assert_valid_blocks(view["blocks"])
    assert len(chart_rules.charts(view["blocks"])) == 1
    assert len(strip_charts(view["blocks"])) == len(view["blocks"]) - 1
    assert "$1,234.56" in surfaces["digest"].text  # the text fallback always carries the figures
    without = history.history_message(summary, demo=False)
    assert not chart_rules.charts(without.blocks)
    assert without.blocks == strip_charts(history.history_message(summary, demo=False, chart=week()).blocks)
