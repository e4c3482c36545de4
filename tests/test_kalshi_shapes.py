"""The fake Kalshi and our models against the official SDK's response models.

kalshi-python-sync 3.34.0 (the reference; its `models/`) needs Python >= 3.13 and does not install on
the 3.11 this project supports (the newest that does, 3.2.0, predates subaccounts and account limits).
Its field lists are vendored below from 3.34.0's model classes (``__properties`` and which fields are
required). Where a release with these models is installed (``pip install '.[bench]'`` on 3.13+), the
fake's JSON is also validated by the SDK's own pydantic models.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from importlib import metadata
from typing import Any

import pytest

from bot.kalshi.models import AccountLimits, Balance, ExchangeStatus, SubaccountBalances
from tests.fakes.kalshi import (
    account_limits_body,
    balance_body,
    exchange_status_body,
    subaccount_row,
)
from tests.fakes.kalshi_activity import (
    DEPOSITS,
    FILLS,
    SETTLEMENTS,
    TRANSFERS,
    WITHDRAWALS,
    FakeActivity,
    fill,
    funding,
    settlement,
    transfer,
)

SDK_VERSION = "3.34.0"

# model -> (required fields, optional fields), from kalshi_python_sync 3.34.0
SDK_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "GetBalanceResponse": (
        {"balance", "balance_dollars", "portfolio_value", "updated_ts"},
        {"balance_breakdown"},
    ),
    "IndexedBalance": ({"exchange_index", "balance"}, set()),
    "GetSubaccountBalancesResponse": ({"subaccount_balances"}, set()),
    "SubaccountBalance": ({"subaccount_number", "exchange_index", "balance", "updated_ts"}, set()),
    "ExchangeStatus": (
        {"exchange_active", "trading_active"},
        {"intra_exchange_transfers_active", "exchange_estimated_resume_time", "exchange_index_statuses"},
    ),
    "GetAccountApiLimitsResponse": ({"usage_tier", "read", "write", "grants"}, set()),
    "BucketLimit": ({"refill_rate", "bucket_capacity"}, set()),
    # the activity behind a balance (/balance why)
    "GetFillsResponse": ({"fills", "cursor"}, set()),
    "Fill": (
        {
            "fill_id", "exchange_index", "trade_id", "order_id", "ticker", "market_ticker", "outcome_side",
            "book_side", "count_fp", "yes_price_dollars", "no_price_dollars", "is_taker", "fee_cost",
        },
        {"side", "action", "created_time", "subaccount_number", "ts"},
    ),
    "GetSettlementsResponse": ({"settlements"}, {"cursor"}),
    "Settlement": (
        {
            "ticker", "exchange_index", "event_ticker", "market_result", "yes_count_fp",
            "yes_total_cost_dollars",
            "no_count_fp", "no_total_cost_dollars", "revenue", "settled_time", "fee_cost",
        },
        {"value"},
    ),
    "GetDepositsResponse": ({"deposits"}, {"cursor"}),
    "Deposit": ({"id", "status", "type", "amount_cents", "fee_cents", "created_ts"}, {"finalized_ts"}),
    "GetWithdrawalsResponse": ({"withdrawals"}, {"cursor"}),
    "Withdrawal": ({"id", "status", "type", "amount_cents", "fee_cents", "created_ts"}, {"finalized_ts"}),
    "GetSubaccountTransfersResponse": ({"transfers"}, {"cursor"}),
    "SubaccountTransfer": (
        {"transfer_id", "from_subaccount", "to_subaccount", "amount_cents", "created_ts", "exchange_index"},
        set(),
    ),
}  # fmt: skip

SDK_MODULES = {
    "GetBalanceResponse": "get_balance_response",
    "IndexedBalance": "indexed_balance",
    "GetSubaccountBalancesResponse": "get_subaccount_balances_response",
    "SubaccountBalance": "subaccount_balance",
    "ExchangeStatus": "exchange_status",
    "GetAccountApiLimitsResponse": "get_account_api_limits_response",
    "BucketLimit": "bucket_limit",
    "GetFillsResponse": "get_fills_response",
    "Fill": "fill",
    "GetSettlementsResponse": "get_settlements_response",
    "Settlement": "settlement",
    "GetDepositsResponse": "get_deposits_response",
    "Deposit": "deposit",
    "GetWithdrawalsResponse": "get_withdrawals_response",
    "Withdrawal": "withdrawal",
    "GetSubaccountTransfersResponse": "get_subaccount_transfers_response",
    "SubaccountTransfer": "subaccount_transfer",
}


def fake_bodies() -> list[tuple[str, dict[str, Any]]]:
    balance = balance_body(123456, 50000, 1764000000, "1234.5678")
    subaccounts = {"subaccount_balances": [subaccount_row(0, "1.00"), subaccount_row(1, "2.5", index=1)]}
    status = exchange_status_body(False, "2026-11-27T03:30:00Z")
    limits = account_limits_body()
    return [
        ("GetBalanceResponse", balance),
        ("IndexedBalance", balance["balance_breakdown"][0]),
        ("GetSubaccountBalancesResponse", subaccounts),
        ("SubaccountBalance", subaccounts["subaccount_balances"][1]),
        ("ExchangeStatus", status),
        ("ExchangeStatus", exchange_status_body()),
        ("GetAccountApiLimitsResponse", limits),
        ("BucketLimit", limits["read"]),
        *activity_bodies(),
    ]


def served(path: str, **query: str) -> dict[str, Any]:
    """What the fake's activity endpoint sends for ``query`` (one page)."""
    status, body = ACTIVITY.answer(path, {k: [v] for k, v in query.items()})
    assert status == 200, body
    return body


