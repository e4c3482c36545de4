"""The change and the sparkline, exact to the cent, and the history reply's figures, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.balance import Reading
from bot.domain.history import DAILY, Sample
from bot.domain.money import INT64_MAX
from bot.domain.trend import SPARK, Trend, change_text, sparkline
from bot.history import HistoryView
from bot.kalshi.models import Balance
from bot.slack.blocks import digest, history
from bot.slack.blocks.base import Message
from bot.store.sqlite import SQLiteStore
from tests.conftest import StoreFactory
from tests.test_blocks import validate

NOW = 1_800_000_000.0
HOUR = 3600.0


def test_change_text_is_exact() -> None:
    assert change_text(12_34, 1234_00) == "+$12.34 (+1.0%)"
    assert change_text(-12_34, 1234_00) == "-$12.34 (-1.0%)"
    assert change_text(0, 500_00) == "+$0.00 (+0.0%)"
    assert change_text(5, 1000_00) == "+$0.05 (+0.0%)"
    assert change_text(50, 1000_00) == "+$0.50 (+0.1%)"  # 0.05% rounds half up
    assert change_text(1, 3) == "+$0.01 (+33.3%)"
    assert change_text(100_00, 0) == "+$100.00"  # no percentage of nothing
    assert (
        change_text(INT64_MAX - 1, 1)
        == f"+${(INT64_MAX - 1) // 100:,}.{(INT64_MAX - 1) % 100:02d} (+{INT64_MAX - 1}00.0%)"
    )


def test_sparkline_one_character_per_sample_while_few() -> None:
    assert sparkline([], 0, 1, 28) == ""
    assert sparkline([(1.0, 5)], 0, 10, 28) == "▄"
    assert sparkline([(1.0, 100), (2.0, 200), (3.0, 150)], 0, 10, 28) == "▁█▄"
    points = [(float(i), i) for i in range(8)]
    assert sparkline(points, 0, 8, 28) == SPARK


def test_sparkline_buckets_time_once_there_are_more_samples_than_characters() -> None:
    week = 7 * 24 * HOUR
    points = [(NOW - week + i * 60.0, 1000_00 + (i * 60 // int(6 * HOUR)) * 100) for i in range(7 * 24 * 60)]
    line = sparkline(points, NOW - week, NOW, 28)
    assert len(line) == 28 and line[0] == "▁" and line[-1] == "█"
    assert list(line) == sorted(line)  # rising steadily
    late = sparkline([(NOW - 2 * HOUR + i, 5 + i % 2) for i in range(100)], NOW - week, NOW, 28)
    assert len(late) == 1  # no characters for the time before the first sample


@given(st.lists(st.tuples(st.floats(0, 1000), st.integers(-(10**15), 10**15)), max_size=300))
def test_sparkline_is_bounded_and_drawn_from_the_eight_levels(points: list[tuple[float, int]]) -> None:
    line = sparkline(sorted(points), 0, 1000, 28)
    assert len(line) <= 28 and set(line) <= set(SPARK)


def store_with(tmp_path: Path, rows: list[Sample]) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    for row in rows:
        store.add_sample(row)
    return store


def test_trend_is_the_change_since_the_balance_24_hours_ago(tmp_path: Path) -> None:
    store = store_with(
        tmp_path,
        [
            Sample.reading(NOW - 30 * HOUR, 900_00, 0),  # the last sample at or before 24 h ago
            Sample.reading(NOW - 23 * HOUR, 1000_00, 0),
            Sample.reading(NOW - 1 * HOUR, 1005_00, 0),
        ],
    )
    view = HistoryView(store, 60, wall=lambda: NOW)
    trend = view.trend(1010_00)
    assert trend == Trend("+$110.00 (+12.2%)", "▁▇█", since=None)
    assert view.trend() == Trend("+$105.00 (+11.7%)", "▁▇█")  # the latest sample against it
    assert HistoryView(store, 60, wall=lambda: NOW + 8 * 24 * HOUR).trend() is None  # nothing this week


def test_after_a_gap_the_change_is_against_the_balance_24_hours_ago(new_store: StoreFactory) -> None:
    """The issue's case: $1,000 until the bot stopped, down 23 h, back with $400 for 2 h. The oldest
    sample within 24 h is a $400 one (+$0.00); the balance 24 h ago was $1,000."""
    store = new_store()
    stopped = NOW - 25 * HOUR
    for i in range(180):  # three hours at one a minute
        store.add_sample(Sample.reading(stopped - i * 60, 1000_00, 0))
    for i in range(120):  # back after 23 h
        store.add_sample(Sample.reading(stopped + 23 * HOUR + i * 60, 400_00, 0))
    view = HistoryView(store, 60, wall=lambda: NOW)
    for trend in (view.trend(400_00), view.trend()):
        assert trend is not None and trend.change == "-$600.00 (-60.0%)" and trend.since is None
        assert history.trend_lines(trend) == (
            f"*24 h:* -$600.00 (-60.0%)   *7 d:* `{trend.sparkline}`",
            f"24 h change -$600.00 (-60.0%); 7 days {trend.sparkline}",
        )
    store.close()


def test_a_history_younger_than_24_hours_says_since_when(new_store: StoreFactory) -> None:
    store = new_store()
    first = datetime(2027, 1, 15, 14, 5, tzinfo=UTC).timestamp()
    now = first + 5 * HOUR
    store.add_sample(Sample.reading(first, 1000_00, 0))
    store.add_sample(Sample.reading(first + HOUR, 1100_00, 0))
    trend = HistoryView(store, 60, wall=lambda: now).trend(1200_00)
    assert trend == Trend("+$200.00 (+20.0%)", "▁█", since=first)
    mrkdwn, text = history.trend_lines(trend) or ("", "")
    assert (
        mrkdwn
        == f"*Since <!date^{int(first)}^{{time}}|2027-01-15 14:05 UTC>:* +$200.00 (+20.0%)   *7 d:* `▁█`"
    )
    assert text == "change since 14:05 UTC +$200.00 (+20.0%); 7 days ▁█"
    read = Reading(Balance(1200_00, 0, int(now)), 1.0, now)
    digest_text = digest.digest_message(read, day="2027-01-15", trend=trend, alert=None).text
    assert "Change since 14:05 UTC +$200.00 (+20.0%)." in digest_text
    assert "Change since yesterday" not in digest_text
    store.close()


def test_one_sample_shows_no_change_until_a_second(tmp_path: Path) -> None:
    store = store_with(tmp_path, [Sample.reading(NOW - 1 * HOUR, 1000_00, 0)])
    view = HistoryView(store, 60, wall=lambda: NOW)
    for trend in (view.trend(), view.trend(1000_00)):  # the lone sample may be the very reading shown
        assert trend is not None and trend.change is None and trend.sparkline == "▄"
        assert history.trend_lines(trend) == ("*7 d:* `▄`", "7 days ▄")
    store.add_sample(Sample.reading(NOW - 3 * 24 * HOUR, 900_00, 0))  # the second: the balance 24 h ago
    assert view.trend() == Trend("+$100.00 (+11.1%)", "▁█")
    assert view.trend(1001_00) == Trend("+$101.00 (+11.2%)", "▁█")
    store.add_sample(Sample.reading(NOW - 1 * 60.0, 1002_00, 0))
    assert view.trend() == Trend("+$102.00 (+11.3%)", "▁▇█")
    read = Reading(Balance(100000, 0, 1764000000), 1.0, NOW)
    text = digest.digest_message(read, day="d", trend=Trend(None, "▄"), alert=None).text
    assert "+$0.00" not in text and "Change since yesterday n/a" in text


def test_summary_first_latest_lowest_highest_and_change(tmp_path: Path) -> None:
    store = store_with(
        tmp_path,
        [
            Sample(NOW - 40 * 24 * HOUR, 800_00, 0, 700_00, 950_00, DAILY),  # a daily rollup
            Sample.reading(NOW - 5 * 24 * HOUR, 1000_00, 0),
            Sample.reading(NOW - 2 * 24 * HOUR, 1200_00, 3),
            Sample.reading(NOW - HOUR, 1100_00, 0),
        ],
    )
    view = HistoryView(store, 60, wall=lambda: NOW)
    week = view.summary(7)
    assert week is not None and week.samples == 3
    assert (week.first.cents, week.latest.cents, week.lowest.cents, week.highest.cents) == (
        1000_00,
        1100_00,
        1000_00,
        1200_00,
    )
    assert week.change == "+$100.00 (+10.0%)" and week.highest.at == NOW - 2 * 24 * HOUR
    quarter = view.summary(90)
    assert quarter is not None and quarter.lowest.cents == 700_00 and quarter.lowest.daily
    assert quarter.change == "+$300.00 (+37.5%)"
    message = history.history_message(quarter, demo=True)
    validate(message)
    assert "$700.00" in message.text and "+$300.00 (+37.5%)" in message.text
    assert view.summary(7) is not None and HistoryView(store, 60, wall=lambda: 0.0).summary(7) is None


def test_digest_and_history_messages_fit_slacks_limits() -> None:
    reading = Reading(Balance(123456, 50000, 1764000000), 1.0, NOW)
    alert = Message(
        "Low-balance alert: below $250.00, state OK.",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    )
    subs = [(i, Decimal(i)) for i in range(40)]
    for message in [
        digest.digest_message(reading, day="2026-11-26", trend=None, alert=None),
        digest.digest_message(
            reading,
            day="2026-11-26",
            trend=Trend("+$1.00 (+0.1%)", "▁▂▃"),
            alert=alert,
            subaccounts=subs,
            demo=True,
        ),
        history.no_history_message(60),
        history.history_off_message(),
    ]:
        validate(message)
    text = digest.digest_message(reading, day="d", trend=None, alert=None, subaccounts=subs).text
    assert "Subaccounts (40): #0 $0.00 · #1 $1.00" in text and "and 20 more" in text
    assert (
        "Subaccounts"
        not in digest.digest_message(reading, day="d", trend=None, alert=None, subaccounts=subs[:1]).text
    )
