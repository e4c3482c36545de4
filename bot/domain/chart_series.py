"""The balance over time as a chart draws it: the history cut into time buckets, each bucket showing its
last reading, labelled in the reader's terms (hours for a day, days for a week or more).

Pure: no I/O, no Slack. Money stays integer cents; how many points a chart may hold is the caller's
(``max_points``: a limit of Slack's chart block, set by the Slack side).

- Buckets are aligned to the clock in ``zone`` (whole hours, whole days from midnight), so the labels
  read cleanly and a day's bucket holds that day's readings, like the store's daily rollups.
- The bucket size is the smallest of :data:`HOUR_STEPS` (windows up to :data:`HOURLY_UP_TO`) or
  :data:`DAY_STEPS` (longer windows) that fits ``max_points``; a window longer than those allow gets
  buckets as wide as needed. Whatever the window, at most ``max_points`` buckets come out.
- A bucket with no reading is left out, not invented: the chart goes from the last known figure to the
  next one, and the labels show where the gap was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Protocol

HOUR = 3600
DAY = 86_400
HOURLY_UP_TO = 2 * DAY  # windows up to this long are cut in hours, longer ones in days
HOUR_STEPS = (1, 2, 3, 4, 6, 12)  # hours a bucket may span, tried in order
DAY_STEPS = (1, 2, 3, 5, 7, 14, 30, 61, 91)  # days a bucket may span, tried in order

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not strftime: the locale's names vary
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class HistoryRow(Protocol):
    """One row of history (bot.domain.history.Sample has these): unix seconds, integer cents."""

    @property
    def at(self) -> float: ...

    @property
    def balance_cents(self) -> int: ...

    @property
    def portfolio_value_cents(self) -> int: ...


@dataclass(frozen=True)
class ChartHistory:
    """What a chart is drawn from: the history's rows between ``start`` and ``end`` (unix seconds), and
    the zone its labels are read in."""

    samples: Sequence[HistoryRow]
    start: float
    end: float
    zone: tzinfo = UTC

    @property
    def zone_name(self) -> str:
        return "UTC" if self.zone is UTC else str(self.zone)


@dataclass(frozen=True)
class Bucket:
    label: str  # unique within its series, at most 20 characters
    at: float  # the time of its last reading
    available_cents: int
    portfolio_value_cents: int

    @property
    def total_cents(self) -> int:
        return self.available_cents + self.portfolio_value_cents


@dataclass(frozen=True)
class ChartSeries:
    buckets: tuple[Bucket, ...]  # oldest first, at least one
    hourly: bool  # labels are hours (``14:00``); otherwise days (``Tue 16 Jun``)
    step: int  # hours (hourly) or days a bucket spans

    @property
    def with_total(self) -> bool:
        """Whether the total differs from the available balance anywhere (a portfolio value not zero)."""
        return any(b.portfolio_value_cents != 0 for b in self.buckets)


def _local(at: float, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(at, zone)


def _key(at: float, zone: tzinfo, hourly: bool, step: int) -> int:
    """The bucket of ``at``: non-decreasing in time (a repeated hour at a clock change shares one)."""
    local = _local(at, zone)
    day = local.date().toordinal() - 1  # day 0 was a Monday: 7-day buckets start on Mondays
    return (day * 24 + local.hour) // step if hourly else day // step


def choose_step(start: float, end: float, zone: tzinfo, max_points: int) -> tuple[bool, int]:
    """(hourly, step): the finest bucket size that cuts ``start``..``end`` into at most ``max_points``."""

    def fits(hourly: bool, step: int) -> bool:
        return _key(end, zone, hourly, step) - _key(start, zone, hourly, step) + 1 <= max_points

    if end - start <= HOURLY_UP_TO:
        for hours in HOUR_STEPS:
            if fits(True, hours):
                return True, hours
    for days in DAY_STEPS:
        if fits(False, days):
            return False, days
    return False, max(DAY_STEPS[-1], math.ceil((end - start) / DAY / max(max_points - 1, 1)) + 1)


def _label(at: float, zone: tzinfo, hourly: bool, step: int, *, with_day: bool, with_year: bool) -> str:
    local = _local(at, zone)
    if hourly:
        hour = f"{local.hour:02d}:00"
        return f"{_WEEKDAYS[local.weekday()]} {hour}" if with_day else hour
    date = f"{local.day} {_MONTHS[local.month - 1]}"
    if step == 1:
        date = f"{_WEEKDAYS[local.weekday()]} {date}"
    return f"{date} {local.year}" if with_year else date


def chart_series(history: ChartHistory, *, max_points: int) -> ChartSeries | None:
    """The buckets of ``history`` with at least one reading, oldest first; ``None`` without any reading
    in the window. Each bucket is labelled by its last reading's hour or day, so labels are unique."""
    start, end, zone = history.start, history.end, history.zone
    rows = sorted((r for r in history.samples if start <= r.at <= end), key=lambda r: r.at)
    if not rows or max_points < 1:
        return None
    hourly, step = choose_step(start, end, zone, max_points)
    last: dict[int, HistoryRow] = {}
    for row in rows:  # oldest first: the last reading of a bucket wins
        last[_key(row.at, zone, hourly, step)] = row
    kept = [last[key] for key in sorted(last)][-max_points:]
    first, latest = _local(kept[0].at, zone), _local(kept[-1].at, zone)
    with_day = hourly and first.date() != latest.date()
    with_year = not hourly and first.year != latest.year
    by_label: dict[str, Bucket] = {}
    for row in kept:
        label = _label(row.at, zone, hourly, step, with_day=with_day, with_year=with_year)
        by_label.pop(label, None)  # never twice (cannot happen with aligned buckets): the later wins
        by_label[label] = Bucket(label, row.at, row.balance_cents, row.portfolio_value_cents)
    return ChartSeries(tuple(by_label.values()), hourly, step)