ACTIVITY = FakeActivity()
ACTIVITY.add(
    FILLS,
    fill("KXA-1", 1764000000, action="sell", side="no", count="2.50", yes_price="0.1234", fee="0.0044"),
    fill("KXA-2", 1764000001, legacy=False),
)
ACTIVITY.add(SETTLEMENTS, settlement("KXA-1", 1764000100, revenue=250, fee="0.0100"))
ACTIVITY.add(DEPOSITS, funding(10_000, 1764000000, fee_cents=150, finalized_ts=1764000500))
ACTIVITY.add(WITHDRAWALS, funding(5_000, 1764000000, status="pending"))
ACTIVITY.add(TRANSFERS, transfer(0, 3, 2_500, 1764000200))


def activity_bodies() -> list[tuple[str, dict[str, Any]]]:
    fills = served(FILLS, limit="1")  # one page of two: a cursor follows
    settlements = served(SETTLEMENTS)
    deposits = served(DEPOSITS)
    withdrawals = served(WITHDRAWALS)
    transfers = served(TRANSFERS)
    last_fills = served(FILLS, limit="1", cursor=fills["cursor"])
    return [
        ("GetFillsResponse", fills),
        ("GetFillsResponse", last_fills),
        ("Fill", fills["fills"][0]),
        ("Fill", last_fills["fills"][0]),
        ("GetSettlementsResponse", settlements),
        ("Settlement", settlements["settlements"][0]),
        ("GetDepositsResponse", deposits),
        ("Deposit", deposits["deposits"][0]),
        ("GetWithdrawalsResponse", withdrawals),
        ("Withdrawal", withdrawals["withdrawals"][0]),
        ("GetSubaccountTransfersResponse", transfers),
        ("SubaccountTransfer", transfers["transfers"][0]),
    ]


