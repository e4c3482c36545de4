"""Bounded history: every reading for 7 days, then one row an hour until 30 days, then one row a day
(lowest, highest and last) until 400 days, then nothing.

At the default check interval (60 s) that is at most about 10,080 + 552 + 370 rows, whatever the age
of the install (see benchmarks/history_size.py for the measured file size).

The algorithm is written once, here, over a small interface (:class:`Rows`) each store implements
inside one transaction, so a crash mid-compaction leaves the history as it was.

A clock set wrong erases nothing: a compaction is refused (:class:`ImplausibleClock`, nothing changed)
while the history has a gap of more than :data:`MAX_GAP` that reaches into its last :data:`MAX_GAP`:
the newest row is more than two days before "now", or the rows of the last two days follow older ones
only after such a gap (the clock jumped ahead and a sample or two were taken since). After a real gap
(the bot off for a long weekend) compaction waits two days of fresh samples, then catches up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.domain.history import DAILY, HOURLY, Sample

DAY = 86_400.0
RAW_DAYS = 7
HOURLY_DAYS = 30
KEEP_DAYS = 400
MAX_GAP = 2 * DAY  # a gap this long at the top of the history makes "now" suspect

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

    def newest_before(self, before: float) -> float | None:
        """The time of the newest row with ``at < before``."""
        ...

    def oldest_from(self, start: float, end: float) -> float | None:
        """The time of the oldest row with ``start <= at <= end``."""
        ...


class ImplausibleClock(Exception):
    """A compaction refused: ``now`` lies far past the history (see the module's docstring)."""

    def __init__(self, now: float, newest: float, resumed: float | None) -> None:
        self.now = now
        self.newest = newest  # the newest row before the gap
        self.resumed = resumed  # the first row after it, if any
        days = ((resumed if resumed is not None else now) - newest) / DAY
        if resumed is None:
            what = f"the clock is {days:.1f} days past the newest sample"
        else:
            what = f"the samples of the last two days come {days:.1f} days after the ones before them"
        super().__init__(
            f"{what}: compaction skipped, nothing changed (a clock set wrong must not erase the history; "
            "it runs once two days of samples follow the gap)"
        )


def check_clock(rows: Rows, now: float) -> None:
    """Raise :class:`ImplausibleClock` when the history has a gap of more than :data:`MAX_GAP` ending
    within the last :data:`MAX_GAP` before ``now`` (or reaching ``now``)."""
    horizon = now - MAX_GAP
    newest = rows.newest_before(horizon)
    if newest is None:
        return  # all of the history is recent (or there is none): nothing a compaction could fold
    resumed = rows.oldest_from(horizon, now)
    if (resumed if resumed is not None else now) - newest > MAX_GAP:
        raise ImplausibleClock(now, newest, resumed)


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
    an earlier compaction made one; drop what is older than :data:`KEEP_DAYS`. Idempotent.
    :class:`ImplausibleClock`, before anything is changed, when ``now`` cannot be trusted."""
    check_clock(rows, now)
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
