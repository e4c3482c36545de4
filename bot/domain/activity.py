"""Why the balance changed: one window's activity summed per kind, against the balance at both ends.

Pure: no I/O. Every figure is a Decimal of dollars made from Kalshi's own units without rounding (cents
scaled by 10^-2, fixed-point strings as sent), computed in a context that traps any rounding, so the sum
of the parts is the whole to the last digit, and the unexplained remainder is exact too.

Signs are the balance's: money in is positive. A fill that bought pays its amount, one that sold
receives it, and both pay their fee; a settlement pays its revenue less its fee; an applied deposit adds
its amount less its fee, an applied withdrawal takes its amount and its fee; a transfer adds or takes
its amount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, Rounded, localcontext
from typing import TYPE_CHECKING, Any

from bot.domain.money import cents_to_dollars, format_dollars

if TYPE_CHECKING:  # the shapes it sums, as bot.kalshi reads them; nothing of bot.kalshi runs here
    from bot.kalshi.activity_models import ActivityRead, Fill, Kind, KindRead, Settlement, Transfer
    from bot.kalshi.activity_models import Funding as FundingItem
    from bot.kalshi.errors import KalshiError

ZERO = Decimal(0)
TOP_MARKETS = 5
EXACT = Context(prec=80, traps=[Inexact, Rounded, InvalidOperation])
"""Far more digits than Kalshi's figures can need (18 + 6 a price, 18 + 2 a count); any rounding raises."""


@dataclass(frozen=True)
class Trades:
    bought: Decimal = ZERO
    sold: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0
    markets: int = 0
    from_outcome_side: int = 0  # fills without action/side, read as purchases of their outcome_side
    net: Decimal = ZERO  # sold - bought - fees


@dataclass(frozen=True)
class Settlements:
    revenue: Decimal = ZERO
    fees: Decimal = ZERO
    count: int = 0
    net: Decimal = ZERO  # revenue - fees


@dataclass(frozen=True)
class Funding:
    """Applied deposits (``net`` = amount - fees) or applied withdrawals (``net`` = -(amount + fees))."""

    amount: Decimal = ZERO
    fees: Decimal = ZERO
    count: int = 0
    net: Decimal = ZERO


@dataclass(frozen=True)
class Transfers:
    into: Decimal = ZERO
    out: Decimal = ZERO
    count: int = 0
    net: Decimal = ZERO  # into - out


@dataclass(frozen=True)
class Market:
    """One market's part: ``moved`` is all the money that went through it (bought, sold, settled, fees)."""

    ticker: str
    moved: Decimal
    net: Decimal
    fees: Decimal
    fills: int


@dataclass(frozen=True)
class Ends:
    """The balance at both ends of the window, in dollars, or why one is unknown."""

    then: Decimal | None = None
    then_at: int | None = None
    then_unknown: str | None = None  # why there is no starting balance, in a few words
    now: Decimal | None = None
    now_error: KalshiError | None = None


@dataclass(frozen=True)
class Explanation:
    start: int
    end: int
    subaccount: int | None  # the view: None the account, N a subaccount
    ends: Ends
    trades: Trades | None  # None: not read (see ``failed``)
    settlements: Settlements | None
    deposits: Funding | None  # None also on a subaccount's view: they are the primary account's
    withdrawals: Funding | None
    transfers: Transfers | None
    activity: Decimal  # the sum of the kinds read
    fees: Decimal  # every fee among them
    change: Decimal | None  # now - then
    unexplained: Decimal | None  # change - activity, when everything was read in full
    markets: tuple[Market, ...] = ()
    failed: tuple[tuple[Kind, KalshiError], ...] = ()
    partial: tuple[Kind, ...] = ()
    counted: dict[Kind, int] = field(default_factory=dict)  # items of each kind read

    @property
    def complete(self) -> bool:
        return not self.failed and not self.partial


def explain(read: ActivityRead, ends: Ends, subaccount: int | None) -> Explanation:
    """Sum ``read`` per kind and set it against ``ends``."""
    failed: list[tuple[Kind, KalshiError]] = []
    partial: list[Kind] = []
    counted: dict[Kind, int] = {}

    def ok(kind: Kind, part: KindRead[Any] | None) -> bool:
        if part is None:
            return False
        if part.error is not None:
            failed.append((kind, part.error))
            return False
        if part.partial:
            partial.append(kind)
        counted[kind] = len(part.items)
        return True

    with localcontext(EXACT):
        trades = _trades(read.trades.items) if ok("trades", read.trades) else None
        settlements = _settlements(read.settlements.items) if ok("settlements", read.settlements) else None
        deposits = (
            _funding(read.deposits.items, 1) if read.deposits and ok("deposits", read.deposits) else None
        )
        withdrawals = (
            _funding(read.withdrawals.items, -1)
            if read.withdrawals and ok("withdrawals", read.withdrawals)
            else None
        )
        transfers = (
            _transfers(read.transfers.items, read.subaccount) if ok("transfers", read.transfers) else None
        )
        parts = [p for p in (trades, settlements, deposits, withdrawals, transfers) if p is not None]
        activity = sum((p.net for p in parts), ZERO)
        fees = sum((p.fees for p in (trades, settlements, deposits, withdrawals) if p is not None), ZERO)
        change = ends.now - ends.then if ends.now is not None and ends.then is not None else None
        complete = not failed and not partial
        unexplained = change - activity if change is not None and complete else None
        markets = _markets(read.trades.items if trades else (), read.settlements.items if settlements else ())
    return Explanation(
        start=read.start,
        end=read.end,
        subaccount=subaccount,
        ends=ends,
        trades=trades,
        settlements=settlements,
        deposits=deposits,
        withdrawals=withdrawals,
        transfers=transfers,
        activity=activity,
        fees=fees,
        change=change,
        unexplained=unexplained,
        markets=markets,
        failed=tuple(failed),
        partial=tuple(partial),
        counted=counted,
    )


