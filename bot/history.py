"""The read path for the balance's history: what the surfaces (``/balance``, ``/balance history``, Home,
the digest) draw from the store, computed by :mod:`bot.domain.trend`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, tzinfo

from bot.domain.chart_series import ChartHistory
from bot.domain.trend import DAY, Summary, Trend, summary_of, trend_of
from bot.store import HistoryStore


class HistoryView:
    """Reads for the Slack surfaces, over the store."""

    def __init__(self, store: HistoryStore, interval_seconds: float, wall: Callable[[], float] = time.time):
        self.store = store
        self.interval_seconds = interval_seconds
        self.wall = wall

    def trend(self, current_cents: int | None = None) -> Trend | None:
        """``None`` while there is no sample in the last 7 days."""
        now = self.wall()
        return trend_of(self.store.samples(now - 7 * DAY, now), now, current_cents)

    def summary(self, days: int) -> Summary | None:
        now = self.wall()
        return summary_of(self.store.samples(now - days * DAY, now), days, now)

    def chart(self, days: int, zone: tzinfo = UTC) -> ChartHistory:
        """The last ``days`` of history, for a chart (cut into buckets by :mod:`bot.domain.chart_series`)."""
        end = self.wall()
        return ChartHistory(self.store.samples(end - days * DAY, end), end - days * DAY, end, zone)
