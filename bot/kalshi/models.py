"""Typed answers from Kalshi, parsed strictly where it matters and tolerant of fields we do not use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.kalshi.errors import KalshiBadResponse
from bot.money import INT64_MAX, INT64_MIN


@dataclass(frozen=True, slots=True)
class Balance:
    """``GET /portfolio/balance``: cents and the unix second Kalshi last updated it."""

    balance_cents: int
    portfolio_value_cents: int
    updated_ts: int

    @property
    def total_cents(self) -> int:
        return self.balance_cents + self.portfolio_value_cents

    @classmethod
    def from_json(cls, data: Any) -> Balance:
        if not isinstance(data, dict):
            raise KalshiBadResponse(f"expected a JSON object, got {type(data).__name__}")
        return cls(
            balance_cents=_int64(data, "balance"),
            portfolio_value_cents=_int64(data, "portfolio_value"),
            updated_ts=_int64(data, "updated_ts"),
        )

    def to_json(self) -> dict[str, int]:
        return {
            "balance_cents": self.balance_cents,
            "portfolio_value_cents": self.portfolio_value_cents,
            "updated_ts": self.updated_ts,
        }


def _int64(data: dict[str, Any], name: str) -> int:
    if name not in data:
        raise KalshiBadResponse(f"the field '{name}' is missing")
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise KalshiBadResponse(f"the field '{name}' is not a whole number")
    if not INT64_MIN <= value <= INT64_MAX:
        raise KalshiBadResponse(f"the field '{name}' is out of range")
    return value
