"""What the surfaces draw from the history: the change over a period and a sparkline.

Each is computed from a bounded number of rows read through :class:`bot.domain.buckets.HistoryReads`
(the first rows of the period, the last row at or before a few instants, buckets of the period), so a
reply costs the same on day 400 as on day 1, whatever the check interval.

Money stays integer cents to the end; the percentage is computed with Decimal from those integers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.buckets import Bucket, HistoryReads, before, slot_end, slot_of
from bot.domain.history import DAILY, Sample
from bot.domain.money import format_cents

SPARK = "▁▂▃▄▅▆▇█"
DAY = 86_400.0
WEEK = 7 * DAY
PERIODS = (7, 30, 90)  # days /balance history accepts
WIDTHS = {7: 28, 30: 30, 90: 30}  # characters: 6 hours, 1 day and 3 days a character when full


def change_text(delta_cents: int, base_cents: int) -> str:
    """``+$12.34 (+1.0%)``; without the percentage when the base is not positive."""
    sign = "-" if delta_cents < 0 else "+"
    money = f"{sign}{format_cents(abs(delta_cents))}"
    if base_cents <= 0:
        return money
    percent = (Decimal(abs(delta_cents)) * 100 / Decimal(base_cents)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{money} ({sign}{percent}%)"


def draw(values: Sequence[int]) -> str:
    """One of the eight levels per value, from the lowest to the highest of them."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARK[3] * len(values)
    return "".join(SPARK[(v - low) * (len(SPARK) - 1) // (high - low)] for v in values)


def span_of(start: float, end: float, width: int) -> float:
    """The seconds one character stands for once the points outnumber the characters."""
    return max(end - start, 1.0) / width


def _carried(slots: Sequence[int | None]) -> list[int]:
    """Gaps carry the previous value; nothing before the first."""
    values: list[int] = []
    last = None
    for cents in slots:
        last = cents if cents is not None else last
        if last is not None:
            values.append(last)
    return values


def sparkline(points: Sequence[tuple[float, int]], start: float, end: float, width: int) -> str:
    """One character per point while they fit; otherwise ``width`` time buckets from ``start`` to
    ``end`` (:func:`bot.domain.buckets.slot_of`), each showing its last point, gaps carrying the previous
    one, none before the first point."""
    if len(points) <= width:
        return draw([cents for _, cents in points])
    span = span_of(start, end, width)
    slots: list[int | None] = [None] * width
    for at, cents in points:  # oldest first: the last point of a bucket wins
        slots[min(width - 1, max(0, slot_of(at, start, span)))] = cents
    return draw(_carried(slots))


@dataclass(frozen=True)
class Trend:
    """For ``/balance``, Home and the digest: the change over 24 h and the 7-day sparkline."""

    change: str | None  # None until there are two samples
    sparkline: str
    since: float | None = None  # the history starts later than 24 h ago: the change is since then


@dataclass(frozen=True)
class Week:
    """What the trend is made of, read once from the store (then shared by the replies of the moment):
    the balance 24 h ago, the latest sample and the week's sparkline."""

    baseline: Sample  # the last sample at or before 24 h ago, else the first one since
    since: float | None  # the baseline's time when it is not from 24 h ago or earlier
    latest: Sample
    several: bool  # more than one sample this week
    sparkline: str

    def trend(self, current_cents: int | None = None) -> Trend:
        """The trend against ``current_cents`` (a reading just made), else against the latest sample."""
        # A change needs two samples: the baseline and a later one. A lone sample (the bot's first check)
        # may be the very reading shown, and "+$0.00 (+0.0%)" against itself says nothing.
        if current_cents is None:
            current, later = self.latest.balance_cents, self.latest.at > self.baseline.at
        else:
            current, later = current_cents, self.several
        base = self.baseline.balance_cents
        change = change_text(current - base, base) if later else None
        return Trend(change, self.sparkline, self.since if change is not None else None)


def week_in(reads: HistoryReads, now: float) -> Week | None:
    """The last 7 days as the trend needs them, in at most ``WIDTHS[7] + 3`` rows; ``None`` while there is
    no sample in them."""
    width, start = WIDTHS[7], now - WEEK
    first = reads.oldest(start, now, width + 1)
    if not first:
        return None
    times: list[float] = []
    if len(first) > width:  # a character per bucket: the last sample at or before each bucket's end
        span = span_of(start, now, width)
        slots = range(min(width - 1, slot_of(first[0].at, start, span)), width - 1)
        times = [before(slot_end(start, span, slot)) for slot in slots]
    baseline, latest, *lasts = reads.last_at_or_before([now - DAY, now, *times], start)
    assert latest is not None  # first[0] is one
    if len(first) > width:
        line = draw([s.balance_cents for s in lasts if s is not None] + [latest.balance_cents])
    else:
        line = draw([s.balance_cents for s in first])
    since = None
    if baseline is None:  # the history does not reach back 24 h: the change since its first sample
        baseline, since = first[0], first[0].at
    return Week(baseline, since, latest, len(first) >= 2, line)


@dataclass(frozen=True)
class Point:
    at: float
    cents: int
    daily: bool  # from a daily rollup: its date is exact, its time is not


@dataclass(frozen=True)
class Summary:
    """For ``/balance history``: the period's first, latest, lowest and highest available balance."""

    days: int
    first: Point
    latest: Point
    lowest: Point
    highest: Point
    change: str
    sparkline: str
    samples: int


def _point(row: Sample, cents: int) -> Point:
    return Point(row.at, cents, row.resolution >= DAILY)


def _extreme(reads: HistoryReads, buckets: Sequence[Bucket], start: float, *, low: bool) -> Point:
    """The earliest row holding the period's lowest low (or highest high): found in its bucket only."""
    pick = min if low else max
    i, bucket = pick(enumerate(buckets), key=lambda b: b[1].low_cents if low else b[1].high_cents)
    cents = bucket.low_cents if low else bucket.high_cents
    after = start if i == 0 else math.nextafter(buckets[i - 1].last_at, math.inf)
    found = reads.oldest(
        after, bucket.last_at, 1, low_cents=cents if low else None, high_cents=None if low else cents
    )
    return _point(found[0], cents) if found else Point(bucket.last_at, cents, False)


def summary_in(reads: HistoryReads, days: int, now: float) -> Summary | None:
    """``/balance history``'s figures for the last ``days`` days from one pass of buckets and a few rows;
    ``None`` while there is no sample in them."""
    start, width = now - days * DAY, WIDTHS.get(days, 30)
    span = span_of(start, now, width)
    buckets = reads.buckets(start, now, span)
    if not buckets:
        return None
    samples = sum(b.samples for b in buckets)
    first = reads.oldest(start, now, width if samples <= width else 1)
    (latest,) = reads.last_at_or_before([now], start)
    if not first or latest is None:  # the rows changed under the read: none of them to show
        return None
    if samples <= width:
        line = draw([r.balance_cents for r in first])
    else:
        slots: list[int | None] = [None] * width
        for b in buckets:
            slots[min(width - 1, slot_of(b.last_at, start, span))] = b.last_cents
        line = draw(_carried(slots))
    return Summary(
        days=days,
        first=_point(first[0], first[0].balance_cents),
        latest=_point(latest, latest.balance_cents),
        lowest=_extreme(reads, buckets, start, low=True),
        highest=_extreme(reads, buckets, start, low=False),
        change=change_text(latest.balance_cents - first[0].balance_cents, first[0].balance_cents),
        sparkline=line,
        samples=samples,
    )
