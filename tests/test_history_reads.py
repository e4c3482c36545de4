"""The surfaces' history reads: bounded (a few dozen rows, whatever the history holds), the same in both
stores, and equal to the trend and summary computed from every row (the reference below, written
from the rules: the change against the last sample at or before 24 h ago, the sparkline's buckets
each showing their last sample)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.domain.buckets import Bucket, HistoryReads
from bot.domain.history import COLUMNS, DAILY, HOURLY, RAW, Sample, row
from bot.domain.trend import DAY, WIDTHS, Point, Summary, Trend, change_text, sparkline
from bot.history import HistoryView
from bot.store import Store
from bot.store.sqlite import SQLiteStore
from tests.conftest import StoreFactory

T = TypeVar("T")
NOW = 1_800_000_000.0


INSERT = f"INSERT INTO balance_history ({', '.join(COLUMNS)}) VALUES ({{}})"  # noqa: S608 - our columns


def fill(store: Store, samples: Sequence[Sample]) -> None:
    """Many rows at once, straight into the store's table."""
    values = [row(s) for s in samples]
    if isinstance(store, SQLiteStore):
        with store.connections.write() as db:
            db.executemany(INSERT.format(", ".join("?" * len(COLUMNS))), values)
        return
    insert = INSERT.format(", ".join(["%s"] * len(COLUMNS)))
    store.writes.run(lambda cur: cur.executemany(insert, values))  # type: ignore[attr-defined]


# -- the reference: every row of the period ----------------------------------------------------------
def in_period(rows: Sequence[Sample], since: float, until: float) -> list[Sample]:
    return sorted((r for r in rows if since <= r.at <= until), key=lambda r: (r.at, r.resolution))


def reference_trend(all_rows: Sequence[Sample], now: float, current: int | None) -> Trend | None:
    rows = in_period(all_rows, now - 7 * DAY, now)
    if not rows:
        return None
    before = [r for r in rows if r.at <= now - DAY]
    base, since = (before[-1], None) if before else (rows[0], rows[0].at)
    latest = rows[-1]
    value, later = (
        (latest.balance_cents, latest.at > base.at) if current is None else (current, len(rows) >= 2)
    )
    change = change_text(value - base.balance_cents, base.balance_cents) if later else None
    line = sparkline([(r.at, r.balance_cents) for r in rows], now - 7 * DAY, now, WIDTHS[7])
    return Trend(change, line, since if change is not None else None)


def reference_summary(all_rows: Sequence[Sample], days: int, now: float) -> Summary | None:
    start = now - days * DAY
    rows = in_period(all_rows, start, now)
    if not rows:
        return None

    def point(r: Sample, cents: int) -> Point:
        return Point(r.at, cents, r.resolution >= DAILY)

    first, latest = rows[0], rows[-1]
    lowest = min(rows, key=lambda r: (r.low_cents, r.at))
    highest = max(rows, key=lambda r: (r.high_cents, -r.at))
    return Summary(
        days=days,
        first=point(first, first.balance_cents),
        latest=point(latest, latest.balance_cents),
        lowest=point(lowest, lowest.low_cents),
        highest=point(highest, highest.high_cents),
        change=change_text(latest.balance_cents - first.balance_cents, first.balance_cents),
        sparkline=sparkline([(r.at, r.balance_cents) for r in rows], start, now, WIDTHS.get(days, 30)),
        samples=len(rows),
    )


def random_history(rng: random.Random, raw: int) -> list[Sample]:
    """Daily and hourly rollups in the past, ``raw`` readings over the last week (and a little around
    it), in bursts and gaps, with values in a narrow range so that lows and highs tie."""
    rows: list[Sample] = []

    def value() -> int:
        return rng.randint(95_00, 105_00) // 50 * 50

    def rollup(at: float, resolution: int) -> Sample:
        a, b, c = sorted(value() for _ in range(3))
        return Sample(at, b, rng.randint(0, 10_00), a, c, resolution)

    for d in range(100, 30, -1):
        if rng.random() < 0.8:
            rows.append(rollup(NOW - d * DAY + rng.uniform(0, DAY / 2), DAILY))
    for h in range(30 * 24, 7 * 24, -3):
        if rng.random() < 0.7:
            rows.append(rollup(NOW - h * 3600 + rng.uniform(0, 1800), HOURLY))
    at = NOW - 7 * DAY - 3600
    while len([r for r in rows if r.resolution == RAW]) < raw:
        at += rng.choice([2.0, 60.0, 600.0, 3 * 3600.0, 20 * 3600.0])  # bursts, and gaps up to 20 h
        if at > NOW + 3600:
            at = NOW - 7 * DAY + rng.uniform(0, 7 * DAY)
        b = value()
        rows.append(Sample(at, b, rng.randint(0, 10_00), b, b, RAW))
    unique = {(r.at, r.resolution): r for r in rows}
    return list(unique.values())


def test_trend_and_summary_equal_the_reference_on_random_histories(new_store: StoreFactory) -> None:
    for seed, raw in [(1, 5), (2, 27), (3, 400), (4, 1500)]:
        rng = random.Random(seed)
        store = new_store()
        history = random_history(rng, raw)
        fill(store, history)
        for now in [
            NOW,
            NOW - 2 * DAY + rng.random(),
            NOW - 6 * DAY,
            NOW + 3 * DAY,
            max(r.at for r in history),
        ]:
            view = HistoryView(store, 60, wall=lambda now=now: now)  # type: ignore[misc]
            for current in (None, 100_00):
                assert view.trend(current) == reference_trend(history, now, current), (seed, now, current)
            for days in (7, 30, 90):
                assert view.summary(days) == reference_summary(history, days, now), (seed, now, days)
        fill_sql_clear(store)
        store.close()


