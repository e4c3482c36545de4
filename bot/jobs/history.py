"""The background job that keeps the history: one sample per check, and the retention rules once an hour.

It runs in the loop of :mod:`bot.jobs.loop` right after the alert check, and takes that check's
reading when it is only seconds old, so the two share one Kalshi request. A failed read is no sample.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.balance import BalanceReader, Reading
from bot.domain.history import Sample
from bot.domain.retention import ImplausibleClock
from bot.kalshi.errors import KalshiError
from bot.store import HistoryStore

log = logging.getLogger(__name__)

COMPACT_EVERY_SECONDS = 3600.0
REUSE_SECONDS = 5.0  # a reading this recent (the alert check's, a /balance) is taken as this check's


class HistoryRecorder:
    name = "history"

    def __init__(
        self,
        reader: BalanceReader,
        store: HistoryStore,
        interval_seconds: float,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.reader = reader
        self.store = store
        self.interval_seconds = interval_seconds
        self.wall = wall
        self._recorded: Reading | None = None
        self._compacted_at: float | None = None
        self._refused = False  # the last compaction was refused for the clock: said once at WARNING

    def _reading(self) -> Reading | None:
        latest = self.reader.latest()
        if latest is not None and latest.age(self.reader.clock()) <= min(
            REUSE_SECONDS, self.interval_seconds / 2
        ):
            return latest
        try:
            return self.reader.read()
        except KalshiError as exc:
            log.info("no history sample this time: the balance read failed (%s)", exc)
            return None

    def settle(self) -> str | None:
        return None  # posts nothing

    def tick(self) -> float:
        reading = self._reading()
        if reading is not None and reading is not self._recorded:
            b = reading.balance
            self.store.add_sample(
                Sample.reading(reading.fetched_wall, b.balance_cents, b.portfolio_value_cents)
            )
            self._recorded = reading
        now = self.wall()
        if self._compacted_at is None or now - self._compacted_at >= COMPACT_EVERY_SECONDS:
            self._compact(now)
            self._compacted_at = now
        return self.interval_seconds

    def _compact(self, now: float) -> None:
        """The retention rules, unless the clock is far past the history: then nothing is changed, and
        the log says why (a warning the first time, then once an hour at INFO until it runs again)."""
        try:
            self.store.compact(now)
        except ImplausibleClock as exc:
            log.log(logging.INFO if self._refused else logging.WARNING, "history retention: %s", exc)
            self._refused = True
            return
        if self._refused:
            log.info("history retention runs again: the history reaches the clock")
            self._refused = False
