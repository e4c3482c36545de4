"""When the daily digest is due: one time of day in one time zone (BALANCE_DIGEST_TIME, _TZ)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

GRACE_SECONDS = 3600.0  # a digest missed at its time is still sent within this long after it


@dataclass(frozen=True)
class Slot:
    day: str  # YYYY-MM-DD in the digest's zone
    at: float  # unix seconds


class Schedule:
    def __init__(self, *, zone: str, hour: int, minute: int, second: int = 0, text: str = "") -> None:
        self.zone = ZoneInfo(zone)
        self.time = time_of_day(hour, minute, second)
        self.text = text or f"{hour:02d}:{minute:02d} {zone}"

    def on(self, day: date) -> Slot:
        return Slot(day.isoformat(), datetime.combine(day, self.time, tzinfo=self.zone).timestamp())

    def latest(self, now: float) -> Slot:
        """The last digest time at or before ``now``."""
        today = datetime.fromtimestamp(now, self.zone).date()
        slot = self.on(today)
        return slot if slot.at <= now else self.on(today - timedelta(days=1))

    def next(self, now: float) -> Slot:
        """The first digest time after ``now``."""
        today = datetime.fromtimestamp(now, self.zone).date()
        slot = self.on(today)
        return slot if slot.at > now else self.on(today + timedelta(days=1))

    def local_text(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.zone).isoformat()
