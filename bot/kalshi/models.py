"""Typed answers from Kalshi, parsed strictly where it matters and tolerant of fields we do not use.

Shapes follow kalshi-python-sync 3.34's models (GetBalanceResponse, GetSubaccountBalancesResponse /
SubaccountBalance, ExchangeStatus, GetAccountApiLimitsResponse / BucketLimit). Dollar amounts come as
fixed-point strings with up to 6 decimals and stay exact (Decimal), never float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.domain.money import INT64_MAX, INT64_MIN, cents_to_dollars, parse_fixed_point
from bot.kalshi.errors import KalshiBadResponse

SUBACCOUNTS = range(64)
"""Kalshi's subaccount numbers: 0 is the primary account, 1..63 the numbered subaccounts."""

ONE_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Balance:
    """``GET /portfolio/balance``: cents, the exact dollars when Kalshi sends them, and the unix second
    Kalshi last updated it."""

    balance_cents: int
    portfolio_value_cents: int
    updated_ts: int
    balance_dollars: Decimal | None = None  # ``balance_dollars``, kept when it agrees with the cents

    @property
    def total_cents(self) -> int:
        return self.balance_cents + self.portfolio_value_cents

    @property
    def available_dollars(self) -> Decimal:
        """The available balance to the last digit Kalshi sent (sub-cent digits included)."""
        if self.balance_dollars is not None:
            return self.balance_dollars
        return cents_to_dollars(self.balance_cents)

    @property
    def portfolio_value_dollars(self) -> Decimal:
        return cents_to_dollars(self.portfolio_value_cents)

    @property
    def total_dollars(self) -> Decimal:
        return self.available_dollars + self.portfolio_value_dollars

    @classmethod
    def from_json(cls, data: Any) -> Balance:
        data = _object(data)
        cents = _int64(data, "balance")
        exact: Decimal | None = None
        try:
            exact = parse_fixed_point(data["balance_dollars"])
        except (KeyError, ValueError):
            exact = None  # absent (older API) or unreadable: the cents still are the balance
        # Finer than the cents, never contradicting them: a figure off by a cent or more is not the
        # same balance, and the cents are what the alerts compare.
        if exact is not None and abs(exact - cents_to_dollars(cents)) >= ONE_CENT:
            exact = None
        return cls(
            balance_cents=cents,
            portfolio_value_cents=_int64(data, "portfolio_value"),
            updated_ts=_int64(data, "updated_ts"),
            balance_dollars=exact,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "balance_cents": self.balance_cents,
            "balance_dollars": f"{self.available_dollars:f}",
            "portfolio_value_cents": self.portfolio_value_cents,
            "updated_ts": self.updated_ts,
        }


@dataclass(frozen=True, slots=True)
class SubaccountBalance:
    """One subaccount's balance, summed over the exchange indexes it is held on."""

    subaccount: int
    balance_dollars: Decimal
    updated_ts: int  # the latest update among its exchange indexes

    @property
    def primary(self) -> bool:
        return self.subaccount == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "subaccount": self.subaccount,
            "balance_dollars": f"{self.balance_dollars:f}",
            "updated_ts": self.updated_ts,
        }


@dataclass(frozen=True, slots=True)
class SubaccountBalances:
    """``GET /portfolio/subaccounts/balances``: one entry per subaccount, sorted by number."""

    subaccounts: tuple[SubaccountBalance, ...]

    @property
    def total_dollars(self) -> Decimal:
        return sum((s.balance_dollars for s in self.subaccounts), Decimal(0))

    @property
    def updated_ts(self) -> int | None:
        return max((s.updated_ts for s in self.subaccounts), default=None)

    @classmethod
    def from_json(cls, data: Any) -> SubaccountBalances:
        rows = _object(data).get("subaccount_balances")
        if not isinstance(rows, list):
            raise KalshiBadResponse("the field 'subaccount_balances' is missing or not a list")
        sums: dict[int, Decimal] = {}
        updated: dict[int, int] = {}
        for item in rows:
            row = _object(item)
            number = _int64(row, "subaccount_number")
            if number not in SUBACCOUNTS:
                raise KalshiBadResponse("the field 'subaccount_number' is out of range")
            amount = _dollars(row, "balance")
            sums[number] = sums.get(number, Decimal(0)) + amount
            updated[number] = max(updated.get(number, INT64_MIN), _int64(row, "updated_ts"))
        return cls(tuple(SubaccountBalance(n, sums[n], updated[n]) for n in sorted(sums)))

    def to_json(self) -> dict[str, Any]:
        return {
            "subaccounts": [s.to_json() for s in self.subaccounts],
            "total_dollars": f"{self.total_dollars:f}",
        }


@dataclass(frozen=True, slots=True)
class ExchangeStatus:
    """``GET /exchange/status`` (public): whether the exchange is up, and when maintenance should end."""

    exchange_active: bool
    trading_active: bool
    estimated_resume_ts: int | None = None  # ``exchange_estimated_resume_time``, as unix seconds

    @classmethod
    def from_json(cls, data: Any) -> ExchangeStatus:
        data = _object(data)
        return cls(
            exchange_active=_bool(data, "exchange_active"),
            trading_active=_bool(data, "trading_active"),
            estimated_resume_ts=_timestamp(data.get("exchange_estimated_resume_time")),
        )


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """``GET /account/limits``: the API usage tier and the read bucket (tokens a second)."""

    usage_tier: str
    read_tokens_per_second: int
    read_bucket_capacity: int

    @classmethod
    def from_json(cls, data: Any) -> AccountLimits:
        data = _object(data)
        tier = data.get("usage_tier")
        if not isinstance(tier, str) or not tier:
            raise KalshiBadResponse("the field 'usage_tier' is missing")
        read = _object(data.get("read"), "read")
        return cls(
            usage_tier=tier[:40],
            read_tokens_per_second=_int64(read, "refill_rate"),
            read_bucket_capacity=_int64(read, "bucket_capacity"),
        )


def _object(data: Any, name: str | None = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        where = f" in the field '{name}'" if name else ""
        raise KalshiBadResponse(f"expected a JSON object{where}, got {type(data).__name__}")
    return data


def _int64(data: dict[str, Any], name: str) -> int:
    if name not in data:
        raise KalshiBadResponse(f"the field '{name}' is missing")
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise KalshiBadResponse(f"the field '{name}' is not a whole number")
    if not INT64_MIN <= value <= INT64_MAX:
        raise KalshiBadResponse(f"the field '{name}' is out of range")
    return value


def _dollars(data: dict[str, Any], name: str) -> Decimal:
    if name not in data:
        raise KalshiBadResponse(f"the field '{name}' is missing")
    try:
        return parse_fixed_point(data[name])
    except ValueError as exc:
        raise KalshiBadResponse(f"the field '{name}' is not a dollar amount") from exc


def _bool(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise KalshiBadResponse(f"the field '{name}' is missing or not true/false")
    return value


def _timestamp(value: Any) -> int | None:
    """An RFC 3339 time as unix seconds; None when absent or unreadable (it is only an estimate)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    if "." in text:  # more than microseconds (Go sends nanoseconds): keep six digits
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
