"""The balance over time, as the store keeps it: samples and the digest log's statuses."""

from __future__ import annotations

from dataclasses import dataclass

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
