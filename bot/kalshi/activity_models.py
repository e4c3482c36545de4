"""What moved the balance, as Kalshi lists it: fills, settlements, deposits, withdrawals, transfers.

Shapes follow kalshi-python-sync 3.34's models (Fill, Settlement, Deposit, Withdrawal, SubaccountTransfer
and their Get…Response with ``cursor``). Units are mixed inside one object and each is read as what it is:
integer cents (``revenue``, ``amount_cents``, ``fee_cents``) stay ``int``; fixed-point dollar strings
(``yes_price_dollars``, ``no_price_dollars``, ``fee_cost``) and fixed-point counts (``count_fp``) become
``Decimal``, exactly. Never float.

A fill's cash direction: the deprecated ``action`` (buy/sell) with ``side`` (yes/no) says which contract was
bought or sold, so what was paid or received. ``outcome_side`` (yes/no) and ``book_side`` (bid/ask, the
same bit) say only which outcome the fill leaves the trader long: buy-yes and sell-no are both
``outcome_side=yes``. So the legacy pair decides where Kalshi sends it (checked against ``outcome_side``);
without it a fill is read as a purchase of its ``outcome_side`` at that side's price, which it is when it
opens a position (see the README on what that leaves unexplained).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from bot.domain.money import parse_fixed_point
from bot.kalshi.errors import KalshiBadResponse, KalshiError
from bot.kalshi.models import SUBACCOUNTS, _dollars, _int64, _object, _timestamp

Kind = Literal["trades", "settlements", "deposits", "withdrawals", "transfers"]
KINDS: tuple[Kind, ...] = ("trades", "settlements", "deposits", "withdrawals", "transfers")

APPLIED = "applied"
FUNDING_STATUSES = frozenset({"pending", APPLIED, "failed", "returned"})
MARKET_RESULTS = frozenset({"yes", "no", "scalar"})

# (action, side) -> outcome_side, from Kalshi's "Order direction" page; book_side: bid is yes, ask is no.
OUTCOME_OF = {("buy", "yes"): "yes", ("sell", "no"): "yes", ("buy", "no"): "no", ("sell", "yes"): "no"}
BOOK_SIDES = {"bid": "yes", "ask": "no"}


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill, from the trader's side: ``count`` contracts of ``side`` bought or sold at ``price``."""

    fill_id: str
    ticker: str
    buy: bool
    side: str  # "yes" or "no": the contract bought or sold
    count: Decimal  # count_fp, exact
    price: Decimal  # the side's price per contract (yes_price_dollars or no_price_dollars)
    fee: Decimal  # fee_cost, dollars
    at: int  # unix seconds
    from_outcome_side: bool = False  # no action/side: read as a purchase of outcome_side

    @property
    def amount(self) -> Decimal:
        """What the contracts cost or fetched, fees apart."""
        return self.price * self.count

    @classmethod
    def from_json(cls, data: Any) -> Fill:
        row = _object(data, "fills")
        buy, side, inferred = _direction(row)
        price = _dollars(row, "yes_price_dollars" if side == "yes" else "no_price_dollars")
        if price < 0:
            raise KalshiBadResponse("a fill's price is negative")
        return cls(
            fill_id=_text(row, "fill_id", "trade_id"),
            ticker=_text(row, "ticker", "market_ticker"),
            buy=buy,
            side=side,
            count=_count(row, "count_fp"),
            price=price,
            fee=_dollars(row, "fee_cost"),
            at=_moment(row, "created_time", "ts"),
            from_outcome_side=inferred,
        )


@dataclass(frozen=True, slots=True)
class Settlement:
    ticker: str
    market_result: str
    revenue_cents: int  # ``revenue``: cents, what the winning contracts paid
    fee: Decimal  # ``fee_cost``: dollars
    at: int

    @property
    def revenue(self) -> Decimal:
        return Decimal(self.revenue_cents).scaleb(-2)

    @classmethod
    def from_json(cls, data: Any) -> Settlement:
        row = _object(data, "settlements")
        result = row.get("market_result")
        if result not in MARKET_RESULTS:
            raise KalshiBadResponse("a settlement's 'market_result' is not yes, no or scalar")
        return cls(
            ticker=_text(row, "ticker"),
            market_result=str(result),
            revenue_cents=_int64(row, "revenue"),
            fee=_dollars(row, "fee_cost"),
            at=_moment(row, "settled_time"),
        )


@dataclass(frozen=True, slots=True)
class Funding:
    """A deposit or a withdrawal: cents, and a status; only ``applied`` ones moved the balance."""

    id: str
    status: str
    amount_cents: int
    fee_cents: int
    created_ts: int
    finalized_ts: int | None

    @property
    def applied(self) -> bool:
        return self.status == APPLIED

    @property
    def at(self) -> int:
        """When it reached the balance: finalized when applied, else when it was made."""
        return self.finalized_ts if self.finalized_ts is not None else self.created_ts

    @classmethod
    def from_json(cls, data: Any) -> Funding:
        row = _object(data, "deposits or withdrawals")
        status = row.get("status")
        if status not in FUNDING_STATUSES:
            raise KalshiBadResponse("a deposit's or withdrawal's 'status' is not one Kalshi documents")
        finalized = row.get("finalized_ts")
        return cls(
            id=_text(row, "id"),
            status=str(status),
            amount_cents=_int64(row, "amount_cents"),
            fee_cents=_int64(row, "fee_cents"),
            created_ts=_int64(row, "created_ts"),
            finalized_ts=None if finalized is None else _int64(row, "finalized_ts"),
        )


