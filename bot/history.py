"""The read path for the balance's history: what the surfaces (``/balance``, ``/balance history``, Home,
the digest) draw from the store, computed by :mod:`bot.domain.trend` from a bounded number of rows.

Replies of the same moment share one read: a burst of ``/balance`` makes one trend read, not one each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, tzinfo

from bot.domain.chart_series import ChartHistory
from bot.domain.history import Sample
from bot.domain.trend import DAY, Summary, Trend, Week, summary_in, week_in
from bot.store import HistoryStore, StoreUnavailable

CHART_SLOT_SECONDS = 900.0


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.week: Week | None = None
        self.error: BaseException | None = None


class HistoryView:
    """Reads for the Slack surfaces, over the store."""

    def __init__(self, store: HistoryStore, interval_seconds: float, wall: Callable[[], float] = time.time):
        self.store = store
        self.interval_seconds = interval_seconds
        self.wall = wall
        self._mutex = threading.Lock()
        self._flight: _Flight | None = None  # the week being read, joined by whoever asks meanwhile

    def trend(self, current_cents: int | None = None) -> Trend | None:
        """``None`` while there is no sample in the last 7 days."""
        week = self._week()
        return None if week is None else week.trend(current_cents)

    def _week(self) -> Week | None:
        with self._mutex:
            flight, leader = self._flight, self._flight is None
            if flight is None:
                flight = self._flight = _Flight()
        if leader:
            try:
                now = self.wall()
                flight.week = self.store.read(lambda reads: week_in(reads, now))
            except BaseException as exc:  # noqa: BLE001 - handed to every reader of this flight
                flight.error = exc
            finally:
                with self._mutex:
                    self._flight = None
                flight.done.set()
        else:
            flight.done.wait()  # the leader's store call has a deadline
        if isinstance(flight.error, StoreUnavailable):
            raise StoreUnavailable(flight.error.reason)
        if flight.error is not None:
            raise flight.error
        return flight.week

    def summary(self, days: int) -> Summary | None:
        now = self.wall()
        return self.store.read(lambda reads: summary_in(reads, days, now))

    def chart(self, days: int, zone: tzinfo = UTC) -> ChartHistory:
        """The last ``days`` of history, for a chart (cut into buckets by :mod:`bot.domain.chart_series`):
        the last sample of each quarter of an hour (UTC), a bounded number whatever the check interval.
        Every zone's hours and days are whole quarters of an hour (its offsets are), so each bucket of the
        chart keeps its own last sample, and an empty one stays empty: the same chart as from every row."""
        end = self.wall()
        start = end - days * DAY
        since = start // CHART_SLOT_SECONDS * CHART_SLOT_SECONDS
        rows = [
            Sample(b.last_at, b.last_cents, b.last_portfolio_cents, b.low_cents, b.high_cents)
            for b in self.store.buckets(since, end, CHART_SLOT_SECONDS)
            if b.last_at >= start
        ]
        return ChartHistory(rows, start, end, zone)
