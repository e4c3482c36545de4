"""The one read path under concurrency: real threads, the real client, the fake Kalshi over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.balance import BalanceReader, Reading
from bot.kalshi import KalshiClient
from bot.kalshi.errors import KalshiAPIError
from tests.fakes.kalshi import FakeKalshi, Reply, balance_body
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