def _trades(fills: Iterable[Fill]) -> Trades:
    bought = sold = fees = ZERO
    count = inferred = 0
    tickers: set[str] = set()
    for fill in fills:
        amount = fill.price * fill.count
        if fill.buy:
            bought += amount
        else:
            sold += amount
        fees += fill.fee
        count += 1
        inferred += fill.from_outcome_side
        tickers.add(fill.ticker)
    return Trades(bought, sold, fees, count, len(tickers), inferred, sold - bought - fees)


def _settlements(items: Iterable[Settlement]) -> Settlements:
    revenue_cents, fees, count = 0, ZERO, 0
    for s in items:
        revenue_cents += s.revenue_cents
        fees += s.fee
        count += 1
    revenue = cents_to_dollars(revenue_cents)
    return Settlements(revenue, fees, count, revenue - fees)


def _funding(items: Sequence[FundingItem], sign: int) -> Funding:
    amount = sum((f.amount_cents for f in items), 0)
    fees = sum((f.fee_cents for f in items), 0)
    count = len(items)
    net = amount - fees if sign > 0 else -(amount + fees)
    return Funding(cents_to_dollars(amount), cents_to_dollars(fees), count, cents_to_dollars(net))


def _transfers(items: Sequence[Transfer], subaccount: int) -> Transfers:
    into = sum((t.amount_cents for t in items if t.to_subaccount == subaccount), 0)
    out = sum((t.amount_cents for t in items if t.from_subaccount == subaccount), 0)
    count = len(items)
    return Transfers(cents_to_dollars(into), cents_to_dollars(out), count, cents_to_dollars(into - out))


@dataclass
class _Tally:
    moved: Decimal = ZERO
    net: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0


def _markets(fills: Iterable[Fill], settlements: Iterable[Settlement]) -> tuple[Market, ...]:
    """The markets that moved the most money, largest first (ties by ticker)."""
    tally: dict[str, _Tally] = {}
    for fill in fills:
        t = tally.setdefault(fill.ticker, _Tally())
        amount = fill.price * fill.count
        t.moved += amount + fill.fee
        t.net += (-amount if fill.buy else amount) - fill.fee
        t.fees += fill.fee
        t.fills += 1
    for s in settlements:
        t = tally.setdefault(s.ticker, _Tally())
        t.moved += s.revenue + s.fee
        t.net += s.revenue - s.fee
        t.fees += s.fee
    ranked = sorted(tally.items(), key=lambda kv: (-kv[1].moved, kv[0]))
    return tuple(Market(ticker, t.moved, t.net, t.fees, t.fills) for ticker, t in ranked[:TOP_MARKETS])


# -- one-line summaries, for the alert and the digest ---------------------------------------------------


def signed(amount: Decimal) -> str:
    """``+$1.50``, ``-$118.60``, ``$0.00``: exact, sub-cent digits kept."""
    return f"+{format_dollars(amount)}" if amount > 0 else format_dollars(amount)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


NAMES: dict[Kind, str] = {
    "trades": "fills",
    "settlements": "settlements",
    "deposits": "deposits",
    "withdrawals": "withdrawals",
    "transfers": "transfers",
}


def activity_line(e: Explanation) -> str:
    """``3 fills on 2 markets, -$118.60 including $1.40 fees``; the other kinds when there are any, and
    what could not be read."""
    parts = []
    if e.trades is not None and e.trades.fills:
        parts.append(f"{plural(e.trades.fills, 'fill')} on {plural(e.trades.markets, 'market')}")
    for count, word in (
        (e.settlements.count if e.settlements else 0, "settlement"),
        (e.deposits.count if e.deposits else 0, "deposit"),
        (e.withdrawals.count if e.withdrawals else 0, "withdrawal"),
        (e.transfers.count if e.transfers else 0, "transfer"),
    ):
        if count:
            parts.append(plural(count, word))
    if parts:
        line = f"{', '.join(parts)}, {signed(e.activity)} including {format_dollars(e.fees)} fees"
    else:
        line = "no fills, settlements, deposits or withdrawals"
    return line + _gaps(e)


def alert_line(e: Explanation, when: Callable[[int], str]) -> str:
    """The alert's line: ``since 14:05: 3 fills on 2 markets, -$118.60 including $1.40 fees``;
    ``when`` renders the window's start (the last reading before the drop)."""
    return f"since {when(e.start)}: {activity_line(e)}"


def digest_line(e: Explanation) -> str:
    """Where the day went: the trades' net and fees, settlements, deposits and withdrawals."""
    parts = []
    if e.trades is not None:
        parts.append(f"trades {signed(e.trades.net)} (fees {format_dollars(e.trades.fees)})")
    if e.settlements is not None:
        parts.append(f"settlements {signed(e.settlements.net)}")
    if e.deposits is not None:
        parts.append(f"deposits {signed(e.deposits.net)}")
    if e.withdrawals is not None:
        parts.append(f"withdrawals {signed(e.withdrawals.net)}")
    if e.transfers is not None and e.transfers.count:
        parts.append(f"transfers {signed(e.transfers.net)}")
    body = ", ".join(parts) if parts else "no activity could be read"
    return f"Where the day went: {body}" + _gaps(e)


def _gaps(e: Explanation) -> str:
    notes = [f"{NAMES[kind]} could not be read" for kind, _ in e.failed]
    notes += [f"{NAMES[kind]} partial" for kind in e.partial]
    return f" ({'; '.join(notes)})" if notes else ""
