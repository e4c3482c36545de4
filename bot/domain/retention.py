"""Bounded history: every reading for 7 days, then one row an hour until 30 days, then one row a day
(lowest, highest and last) until 400 days, then nothing.

At the default check interval (60 s) that is at most about 10,080 + 552 + 370 rows, whatever the age
of the install (see benchmarks/history_size.py for the measured file size).

The algorithm is written once, here, over a small interface (:class:`Rows`) each store implements
inside one transaction, so a crash mid-compaction leaves the history as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.domain.history import DAILY, HOURLY, Sample

DAY = 86_400.0
RAW_DAYS = 7
HOURLY_DAYS = 30
KEEP_DAYS = 400

# (rollup resolution, age after which finer rows are folded into it)
ROLLUPS = ((HOURLY, RAW_DAYS * DAY), (DAILY, HOURLY_DAYS * DAY))


class Rows(Protocol):
    """The history table inside one transaction."""

    def finer_than(self, resolution: int, before: float) -> list[Sample]: ...

    def of(self, resolution: int, start: float, end: float) -> list[Sample]: ...

    def delete_finer_than(self, resolution: int, before: float) -> None: ...

    def delete_of(self, resolution: int, start: float, end: float) -> None: ...

    def delete_before(self, before: float) -> None: ...

    def insert(self, samples: list[Sample]) -> None: ...


def merge(rows: Iterable[Sample], resolution: int) -> list[Sample]:
    """One row per ``resolution``-second bucket: its last reading, its lowest and its highest."""
    buckets: dict[int, list[Sample]] = {}
    for row in rows:
        buckets.setdefault(int(row.at // resolution), []).append(row)
    merged = []
    for key in sorted(buckets):
        group = buckets[key]
        last = max(group, key=lambda s: s.at)
        merged.append(
            Sample(
                at=last.at,
                balance_cents=last.balance_cents,
                portfolio_value_cents=last.portfolio_value_cents,
                low_cents=min(s.low_cents for s in group),
                high_cents=max(s.high_cents for s in group),
                resolution=resolution,
            )
        )
    return merged


def compact(rows: Rows, now: float) -> None:
    """Fold rows older than each tier's age into that tier's buckets, merging with the bucket's row if
    an earlier compaction made one; drop what is older than :data:`KEEP_DAYS`. Idempotent."""
    for resolution, age in ROLLUPS:
        cutoff = now - age
        finer = rows.finer_than(resolution, cutoff)
        if not finer:
            continue
        start = min(s.at for s in finer) // resolution * resolution
        end = (max(s.at for s in finer) // resolution + 1) * resolution
        existing = rows.of(resolution, start, end)
        rows.delete_finer_than(resolution, cutoff)
        rows.delete_of(resolution, start, end)
        rows.insert(merge([*finer, *existing], resolution))
    rows.delete_before(now - KEEP_DAYS * DAY)
