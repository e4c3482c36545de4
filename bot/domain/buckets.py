"""Time buckets over the history, and the few bounded reads the surfaces make of it.

A surface (``/balance``, Home, the digest, ``/balance history``, a chart) never reads every row of a
period: it asks the store for a bounded number of rows through :class:`HistoryReads`, which each store
answers inside one read transaction. The bucket arithmetic is written once, here, and each store's SQL
repeats it exactly (a subtraction and a division in double precision, then the integer part), so an
instant falls in the same bucket in Python, in SQLite and in PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.history import Sample


@dataclass(frozen=True)
class Bucket:
    """The rows of one slice of time ``[start, start + width)``: how many, the last one (its time, the
    available balance and the portfolio value) and the lowest and highest available balance in them."""

    start: float
    last_at: float
    last_cents: int
    last_portfolio_cents: int
    low_cents: int
    high_cents: int
    samples: int  # rows in the bucket (a rollup counts as one)


def slot_of(at: float, since: float, width_seconds: float) -> int:
    """The bucket ``at`` falls in, counted from ``since`` (``at >= since``): the stores' SQL does the same."""
    return int((at - since) / width_seconds)


def slot_end(since: float, width_seconds: float, slot: int) -> float:
    """The first instant of bucket ``slot + 1``: the smallest float ``t`` with ``slot_of(t) > slot``."""
    t = since + (slot + 1) * width_seconds
    while slot_of(t, since, width_seconds) <= slot:
        t = math.nextafter(t, math.inf)
    while slot_of(math.nextafter(t, -math.inf), since, width_seconds) > slot:
        t = math.nextafter(t, -math.inf)
    return t


def before(t: float) -> float:
    """The last instant strictly before ``t``: "at < t" is "at <= before(t)"."""
    return math.nextafter(t, -math.inf)


class HistoryReads(Protocol):
    """The bounded reads a surface makes, inside one read transaction of a store. Each returns at most a
    known number of rows, whatever the history holds."""

    def oldest(
        self,
        since: float,
        until: float,
        limit: int,
        *,
        low_cents: int | None = None,
        high_cents: int | None = None,
    ) -> list[Sample]:
        """The first ``limit`` rows with ``since <= at <= until`` (and the given low or high), oldest
        first."""
        ...

    def last_at_or_before(self, times: Sequence[float], since: float) -> list[Sample | None]:
        """For each time ``t``, the last row with ``since <= at <= t`` (``None``: there is none)."""
        ...

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        """The rows with ``since <= at <= until`` in buckets of ``width_seconds`` from ``since``
        (:func:`slot_of`), oldest first; empty buckets are left out."""
        ...
