"""History in both stores on a clock the test controls: samples, retention and downsampling, the digest
log, and history recorded by the background checks beside the alert monitor."""

from __future__ import annotations

import psycopg
import pytest

from bot.balance import BalanceReader
from bot.domain.history import DAILY, HOURLY, RAW, SENT, SKIPPED, Sample
from bot.domain.levels import Policy
from bot.domain.retention import DAY
from bot.jobs.alerts import AlertMonitor
from bot.jobs.history import HistoryRecorder
from bot.jobs.notifier import Delivery
from bot.kalshi.errors import KalshiTimeout
from bot.kalshi.models import Balance
from bot.slack.notifier import SlackNotifier
from bot.store import Store
from tests.conftest import StoreFactory

T0 = 1_800_000_000 // 86_400 * 86_400  # midnight UTC
HALF_HOUR = 1800.0


def balance_at(i: int) -> int:
    """A saw-tooth: 1,000.00 up by a dollar each half hour of a day, then back."""
    return 1000_00 + (i % 48) * 100


def fill(store: Store, days: int) -> float:
    """A sample every half hour for ``days`` days, compacting at the end of each day as the bot would."""
    now = float(T0)
    for day in range(days):
        for k in range(48):
            i = day * 48 + k
            now = T0 + i * HALF_HOUR
            store.add_sample(Sample.reading(now, balance_at(i), 7))
        store.compact(now + HALF_HOUR)
    return now + HALF_HOUR


@pytest.mark.slow(4)
def test_retention_keeps_every_sample_for_a_week_then_hourly_then_daily(new_store: StoreFactory) -> None:
    store = new_store()
    now = fill(store, 100)
    rows = store.samples(0, now)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    raw = [r for r in rows if r.resolution == RAW]
    hourly = [r for r in rows if r.resolution == HOURLY]
    daily = [r for r in rows if r.resolution == DAILY]
    assert len(rows) == len(raw) + len(hourly) + len(daily)

    assert min(r.at for r in raw) >= now - 7 * DAY and len(raw) == 7 * 48  # a week of every sample
    assert all(now - 30 * DAY <= r.at < now - 7 * DAY for r in hourly)
    assert len(hourly) == 23 * 24  # 23 days, one row per hour
    for row in hourly:  # two readings an hour: the second is the last, both bound low and high
        i = round((row.at - T0) / HALF_HOUR)
        assert (row.balance_cents, row.low_cents, row.high_cents) == (
            balance_at(i),
            balance_at(i - 1),
            balance_at(i),
        )
    assert all(r.at < now - 30 * DAY for r in daily) and len(daily) == 70
    for row in daily:  # the whole day: lowest 1,000.00, highest 1,047.00, last of the day 1,047.00
        assert (row.low_cents, row.high_cents, row.balance_cents) == (1000_00, 1047_00, 1047_00)
        assert row.at % DAY == DAY - HALF_HOUR and row.portfolio_value_cents == 7

    store.compact(now)  # idempotent
    assert store.samples(0, now) == rows
    store.close()
    store = new_store()  # and kept across a restart
    assert store.samples(0, now) == rows
    later = now + 401 * DAY
    store.add_samples([Sample.reading(now + d * DAY, 1, 0) for d in range(1, 402)])  # the bot kept going
    store.compact(later)
    assert store.samples(0, now) == []  # nothing older than 400 days
    assert min(r.at for r in store.samples(0, later)) >= later - 400 * DAY
    store.close()


def test_a_late_reading_merges_into_the_rollup_of_its_bucket(new_store: StoreFactory) -> None:
    store = new_store()
    store.add_sample(Sample.reading(T0 + 10.0, 500_00, 0))
    store.add_samples([Sample.reading(T0 + d * DAY, 1, 0) for d in range(1, 9)])  # a sample a day since
    store.compact(T0 + 8 * DAY)
    store.add_sample(Sample.reading(T0 + 20.0, 400_00, 0))  # the same hour, after its rollup was made
    store.add_sample(Sample.reading(T0 + 20.0, 400_00, 0))  # a repeated write is one row
    store.compact(T0 + 8 * DAY)
    (row,) = store.samples(0, T0 + 3600)
    assert row == Sample(T0 + 20.0, 400_00, 0, 400_00, 500_00, HOURLY)
    store.close()


def test_digest_log_records_a_day_once(new_store: StoreFactory) -> None:
    store = new_store()
    assert store.digest_status("2026-11-26") is None
    assert store.record_digest("2026-11-26", SENT, 1.0) is True
    assert store.record_digest("2026-11-26", SKIPPED, 2.0) is False
    other = new_store()
    assert other.digest_status("2026-11-26") == SENT
    assert other.record_digest("2026-11-27", SKIPPED, 3.0) is True
    assert store.digest_status("2026-11-27") == SKIPPED
    store.close()
    other.close()


def test_postgres_migrates_history_in_its_own_version(database_url: str) -> None:
    from bot.store.postgres import SCHEMA_VERSION, PostgresStore

    for _ in range(2):  # a second start migrates nothing
        store = PostgresStore(database_url)
        store.load_state()  # the store connects, and migrates, on first use
        store.close()
    with psycopg.connect(database_url) as conn:
        versions = conn.execute("SELECT version FROM bot_schema ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


class Kalshi:
    def __init__(self) -> None:
        self.cents: int | None = 300_00
        self.reads = 0

    def get_balance(self) -> Balance:
        self.reads += 1
        if self.cents is None:
            raise KalshiTimeout()
        return Balance(self.cents, 5_00, 1)


def test_history_is_recorded_across_monitor_checks_with_one_read_each(new_store: StoreFactory) -> None:
    clock = [float(T0)]
    kalshi = Kalshi()
    store = new_store()
    reader = BalanceReader(kalshi, freshness_seconds=0, clock=lambda: clock[0], wall=lambda: clock[0])
    policy = Policy("C0ALERTS1", 250_00, 60.0, None, None, 3)
    notifier = SlackNotifier(lambda _m: Delivery(True))
    monitor = AlertMonitor(policy, reader, store, notifier, wall=lambda: clock[0])
    recorder = HistoryRecorder(reader, store, 60.0, wall=lambda: clock[0])
    expected = []
    for cents in [300_00, 280_00, None, 260_00, 240_00]:
        kalshi.cents = cents
        monitor.tick()
        recorder.tick()  # right after the monitor, as in the loop: its reading, no second request
        if cents is not None:
            expected.append(Sample.reading(clock[0], cents, 5_00))
        clock[0] += 60
    assert kalshi.reads == 5 + 1  # the failed check is tried once more by the recorder: no reading to reuse
    assert store.samples(0, clock[0]) == expected
    assert store.load_state().state == "warning"  # the alert state lives in the same store
    store.close()
