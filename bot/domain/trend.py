"""What the surfaces draw from the history: the change over a period and a sparkline.

Money stays integer cents to the end; the percentage is computed with Decimal from those integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.history import DAILY, Sample
from bot.domain.money import format_cents

SPARK = "▁▂▃▄▅▆▇█"
DAY = 86_400.0
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


def sparkline(points: Sequence[tuple[float, int]], start: float, end: float, width: int) -> str:
    """One character per point while they fit; otherwise ``width`` time buckets from ``start`` to
    ``end``, each showing its last point, gaps carrying the previous one, none before the first point."""
    if not points:
        return ""
    if len(points) <= width:
        values = [cents for _, cents in points]
    else:
        span = max(end - start, 1.0) / width
        buckets: list[int | None] = [None] * width
        for at, cents in points:  # oldest first: the last point of a bucket wins
            buckets[min(width - 1, max(0, int((at - start) // span)))] = cents
        values, last = [], None
        for cents_or_none in buckets:
            last = cents_or_none if cents_or_none is not None else last
            if last is not None:
                values.append(last)
    low, high = min(values), max(values)
    if high == low:
        return SPARK[3] * len(values)
    return "".join(SPARK[(v - low) * (len(SPARK) - 1) // (high - low)] for v in values)


@dataclass(frozen=True)
class Trend:
    """For ``/balance``, Home and the digest: the change over 24 h and the 7-day sparkline."""

    change: str | None  # since the oldest sample within the last 24 h; None until there are two samples
    sparkline: str


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


def trend_of(rows: Sequence[Sample], now: float, current_cents: int | None = None) -> Trend | None:
    """The 24 h change and the 7-day sparkline from the last 7 days' rows (oldest first); ``None`` while
    there is none."""
    if not rows:
        return None
    day = [r for r in rows if r.at >= now - DAY]
    current = rows[-1].balance_cents if current_cents is None else current_cents
    # A change needs two samples: the baseline and a later one. A lone sample (the bot's first check)
    # may be the very reading shown, and "+$0.00 (+0.0%)" against itself says nothing.
    later = len(day) >= 2 if current_cents is None else len(rows) >= 2
    change = change_text(current - day[0].balance_cents, day[0].balance_cents) if day and later else None
    line = sparkline([(r.at, r.balance_cents) for r in rows], now - 7 * DAY, now, WIDTHS[7])
    return Trend(change, line)


def summary_of(rows: Sequence[Sample], days: int, now: float) -> Summary | None:
    """``/balance history``'s figures from the period's rows (oldest first); ``None`` while there is none."""
    if not rows:
        return None
    start = now - days * DAY
    first, latest = rows[0], rows[-1]
    lowest = min(rows, key=lambda r: (r.low_cents, r.at))
    highest = max(rows, key=lambda r: (r.high_cents, -r.at))
    return Summary(
        days=days,
        first=_point(first, first.balance_cents),
        latest=_point(latest, latest.balance_cents),
        lowest=_point(lowest, lowest.low_cents),
        highest=_point(highest, highest.high_cents),
        change=change_text(latest.balance_cents - first.balance_cents, first.balance_cents),
        sparkline=sparkline([(r.at, r.balance_cents) for r in rows], start, now, WIDTHS.get(days, 30)),
        samples=len(rows),
    )
