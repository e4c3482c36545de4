"""The one read path under concurrency: real threads, the real client, the fake Kalshi over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from bot.balance import BalanceReader, Reading, SubaccountsReading
from bot.kalshi import KalshiClient
from bot.kalshi.errors import KalshiAPIError, KalshiError, Maintenance
from tests.fakes.kalshi import (
    EXCHANGE_STATUS,
    FakeKalshi,
    Reply,
    balance_body,
    exchange_status_body,
    subaccount_row,
)
from tests.test_kalshi_client import make_client


@pytest.fixture
def client(kalshi: FakeKalshi) -> Iterator[KalshiClient]:
    with make_client(kalshi.base_url) as c:
        yield c


def read_concurrently(reader: BalanceReader, n: int, fresh: bool = False) -> list[Reading | BaseException]:
    barrier = threading.Barrier(n)

    def one(_: int) -> Reading | BaseException:
        barrier.wait()
        try:
            return reader.read(fresh=fresh)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_many_concurrent_readers_share_one_request(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.3
    reader = BalanceReader(client, freshness_seconds=0)
    results = read_concurrently(reader, 50)
    assert all(isinstance(r, Reading) and r.balance.balance_cents == 123456 for r in results)
    assert kalshi.count == 1 and reader.requests == 1


def test_an_error_is_shared_by_its_flight_and_not_kept(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.3
    kalshi.queue(Reply(400, {"code": "bad_request", "message": "no"}))
    reader = BalanceReader(client, freshness_seconds=60)
    results = read_concurrently(reader, 20)
    assert all(isinstance(r, KalshiAPIError) for r in results)
    assert kalshi.count == 1
    assert reader.cached() is None
    assert reader.read().balance.balance_cents == 123456  # the next read asks again
    assert kalshi.count == 2


def test_freshness_window_and_refresh(client: KalshiClient, kalshi: FakeKalshi) -> None:
    reader = BalanceReader(client, freshness_seconds=60)
    first = reader.read()
    assert reader.read() is first and kalshi.count == 1  # inside the window: no request
    kalshi.queue(Reply(body=balance_body(5)))
    refreshed = reader.read(fresh=True)  # Refresh skips the window
    assert refreshed.balance.balance_cents == 5 and kalshi.count == 2
    assert reader.read() is refreshed


def test_refresh_still_coalesces(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.3
    reader = BalanceReader(client, freshness_seconds=60)
    results = read_concurrently(reader, 30, fresh=True)
    assert all(isinstance(r, Reading) for r in results)
    assert kalshi.count == 1


def test_window_expires(client: KalshiClient, kalshi: FakeKalshi) -> None:
    now = [100.0]
    reader = BalanceReader(client, freshness_seconds=2, clock=lambda: now[0])
    reader.read()
    now[0] += 1.9
    assert reader.cached() is not None
    now[0] += 0.2
    assert reader.cached() is None
    reader.read()
    assert kalshi.count == 2


def test_each_reader_of_a_failed_flight_gets_its_own_error_chained_to_the_shared_one(
    client: KalshiClient, kalshi: FakeKalshi
) -> None:
    kalshi.latency = 0.3
    kalshi.queue(Reply(401, {"error": {"code": "authentication_error", "message": "token failure"}}))
    reader = BalanceReader(client, freshness_seconds=0)
    errors = read_concurrently(reader, 8)
    assert kalshi.count == 1
    assert all(isinstance(e, KalshiAPIError) for e in errors)
    assert len({id(e) for e in errors}) == 8, "one error object was raised in several threads"
    causes = {id(e.__cause__) for e in errors}
    assert len(causes) == 1 and None not in {e.__cause__ for e in errors}  # type: ignore[union-attr]
    first = errors[0]
    assert isinstance(first, KalshiAPIError)
    assert all(str(e) == str(first) and e.hint() == first.hint() for e in errors)  # type: ignore[union-attr]
    assert all(e.status == first.status for e in errors)  # type: ignore[union-attr]


def test_views_fly_separately_and_each_coalesces(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.3
    kalshi.set_subaccounts(subaccount_row(0, "1.00"), subaccount_row(3, "3.3333"))
    reader = BalanceReader(client, freshness_seconds=60)
    barrier = threading.Barrier(30)

    def one(i: int) -> object:
        barrier.wait()
        if i % 3 == 0:
            return reader.read()
        if i % 3 == 1:
            return reader.read(subaccount=3)
        return reader.read_all()

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one, range(30)))
    assert kalshi.count == 3 and reader.requests == 3  # one request per view
    subs = [r for r in results if isinstance(r, Reading) and r.subaccount == 3]
    assert len(subs) == 10 and subs[0].balance.available_dollars == Decimal("3.3333")
    every = [r for r in results if isinstance(r, SubaccountsReading)]
    assert len(every) == 10 and every[0].subaccounts.total_dollars == Decimal("4.3333")
    assert reader.cached(3) is subs[0] and reader.cached_all() is every[0] and reader.cached(0) is None


def test_an_outage_asks_the_exchange_status_once_per_flight(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.latency = 0.2
    kalshi.default = Reply(503, {"message": "service unavailable"})
    kalshi.route(EXCHANGE_STATUS, Reply(body=exchange_status_body(False, "2026-11-27T03:30:00Z")))
    reader = BalanceReader(client, freshness_seconds=60)
    results = read_concurrently(reader, 10)
    assert all(isinstance(r, KalshiAPIError) and r.maintenance == Maintenance(1795750200) for r in results)
    assert len(kalshi.seen(EXCHANGE_STATUS)) == 1
    assert str(results[0]).startswith("Kalshi is under maintenance")


def test_a_refused_status_check_leaves_the_error_as_it_was(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.default = Reply(reset=True)
    kalshi.route(EXCHANGE_STATUS, Reply(reset=True))
    reader = BalanceReader(client, freshness_seconds=0)
    with pytest.raises(KalshiError) as info:
        reader.read()
    assert info.value.maintenance is None and "maintenance" not in str(info.value)


def test_errors_that_are_not_outages_do_not_ask_the_status(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(401, {"error": {"code": "authentication_error", "message": "no"}}))
    with pytest.raises(KalshiAPIError):
        BalanceReader(client, freshness_seconds=0).read()
    assert kalshi.seen(EXCHANGE_STATUS) == []


def test_invalidate_drops_the_cached_figures(client: KalshiClient, kalshi: FakeKalshi) -> None:
    reader = BalanceReader(client, freshness_seconds=60)
    reader.read()
    kalshi.set_balance(777)  # a fill spent money
    reader.invalidate()
    assert reader.cached() is None and reader.latest() is None
    assert reader.read().balance.balance_cents == 777 and kalshi.count == 2


def test_a_read_in_flight_at_the_fill_neither_serves_later_readers_nor_fills_the_cache(
    client: KalshiClient, kalshi: FakeKalshi
) -> None:
    kalshi.latency = 0.4
    kalshi.queue(Reply(body=balance_body(123456)))  # the first answer: the balance before the fill
    reader = BalanceReader(client, freshness_seconds=60)
    before: list[Reading] = []
    early = threading.Thread(target=lambda: before.append(reader.read()))
    early.start()
    deadline = time.monotonic() + 5
    while kalshi.count == 0 and time.monotonic() < deadline:  # the request has reached Kalshi
        time.sleep(0.01)
    assert kalshi.count == 1
    kalshi.set_balance(555)  # the fill lands while the first answer is on its way
    reader.invalidate()
    after = reader.read()  # does not join the flight that took off before the fill
    early.join()
    assert before[0].balance.balance_cents == 123456 and after.balance.balance_cents == 555
    assert kalshi.count == 2
    assert reader.read() is after  # the cache holds the answer from after the fill, not the old one
