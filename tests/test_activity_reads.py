"""The activity reads against the fake Kalshi over real HTTP, signed: cursor pages, the bounds (partial,
never cut silently), deposits paged only as far back as the window needs, one kind's failure beside the
rest, the deadline, the pacing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.kalshi import KalshiClient
from bot.kalshi.activity import BOUNDS, FUNDING_LOOKBACK, ActivityReads, Pacer
from bot.kalshi.client import RetryPolicy
from bot.kalshi.errors import KalshiAPIError, KalshiBadResponse, KalshiTimeout
from bot.kalshi.signer import KalshiAuth, load_private_key
from tests import keys
from tests.fakes.kalshi import FakeKalshi, Reply
from tests.fakes.kalshi_activity import (
    DEPOSITS,
    FILLS,
    SETTLEMENTS,
    TRANSFERS,
    WITHDRAWALS,
    fill,
    funding,
    settlement,
    transfer,
)

FAST = RetryPolicy(deadline=2.0, max_attempts=2, backoff_base=0.01, backoff_cap=0.05, read_timeout=1.0)
NOW = 1_764_000_000
DAY = 86_400
START = NOW - DAY


@pytest.fixture
def client(kalshi: FakeKalshi) -> Iterator[KalshiClient]:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    with KalshiClient(kalshi.base_url, auth, retry=FAST) as c:
        yield c


def reads(client: KalshiClient) -> ActivityReads:
    return ActivityReads(client, pacer=Pacer(rate=10_000, burst=10_000))


def test_fills_follow_the_cursor_for_the_window_and_subaccount(
    client: KalshiClient, kalshi: FakeKalshi
) -> None:
    kalshi.activity.add(FILLS, *(fill(f"KX-{i % 7}", START + 1 + i) for i in range(2_500)))
    kalshi.activity.add(FILLS, fill("KX-OLD", START - 10), fill("KX-SUB2", NOW - 5, subaccount=2))
    read = reads(client).read(START, NOW, 0)
    assert len(read.trades.items) == 2_500 and not read.trades.partial and read.trades.error is None
    assert {f.ticker for f in read.trades.items} == {f"KX-{i}" for i in range(7)}
    pages = kalshi.seen(FILLS)
    assert len(pages) == 3 and all(p.verified for p in pages)
    assert pages[0].query == {
        "min_ts": [str(START)],
        "max_ts": [str(NOW)],
        "subaccount": ["0"],
        "limit": ["1000"],
    }
    assert "cursor" in pages[1].query and "cursor" in pages[2].query
    assert read.requests == 3 + 1 + 1 + 1 + 1  # fills, then one page each of the rest


def test_past_the_bound_the_figures_are_partial_never_cut_silently(
    client: KalshiClient, kalshi: FakeKalshi
) -> None:
    kalshi.activity.add(FILLS, *(fill("KX", START + 1 + i % 1000) for i in range(BOUNDS["trades"] + 1)))
    read = reads(client).read(START, NOW, 0)
    assert read.trades.partial and len(read.trades.items) == BOUNDS["trades"]  # 10,000: ten pages
    assert len(kalshi.seen(FILLS)) == BOUNDS["trades"] // 1000


def test_deposits_are_paged_back_only_as_far_as_the_window_needs(
    client: KalshiClient, kalshi: FakeKalshi
) -> None:
    old = [funding(100, START - FUNDING_LOOKBACK - DAY - i) for i in range(1_200)]  # far older: never needed
    late = funding(
        5_000, START - 3 * DAY, finalized_ts=START + 60, fee_cents=25
    )  # made before, applied in it
    pending = funding(7_000, NOW - 60, status="pending")
    failed = funding(9_000, NOW - 50, status="failed", finalized_ts=NOW - 40)
    applied = funding(1_000, NOW - 30, finalized_ts=NOW - 20)
    kalshi.activity.add(DEPOSITS, *old, late, pending, failed, applied)
    kalshi.activity.add(WITHDRAWALS, funding(2_500, NOW - 100, finalized_ts=NOW - 90))
    read = reads(client).read(START, NOW, 0)
    assert read.deposits is not None and read.withdrawals is not None
    assert sorted(d.amount_cents for d in read.deposits.items) == [1_000, 5_000]  # applied, in the window
    assert not read.deposits.partial
    assert len(kalshi.seen(DEPOSITS)) == 1  # the first page already reached older than the window
    assert kalshi.seen(DEPOSITS)[0].query == {"limit": ["500"]}  # no time filter: none sent
    assert [w.amount_cents for w in read.withdrawals.items] == [2_500]


def test_transfers_are_the_subaccounts_own(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.activity.add(
        TRANSFERS,
        transfer(0, 3, 1_000, NOW - 10),
        transfer(3, 0, 400, NOW - 20),
        transfer(0, 5, 9_999, NOW - 30),
        transfer(0, 3, 7_777, START - 10),  # before the window
    )
    kalshi.activity.add(FILLS, fill("KX-3", NOW - 5, subaccount=3), fill("KX-0", NOW - 5))
    read = reads(client).read(START, NOW, 3)
    assert sorted(t.amount_cents for t in read.transfers.items) == [400, 1_000]
    assert read.deposits is None and read.withdrawals is None  # the primary account's: not asked
    assert not kalshi.seen(DEPOSITS) and not kalshi.seen(WITHDRAWALS)
    assert [f.ticker for f in read.trades.items] == ["KX-3"]
    assert kalshi.seen(FILLS)[0].query["subaccount"] == ["3"]


def test_one_kind_failing_leaves_the_others_read(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.activity.add(FILLS, fill("KX", NOW - 5))
    kalshi.activity.add(DEPOSITS, funding(1_000, NOW - 30, finalized_ts=NOW - 20))
    kalshi.route(
        "/portfolio/settlements", Reply(403, {"code": "forbidden", "message": "scope read::fills only"})
    )
    read = reads(client).read(START, NOW, 0)
    assert isinstance(read.settlements.error, KalshiAPIError)
    assert read.settlements.error.sentence() == "Kalshi said: scope read::fills only"
    assert len(read.trades.items) == 1 and read.deposits is not None and len(read.deposits.items) == 1
    assert read.transfers.error is None


def test_a_cursor_that_comes_back_is_refused(client: KalshiClient, kalshi: FakeKalshi) -> None:
    page = Reply(body={"settlements": [settlement("KX", NOW - 5)], "cursor": "again"})
    kalshi.queue(page, page, page, path="/portfolio/settlements")
    read = reads(client).read(START, NOW, 0)
    assert isinstance(read.settlements.error, KalshiBadResponse)
    assert len(kalshi.seen(SETTLEMENTS)) == 2


def test_the_deadline_bounds_the_whole_read(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.4
    began = time.monotonic()
    read = reads(client).read(START, NOW, 0, deadline_seconds=0.6)
    assert time.monotonic() - began < 1.5
    kinds = [read.trades, read.settlements, read.deposits, read.withdrawals, read.transfers]
    assert any(isinstance(k.error, KalshiTimeout) for k in kinds if k is not None)
    assert read.requests <= 2


def test_the_pacer_keeps_to_its_rate_after_the_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(rate=4.0, burst=2, clock=lambda: now[0], sleep=sleep)
    assert all(pacer.take() for _ in range(6))
    assert slept == [0.25, 0.25, 0.25, 0.25]  # two at once, then one every quarter second
    assert not pacer.take(deadline=now[0] + 0.1)  # the next comes later than that: none taken
    assert pacer.take(deadline=now[0] + 0.3)


def test_the_alert_line_is_read_once_within_two_seconds(client: KalshiClient, kalshi: FakeKalshi) -> None:
    from bot.why import alert_activity_line

    kalshi.activity.add(
        FILLS,
        fill("KXA", NOW - 50, count="100.00", yes_price="0.5600", fee="0.7000"),
        fill("KXA", NOW - 40, side="no", count="150.00", yes_price="0.5600", fee="0.5000"),
        fill("KXB", NOW - 30, action="sell", count="40.00", yes_price="0.1200", fee="0.2000"),
    )
    since = NOW - 60

    def hhmm(ts: int) -> str:
        return time.strftime("%H:%M", time.gmtime(ts))

    line = alert_activity_line(client, since, NOW, hhmm)
    assert line == f"since {hhmm(since)}: 3 fills on 2 markets, -$118.60 including $1.40 fees"
    assert len(kalshi.seen(FILLS)) == 1
    kalshi.latency = 0.8  # five lists at 0.8 s: not in 2 s, so the alert goes without its line
    began = time.monotonic()
    assert alert_activity_line(client, since, NOW, hhmm) is None
    assert time.monotonic() - began < 2.6


def test_the_digest_line_says_where_the_day_went(client: KalshiClient, kalshi: FakeKalshi) -> None:
    from bot.balance import BalanceReader
    from bot.why import digest_activity_line

    now = int(time.time())
    kalshi.activity.add(FILLS, fill("KXA", now - 50, count="10.00", yes_price="0.5000", fee="0.0700"))
    kalshi.activity.add(SETTLEMENTS, settlement("KXB", now - 40, revenue=1_000, fee="0.0100"))
    kalshi.activity.add(DEPOSITS, funding(25_000, now - 30, finalized_ts=now - 20))
    reader = BalanceReader(client)
    assert digest_activity_line(reader, client, None) == (
        "Where the day went: trades -$5.07 (fees $0.07), settlements +$9.99, deposits +$250.00, "
        "withdrawals $0.00"
    )
    assert digest_activity_line(reader, client, None) is not None
    assert len(kalshi.seen(FILLS)) == 1  # the second asker shared the first read
