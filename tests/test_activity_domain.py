"""Why the balance changed, computed: exact sums per kind (property tests against integer arithmetic),
the remainder, the top markets, the alert's and the digest's lines; and how a fill's direction is read."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.activity import Ends, activity_line, alert_line, digest_line, explain, signed
from bot.kalshi.activity_models import ActivityRead, Fill, Funding, KindRead, Settlement, Transfer
from bot.kalshi.errors import KalshiAPIError, KalshiBadResponse
from tests.fakes.kalshi_activity import fill

TICKERS = ["KXA-1", "KXB-2", "KXC-3", "KXD-4", "KXE-5"]

# Kalshi's units, as integers: prices in millionths of a dollar, counts in hundredths of a contract,
# fees in millionths, cents as cents. Each figure is made from them exactly.
prices = st.integers(0, 1_000_000)
counts = st.integers(0, 10**12)
fees = st.integers(0, 10**9)
cents = st.integers(0, 10**13)


@st.composite
def fills(draw: Any) -> tuple[Fill, int]:
    """A fill and its balance effect in units of 10^-8 dollars."""
    price, count, fee = draw(prices), draw(counts), draw(fees)
    buy = draw(st.booleans())
    item = Fill(
        fill_id=str(draw(st.uuids())),
        ticker=draw(st.sampled_from(TICKERS)),
        buy=buy,
        side=draw(st.sampled_from(["yes", "no"])),
        count=Decimal(count).scaleb(-2),
        price=Decimal(price).scaleb(-6),
        fee=Decimal(fee).scaleb(-6),
        at=1,
    )
    amount = price * count  # 10^-8
    return item, (-amount if buy else amount) - fee * 100


@st.composite
def settlements(draw: Any) -> tuple[Settlement, int]:
    revenue, fee = draw(cents), draw(fees)
    item = Settlement(draw(st.sampled_from(TICKERS)), "yes", revenue, Decimal(fee).scaleb(-6), 1)
    return item, revenue * 10**6 - fee * 100


@st.composite
def fundings(draw: Any) -> Funding:
    return Funding(str(draw(st.uuids())), "applied", draw(cents), draw(st.integers(0, 10**6)), 1, None)


@st.composite
def transfers(draw: Any) -> Transfer:
    ends = draw(st.sampled_from([(0, 3), (3, 0)]))
    return Transfer(str(draw(st.uuids())), ends[0], ends[1], draw(cents), 1)


def read_of(
    fill_items: Sequence[Fill],
    settlement_items: Sequence[Settlement] = (),
    deposits: Sequence[Funding] = (),
    withdrawals: Sequence[Funding] = (),
    transfer_items: Sequence[Transfer] = (),
) -> ActivityRead:
    return ActivityRead(
        start=0,
        end=10,
        subaccount=0,
        trades=KindRead(tuple(fill_items)),
        settlements=KindRead(tuple(settlement_items)),
        deposits=KindRead(tuple(deposits)),
        withdrawals=KindRead(tuple(withdrawals)),
        transfers=KindRead(tuple(transfer_items)),
    )


def eight(units: int) -> Decimal:
    return Decimal(units).scaleb(-8)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(fills(), max_size=40),
    st.lists(settlements(), max_size=10),
    st.lists(fundings(), max_size=5),
    st.lists(fundings(), max_size=5),
    st.lists(transfers(), max_size=5),
    cents,
    cents,
)
def test_every_sum_is_exact(
    f: list[tuple[Fill, int]],
    s: list[tuple[Settlement, int]],
    deposits: list[Funding],
    withdrawals: list[Funding],
    moves: list[Transfer],
    then_cents: int,
    now_cents: int,
) -> None:
    then, now = Decimal(then_cents).scaleb(-2), Decimal(now_cents).scaleb(-2)
    read = read_of([i for i, _ in f], [i for i, _ in s], deposits, withdrawals, moves)
    e = explain(read, Ends(then=then, then_at=0, now=now), None)

    trades_units = sum(u for _, u in f)
    settled_units = sum(u for _, u in s)
    deposit_cents = sum(d.amount_cents - d.fee_cents for d in deposits)
    withdrawal_cents = -sum(w.amount_cents + w.fee_cents for w in withdrawals)
    transfer_cents = sum(t.amount_cents if t.to_subaccount == 0 else -t.amount_cents for t in moves)
    assert e.trades is not None and e.trades.net == eight(trades_units)
    assert e.trades.bought == eight(sum(-u - i.fee.scaleb(8) for i, u in f if i.buy))
    assert e.trades.fees == sum((i.fee for i, _ in f), Decimal(0))
    assert e.trades.fills == len(f) and e.trades.markets == len({i.ticker for i, _ in f})
    assert e.settlements is not None and e.settlements.net == eight(settled_units)
    assert e.deposits is not None and e.deposits.net == Decimal(deposit_cents).scaleb(-2)
    assert e.withdrawals is not None and e.withdrawals.net == Decimal(withdrawal_cents).scaleb(-2)
    assert e.transfers is not None and e.transfers.net == Decimal(transfer_cents).scaleb(-2)
    whole = trades_units + settled_units + (deposit_cents + withdrawal_cents + transfer_cents) * 10**6
    assert e.activity == eight(whole)
    parts = [e.trades, e.settlements, e.deposits, e.withdrawals, e.transfers]
    assert sum((p.net for p in parts), Decimal(0)) == e.activity  # the parts make the whole
    assert e.change == now - then
    assert e.unexplained is not None and e.unexplained + e.activity == e.change  # nothing lost
    assert e.unexplained == eight((now_cents - then_cents) * 10**6 - whole)
    # at most five tickers: the markets hold every fill and settlement
    assert sum((m.net for m in e.markets), Decimal(0)) == e.trades.net + e.settlements.net
    assert list(e.markets) == sorted(e.markets, key=lambda m: (-m.moved, m.ticker))


def test_the_top_five_markets_by_money_moved() -> None:
    items = [
        Fill(f"f{i}", f"KX-{i}", True, "yes", Decimal(i + 1), Decimal("0.5"), Decimal("0.01"), 1)
        for i in range(7)
    ]
    e = explain(read_of(items), Ends(), None)
    assert [m.ticker for m in e.markets] == ["KX-6", "KX-5", "KX-4", "KX-3", "KX-2"]
    top = e.markets[0]
    assert (top.moved, top.net, top.fees, top.fills) == (
        Decimal("3.51"),
        Decimal("-3.51"),
        Decimal("0.01"),
        1,
    )


def test_unknown_ends_failed_or_partial_kinds_leave_no_remainder() -> None:
    one = [Fill("f", "KX", True, "yes", Decimal(1), Decimal("0.5"), Decimal(0), 1)]
    e = explain(read_of(one), Ends(now=Decimal(10)), None)
    assert e.change is None and e.unexplained is None and e.activity == Decimal("-0.5")
    failed = KalshiAPIError("internal error", status=500)
    read = read_of(one)
    broken = replace(read, settlements=KindRead(error=failed), deposits=None, withdrawals=None)
    e = explain(broken, Ends(then=Decimal(1), now=Decimal(2)), 3)
    assert e.failed == (("settlements", failed),) and e.settlements is None and e.unexplained is None
    assert e.deposits is None and e.withdrawals is None  # a subaccount's view
    assert e.change == Decimal(1) and e.trades is not None  # the rest is still there
    cut = replace(read, trades=KindRead(tuple(one), partial=True))
    e = explain(cut, Ends(then=Decimal(1), now=Decimal(2)), None)
    assert e.partial == ("trades",) and e.unexplained is None and not e.complete


def test_the_alert_line_and_the_digest_line() -> None:
    items = [
        Fill("a", "KXA", True, "yes", Decimal(100), Decimal("0.56"), Decimal("0.70"), 1),
        Fill("b", "KXA", True, "no", Decimal(150), Decimal("0.44"), Decimal("0.50"), 2),
        Fill("c", "KXB", False, "yes", Decimal("40.00"), Decimal("0.1200"), Decimal("0.20"), 3),
    ]
    e = explain(read_of(items), Ends(), None)
    assert e.activity == Decimal("-118.6")  # -56 - 66 + 4.80 - 1.40
    start = int(time.mktime((2026, 11, 27, 14, 5, 0, 0, 0, -1)))
    e = explain(replace(read_of(items), start=start, end=start + 60), Ends(), None)
    assert alert_line(e, lambda ts: time.strftime("%H:%M", time.localtime(ts))) == (
        "since 14:05: 3 fills on 2 markets, -$118.60 including $1.40 fees"
    )
    assert digest_line(e) == (
        "Where the day went: trades -$118.60 (fees $1.40), settlements $0.00, deposits $0.00, "
        "withdrawals $0.00"
    )
    empty = explain(read_of([]), Ends(), None)
    assert activity_line(empty) == "no fills, settlements, deposits or withdrawals"
    failed = replace(read_of([]), trades=KindRead(error=KalshiAPIError("x", status=500)))
    assert activity_line(explain(failed, Ends(), None)).endswith("(fills could not be read)")
    assert (signed(Decimal("0.0044")), signed(Decimal(0)), signed(Decimal("-1.5"))) == (
        "+$0.0044",
        "$0.00",
        "-$1.50",
    )


@pytest.mark.parametrize(
    ("action", "side", "buy", "contract"),
    [
        ("buy", "yes", True, "yes"),
        ("sell", "no", False, "no"),
        ("buy", "no", True, "no"),
        ("sell", "yes", False, "yes"),
    ],
)
def test_action_and_side_decide_where_the_money_goes(
    action: str, side: str, buy: bool, contract: str
) -> None:
    item = Fill.from_json(fill("KX", 1, action=action, side=side, yes_price="0.3000", count="2.00"))
    assert (item.buy, item.side, item.from_outcome_side) == (buy, contract, False)
    assert item.price == (Decimal("0.3000") if contract == "yes" else Decimal("0.7000"))


@pytest.mark.parametrize(("outcome", "book"), [("yes", "bid"), ("no", "ask"), (None, "ask"), ("no", None)])
def test_without_action_a_fill_is_a_purchase_of_its_outcome_side(
    outcome: str | None, book: str | None
) -> None:
    body = fill("KX", 1, legacy=False, yes_price="0.2500")
    body["outcome_side"], body["book_side"] = outcome, book
    body = {k: v for k, v in body.items() if v is not None}
    item = Fill.from_json(body)
    side = outcome or {"bid": "yes", "ask": "no"}[book or ""]
    assert (item.buy, item.side, item.from_outcome_side) == (True, side, True)
    assert item.price == (Decimal("0.2500") if side == "yes" else Decimal("0.7500"))


@pytest.mark.parametrize(
    "change",
    [
        {"outcome_side": "no"},  # buy yes is long yes
        {"book_side": "ask"},  # bid is yes
        {"action": "hold"},
        {"outcome_side": "maybe"},
        {"count_fp": "-1.00"},
        {"count_fp": 1},
        {"fee_cost": 0.01},  # a float, not Kalshi's fixed-point string
        {"yes_price_dollars": "0.1234567"},
        {"created_time": None, "ts": None},
        {"ticker": "", "market_ticker": ""},
    ],
)
def test_fills_that_contradict_themselves_are_refused(change: dict[str, Any]) -> None:
    body = {**fill("KX", 1, action="buy", side="yes"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(KalshiBadResponse):
        Fill.from_json(body)