@dataclass(frozen=True, slots=True)
class Transfer:
    """Cash moved between two subaccounts of the account (0 is the primary)."""

    id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    at: int

    @classmethod
    def from_json(cls, data: Any) -> Transfer:
        row = _object(data, "transfers")
        ends = (_int64(row, "from_subaccount"), _int64(row, "to_subaccount"))
        if not all(n in SUBACCOUNTS for n in ends):
            raise KalshiBadResponse("a transfer's subaccount number is out of range")
        return cls(
            _text(row, "transfer_id"),
            ends[0],
            ends[1],
            _int64(row, "amount_cents"),
            _int64(row, "created_ts"),
        )


T = TypeVar("T", Fill, Settlement, Funding, Transfer)


def page(data: Any, key: str, item: Callable[[Any], T]) -> tuple[list[T], str | None]:
    """One page of a list: its items and the cursor of the next page (None on the last)."""
    body = _object(data)
    rows = body.get(key)
    if not isinstance(rows, list):
        raise KalshiBadResponse(f"the field '{key}' is missing or not a list")
    cursor = body.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise KalshiBadResponse("the field 'cursor' is not text")
    return [item(row) for row in rows], cursor or None


@dataclass(frozen=True)
class KindRead(Generic[T]):
    """One kind of activity over the window: its items, or the error that stopped its read.
    ``partial``: the read stopped at its bound with more to come, so the figures are incomplete."""

    items: tuple[T, ...] = ()
    partial: bool = False
    error: KalshiError | None = None


@dataclass(frozen=True)
class ActivityRead:
    """Everything read for one window ``[start, end]`` (unix seconds) of subaccount ``subaccount``
    (0: the primary account, what ``/portfolio/balance`` shows without a subaccount). Deposits and
    withdrawals are the primary account's only: a subaccount's read has ``None`` for them."""

    start: int
    end: int
    subaccount: int
    trades: KindRead[Fill]
    settlements: KindRead[Settlement]
    deposits: KindRead[Funding] | None
    withdrawals: KindRead[Funding] | None
    transfers: KindRead[Transfer]
    requests: int = 0  # Kalshi requests it took


def _direction(row: dict[str, Any]) -> tuple[bool, str, bool]:
    """(bought, the contract's side, read from outcome_side alone)."""
    outcome = row.get("outcome_side")
    book = row.get("book_side")
    if outcome is not None and outcome not in {"yes", "no"}:
        raise KalshiBadResponse("a fill's 'outcome_side' is not yes or no")
    if book is not None and book not in BOOK_SIDES:
        raise KalshiBadResponse("a fill's 'book_side' is not bid or ask")
    if book is not None:
        if outcome is not None and BOOK_SIDES[book] != outcome:
            raise KalshiBadResponse("a fill's 'book_side' contradicts its 'outcome_side'")
        outcome = BOOK_SIDES[book]
    action, side = row.get("action"), row.get("side")
    if action is not None and side is not None:
        legacy = OUTCOME_OF.get((action, side))
        if legacy is None:
            raise KalshiBadResponse("a fill's 'action' or 'side' is not one Kalshi documents")
        if outcome is not None and legacy != outcome:
            raise KalshiBadResponse("a fill's 'action' and 'side' contradict its 'outcome_side'")
        return action == "buy", str(side), False
    if outcome is None:
        raise KalshiBadResponse("a fill has no direction (no 'outcome_side', 'book_side' or 'action')")
    return True, str(outcome), True


def _text(row: dict[str, Any], name: str, fallback: str | None = None) -> str:
    value = row.get(name)
    if (value is None or value == "") and fallback is not None:
        name, value = fallback, row.get(fallback)
    if not isinstance(value, str) or not value:
        raise KalshiBadResponse(f"the field '{name}' is missing or not text")
    return value


def _count(row: dict[str, Any], name: str) -> Decimal:
    try:
        count = parse_fixed_point(row[name])  # the same fixed-point syntax as dollars, two decimals
    except (KeyError, ValueError) as exc:
        raise KalshiBadResponse(f"the field '{name}' is missing or not a fixed-point count") from exc
    if count < 0:
        raise KalshiBadResponse(f"the field '{name}' is negative")
    return count


def _moment(row: dict[str, Any], name: str, legacy: str | None = None) -> int:
    """An RFC 3339 time as unix seconds, else the legacy unix-seconds field."""
    at = _timestamp(row.get(name))
    if at is not None:
        return at
    if legacy is not None and legacy in row:
        return _int64(row, legacy)
    raise KalshiBadResponse(f"the field '{name}' is missing or not a time")