@pytest.mark.parametrize(("model", "body"), fake_bodies(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_fake_sends_what_the_sdk_declares(model: str, body: dict[str, Any]) -> None:
    required, optional = SDK_FIELDS[model]
    assert required <= body.keys(), f"the fake leaves out {required - body.keys()} of {model}"
    assert body.keys() <= required | optional, f"the fake invents {body.keys() - required - optional}"


def installed_sdk_version() -> tuple[int, ...] | None:
    try:
        text = metadata.version("kalshi-python-sync")
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def sdk_model(model: str) -> Any:
    try:
        module = importlib.import_module(f"kalshi_python_sync.models.{SDK_MODULES[model]}")
    except ImportError:
        return None
    return getattr(module, model, None)


@pytest.mark.parametrize(("model", "body"), fake_bodies(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_installed_sdk_accepts_the_fake(model: str, body: dict[str, Any]) -> None:
    version = installed_sdk_version()
    if version is None or version < (3, 34):
        # 3.2.0, the newest for Python 3.11, predates these shapes: comparing against it proves nothing
        pytest.skip(f"kalshi-python-sync >= {SDK_VERSION} is not installed (it needs Python >= 3.13)")
    cls = sdk_model(model)
    assert cls is not None, f"kalshi-python-sync {version} has no {model}"
    declared = set(cls.model_fields)
    required = {name for name, f in cls.model_fields.items() if f.is_required()}
    assert (required, declared - required) == SDK_FIELDS[model], "the vendored field list is out of date"
    assert cls.from_dict(body) is not None


def test_our_models_read_the_fake_exactly() -> None:
    bodies = dict(fake_bodies())
    balance = Balance.from_json(bodies["GetBalanceResponse"])
    assert balance.balance_dollars == Decimal("1234.5678") and balance.balance_cents == 123456
    assert balance.total_dollars == Decimal("1734.5678")
    every = SubaccountBalances.from_json(bodies["GetSubaccountBalancesResponse"])
    assert [(s.subaccount, s.balance_dollars) for s in every.subaccounts] == [
        (0, Decimal("1")),
        (1, Decimal("2.5")),
    ]
    status = ExchangeStatus.from_json(exchange_status_body(False, "2026-11-27T03:30:00Z"))
    assert status == ExchangeStatus(False, False, 1795750200)
    assert ExchangeStatus.from_json(bodies["ExchangeStatus"]) == ExchangeStatus(True, True, None)
    limits = AccountLimits.from_json(bodies["GetAccountApiLimitsResponse"])
    assert limits == AccountLimits("basic", 200, 200)


def test_balance_dollars_that_contradict_the_cents_are_not_shown() -> None:
    body = balance_body(123456, 0, 1, "99.00")
    assert Balance.from_json(body).available_dollars == Decimal("1234.56")
    assert Balance.from_json({"balance": 5, "portfolio_value": 0, "updated_ts": 1}).balance_dollars is None
    for junk in (12.34, "1e3", None, "12.3456789"):
        assert Balance.from_json({**body, "balance_dollars": junk}).available_dollars == Decimal("1234.56")


def test_subaccounts_sum_over_exchange_indexes_and_sort() -> None:
    rows = [
        subaccount_row(7, "0.000001", 5, index=1),
        subaccount_row(0, "10", 3),
        subaccount_row(7, "1.999999", 9, index=0),
    ]
    every = SubaccountBalances.from_json({"subaccount_balances": rows})
    assert [(s.subaccount, s.balance_dollars, s.updated_ts) for s in every.subaccounts] == [
        (0, Decimal("10"), 3),
        (7, Decimal("2.000000"), 9),
    ]
    assert every.to_json()["subaccounts"][1]["balance_dollars"] == "2.000000"


@pytest.mark.parametrize(
    "rows",
    [
        [subaccount_row(64, "1.00")],
        [subaccount_row(1, 1.5)],  # a float, not Kalshi's fixed-point string
        [subaccount_row(1, "1.0000001")],
        [{"subaccount_number": 1, "balance": "1.00"}],
        "nope",
    ],
)
def test_bad_subaccount_answers_are_refused(rows: Any) -> None:
    from bot.kalshi.errors import KalshiBadResponse

    with pytest.raises(KalshiBadResponse):
        SubaccountBalances.from_json({"subaccount_balances": rows})


def test_our_activity_models_read_the_fake_exactly() -> None:
    from bot.kalshi.activity_models import Fill, Funding, Settlement, Transfer, page

    bodies = activity_bodies()
    newest, cursor = page(bodies[0][1], "fills", Fill.from_json)
    oldest, last = page(bodies[1][1], "fills", Fill.from_json)
    assert cursor and last is None  # the last page's cursor is "": no more
    assert newest[0].buy and newest[0].side == "yes" and newest[0].from_outcome_side  # outcome_side only
    assert oldest[0].ticker == "KXA-1" and not oldest[0].buy and oldest[0].side == "no"  # sell no
    assert (oldest[0].count, oldest[0].price, oldest[0].fee) == (
        Decimal("2.50"),
        Decimal("0.8766"),  # the no price, for a no contract
        Decimal("0.0044"),
    )
    assert oldest[0].at == 1764000000  # created_time with nanoseconds, to the second
    (s,), _ = page(dict(bodies)["GetSettlementsResponse"], "settlements", Settlement.from_json)
    assert (s.revenue_cents, s.revenue, s.fee, s.market_result) == (
        250,
        Decimal("2.5"),
        Decimal("0.01"),
        "yes",
    )
    (d,), none = page(dict(bodies)["GetDepositsResponse"], "deposits", Funding.from_json)
    assert none is None and d.applied and (d.amount_cents, d.fee_cents, d.at) == (10_000, 150, 1764000500)
    (w,), _ = page(dict(bodies)["GetWithdrawalsResponse"], "withdrawals", Funding.from_json)
    assert not w.applied and w.at == 1764000000
    (t,), _ = page(dict(bodies)["GetSubaccountTransfersResponse"], "transfers", Transfer.from_json)
    assert (t.from_subaccount, t.to_subaccount, t.amount_cents) == (0, 3, 2_500)