def fill_sql_clear(store: Store) -> None:
    if isinstance(store, SQLiteStore):
        with store.connections.write() as db:
            db.execute("DELETE FROM balance_history")
        return
    store.writes.run(lambda cur: cur.execute("DELETE FROM balance_history"))  # type: ignore[attr-defined]


def test_buckets_are_the_same_in_both_stores(new_store: StoreFactory) -> None:
    store = new_store()
    fill(
        store,
        [
            Sample(NOW - 10.0, 100, 1, 100, 100, RAW),  # before the period
            Sample(NOW, 500, 5, 300, 700, HOURLY),
            Sample(NOW + 1.0, 200, 2, 200, 200, RAW),
            Sample(NOW + 5.0, 400, 4, 400, 400, RAW),  # the last of the first bucket
            Sample(NOW + 25.0, 50, 9, 50, 50, RAW),  # the third bucket: the second is empty
            Sample(NOW + 30.0, 60, 9, 60, 60, RAW),  # "until" itself is in
        ],
    )
    assert store.buckets(NOW, NOW + 30.0, 10.0) == [
        Bucket(NOW, NOW + 5.0, 400, 4, 200, 700, 3),
        Bucket(NOW + 20.0, NOW + 25.0, 50, 9, 50, 50, 1),
        Bucket(NOW + 30.0, NOW + 30.0, 60, 9, 60, 60, 1),
    ]
    assert store.buckets(NOW + 100, NOW + 200, 10.0) == []
    store.close()


class Counting:
    """The reads, counting the rows each returns."""

    def __init__(self, reads: HistoryReads) -> None:
        self.reads = reads
        self.rows = 0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.reads, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            found = method(*args, **kwargs)
            self.rows += len(found)
            return found

        return counted


@pytest.mark.slow(4)
def test_a_surface_reads_a_bounded_number_of_rows_whatever_the_history_holds(tmp_path: Path) -> None:
    """A week at the 2 s minimum (302,400 readings) and a year of daily rows: the trend reads at most 58
    rows (the week's first 29, and the last at or before each character's end, 24 h ago and now), a
    summary one per bucket and a few more, and the trend takes about as long as on a fresh store."""
    store = SQLiteStore(tmp_path / "aged.sqlite3")
    aged = [Sample.reading(NOW - 7 * DAY + i * 2.0, 1000_00 + (i % 5000), 0) for i in range(302_400)]
    aged += [Sample(NOW - d * DAY, 900_00, 0, 800_00, 1100_00, DAILY) for d in range(8, 400)]
    fill(store, aged)
    fresh = SQLiteStore(tmp_path / "fresh.sqlite3")
    fill(fresh, aged[-1800:])  # its first hour

    def timed(store: SQLiteStore, work: Callable[[HistoryReads], T]) -> tuple[T, int, float]:
        counting: list[Counting] = []

        def run(reads: HistoryReads) -> T:
            counting.append(Counting(reads))
            return work(counting[0])  # type: ignore[arg-type]

        t0 = time.perf_counter()
        result = store.read(run)
        return result, counting[0].rows, time.perf_counter() - t0

    from bot.domain.trend import summary_in, week_in

    week, rows, aged_s = timed(store, lambda reads: week_in(reads, NOW))
    assert week is not None and rows <= 2 * WIDTHS[7] + 2
    assert week.trend(1234_56) == reference_trend(aged, NOW, 1234_56)
    fresh_s = min(timed(fresh, lambda reads: week_in(reads, NOW))[2] for _ in range(3))
    aged_s = min(aged_s, *(timed(store, lambda reads: week_in(reads, NOW))[2] for _ in range(3)))
    assert aged_s < max(10 * fresh_s, 0.02), (aged_s, fresh_s)  # not the 302,400 rows' 0.8 s
    for days in (7, 30, 90):
        summary, rows, _ = timed(store, lambda reads, days=days: summary_in(reads, days, NOW))  # type: ignore[misc]
        assert rows <= WIDTHS[days] + 4 and summary == reference_summary(aged, days, NOW)
    store.close()
    fresh.close()


def test_a_chart_from_quarter_hour_buckets_is_the_chart_from_every_row(new_store: StoreFactory) -> None:
    """The chart reads the last sample of each quarter of an hour; cut into hours or days in any zone
    (offsets of 30 and 45 minutes, a daylight-saving change), it is the chart of every row."""
    from zoneinfo import ZoneInfo

    from bot.domain.chart_series import ChartHistory, chart_series

    rng = random.Random(7)
    store = new_store()
    dst = datetime(2026, 11, 1, 6, tzinfo=UTC).timestamp()  # 02:00 in New York, back to 01:00
    around = [
        Sample.reading(dst - DAY + i * 420.0 + rng.random(), 1000_00 + rng.randint(0, 99), 5)
        for i in range(400)
    ]
    history = random_history(rng, 3000) + around
    fill(store, history)
    for now in (NOW, NOW - 1.5 * DAY + rng.random() * 900, dst + 20 * 3600):
        for zone_name in ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York"):
            zone = ZoneInfo(zone_name)
            for days in (1, 7, 30, 90):
                view = HistoryView(store, 60, wall=lambda now=now: now)  # type: ignore[misc]
                bounded = view.chart(days, zone)
                every = ChartHistory(history, now - days * DAY, now, zone)
                assert len(bounded.samples) <= days * 96 + 1
                for points in (12, 30, 200):
                    assert chart_series(bounded, max_points=points) == chart_series(
                        every, max_points=points
                    ), (
                        now,
                        zone_name,
                        days,
                        points,
                    )
    store.close()
