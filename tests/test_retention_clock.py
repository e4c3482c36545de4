"""Retention refuses an implausible clock: a compaction whose "now" lies far past the history changes
nothing and is logged; one after a real gap waits two days of samples, then catches up. Both stores."""

from __future__ import annotations

import logging

import pytest

from bot.balance import BalanceReader
from bot.domain.history import DAILY, HOURLY, RAW, Sample
from bot.domain.retention import DAY, ImplausibleClock
from bot.jobs.history import HistoryRecorder
from bot.kalshi.models import Balance
from tests.conftest import StoreFactory

T0 = 1_800_000_000 // 86_400 * 86_400  # midnight UTC


class Kalshi:
    def get_balance(self) -> Balance:
        return Balance(300_00, 5_00, 1)


def a_year_of_history(store_factory: StoreFactory) -> tuple[float, list[Sample]]:
    """A reading every hour for a year, compacted as the bot compacts: now, and the rows kept."""
    store = store_factory()
    now = T0 + 365 * DAY
    store.add_samples([Sample.reading(T0 + h * 3600.0, 1000_00 + h % 50, 0) for h in range(365 * 24)])
    store.compact(now)
    rows = store.samples(0, now)
    assert {r.resolution for r in rows} == {RAW, HOURLY, DAILY}
    store.close()
    return now, rows


def test_a_compaction_with_the_clock_800_days_ahead_changes_nothing_and_is_logged(
    new_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    now, rows = a_year_of_history(new_store)
    store = new_store()
    with pytest.raises(ImplausibleClock) as refused:  # whoever calls it: the store refuses, changing nothing
        store.compact(now + 800 * DAY)
    assert "the clock is 800.0 days past the newest sample" in str(refused.value)
    assert store.samples(0, now + 800 * DAY) == rows

    wrong = [now + 800 * DAY]  # the whole process's clock, as when a host's clock is set wrong
    reader = BalanceReader(Kalshi(), freshness_seconds=0, wall=lambda: wrong[0])
    recorder = HistoryRecorder(reader, store, 60.0, wall=lambda: wrong[0])
    with caplog.at_level(logging.INFO, logger="bot.jobs.history"):
        recorder.tick()  # the bot: records its reading at the wrong time, then compacts: refused
    (line,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "history retention: the samples of the last two days come 800.0 days after" in line.getMessage()
    assert "compaction skipped, nothing changed" in line.getMessage()
    assert store.samples(0, now) == rows  # the year is all there, row for row
    assert store.samples(now + 1, wrong[0]) == [Sample.reading(wrong[0], 300_00, 5_00)]

    caplog.clear()
    wrong[0] += 3600  # an hour on, still wrong: still refused, said again at INFO
    with caplog.at_level(logging.INFO, logger="bot.jobs.history"):
        recorder.tick()
    assert [r.levelname for r in caplog.records if "history retention" in r.getMessage()] == ["INFO"]
    assert store.samples(0, now) == rows
    store.close()


def test_after_a_real_gap_retention_waits_two_days_of_samples_then_catches_up(
    new_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store = new_store()
    store.add_samples([Sample.reading(T0 + h * 3600.0, 1000_00, 0) for h in range(30 * 24)])
    store.compact(T0 + 30 * DAY)
    off = T0 + 30 * DAY
    clock = [off + 5 * DAY]  # the bot was off five days
    reader = BalanceReader(Kalshi(), freshness_seconds=0, clock=lambda: clock[0], wall=lambda: clock[0])
    recorder = HistoryRecorder(reader, store, 3600.0, wall=lambda: clock[0])
    with caplog.at_level(logging.INFO, logger="bot.jobs.history"):
        while clock[0] < off + 7 * DAY + 2 * 3600:
            recorder.tick()  # a sample an hour; compaction once an hour
            clock[0] += 3600
    said = [r for r in caplog.records if "history retention" in r.getMessage()]
    assert said[0].levelname == "WARNING" and "come 5.0 days after" in said[0].getMessage()
    assert "history retention runs again" in said[-1].getMessage()
    rows = store.samples(0, clock[0])
    assert all(r.resolution != RAW for r in rows if r.at < clock[0] - 8 * DAY)  # it caught up
    store.close()
