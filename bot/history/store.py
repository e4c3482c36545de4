"""What the store keeps besides the alert state: balance samples and the digest log.

Implemented by :class:`bot.history.sqlite.SQLiteStore` and :class:`bot.history.postgres.PostgresStore`,
which extend the alert stores of :mod:`bot.alerts` on the same database, so one store holds it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.alerts.store import AlertStore

RAW = 0  # one reading
HOURLY = 3600  # a rollup of an hour's readings
DAILY = 86_400  # a rollup of a UTC day's readings

SENT = "sent"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Sample:
    """One row of history. Times are unix seconds; money is integer cents.

    A rollup keeps the last reading of its bucket (``at``, ``balance_cents``, ``portfolio_value_cents``)
    and the lowest and highest available balance seen in it.
    """

    at: float
    balance_cents: int  # available balance
    portfolio_value_cents: int
    low_cents: int
    high_cents: int
    resolution: int = RAW

    @classmethod
    def reading(cls, at: float, balance_cents: int, portfolio_value_cents: int) -> Sample:
        return cls(at, balance_cents, portfolio_value_cents, balance_cents, balance_cents)


COLUMNS = ("at", "balance_cents", "portfolio_value_cents", "low_cents", "high_cents", "resolution")


def row(sample: Sample) -> tuple[float | int, ...]:
    """The sample's values in the order of :data:`COLUMNS`, for either database."""
    return tuple(getattr(sample, column) for column in COLUMNS)


class HistoryStore(Protocol):
    def add_sample(self, sample: Sample) -> None: ...

    def samples(self, since: float, until: float) -> list[Sample]:
        """Rows with ``since <= at <= until``, oldest first."""
        ...

    def compact(self, now: float) -> None:
        """Apply the retention rules of :mod:`bot.history.retention` as of ``now``."""
        ...


class DigestLog(Protocol):
    def digest_status(self, day: str) -> str | None:
        """``"sent"``, ``"skipped"`` or ``None`` for the digest of ``day`` (``YYYY-MM-DD`` in its zone)."""
        ...

    def record_digest(self, day: str, status: str, at: float) -> bool:
        """Record the day's digest once; ``False`` when it was already recorded (the first record wins)."""
        ...


class Store(AlertStore, HistoryStore, DigestLog, Protocol):
    """Everything a process with background checks keeps: alert state, history, digest log."""
