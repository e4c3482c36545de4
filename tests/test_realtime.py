"""Coalescing: a storm of fills costs a few reads, through the real read path and the fake Kalshi."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.balance import BalanceReader
from bot.kalshi import KalshiClient
from bot.realtime import Coalescer, activity_handler
from tests.fakes.kalshi import BALANCE, FakeKalshi
from tests.test_kalshi_client import make_client


@pytest.fixture
def client(kalshi: FakeKalshi) -> Iterator[KalshiClient]:
    with make_client(kalshi.base_url) as c:
        yield c


@pytest.fixture
def reader(client: KalshiClient) -> BalanceReader:
    return BalanceReader(client, freshness_seconds=2)


def test_a_storm_of_500_fills_in_a_second_costs_at_most_5_reads(
    reader: BalanceReader, kalshi: FakeKalshi
) -> None:
    kalshi.latency = 0.05
    refresh = Coalescer(reader.read).start()
    on_activity = activity_handler(reader, refresh)
    try:
        start = time.monotonic()
        for i in range(500):
            kalshi.set_balance(100_000 - i)  # each fill spends a cent
            on_activity()
            next_at = start + (i + 1) / 500
            while time.monotonic() < next_at:  # pace: 500 in one second
                time.sleep(0.001)
        assert refresh.wait_idle(timeout=5)
    finally:
        refresh.stop()
    reads = len(kalshi.seen(BALANCE))
    assert 2 <= reads <= 5, reads
    assert refresh.runs == reads
    latest = reader.latest()
    assert latest is not None and latest.balance.balance_cents == 100_000 - 499  # read after the last fill


def test_one_run_in_flight_plus_one_queued() -> None:
    started: list[float] = []
    release = threading.Event()

    def slow() -> None:
        started.append(time.monotonic())
        release.wait(5)

    refresh = Coalescer(slow, min_gap=0).start()
    try:
        refresh.trigger()
        deadline = time.monotonic() + 5
        while not started and time.monotonic() < deadline:
            time.sleep(0.005)
        for _ in range(100):  # all while the first run is in flight: one queued run serves them all
            refresh.trigger()
        release.set()
        assert refresh.wait_idle(timeout=5)
    finally:
        refresh.stop()
    assert refresh.runs == 2


def test_a_lone_fill_is_read_at_once_and_the_next_one_after_the_gap(
    reader: BalanceReader, kalshi: FakeKalshi
) -> None:
    refresh = Coalescer(reader.read, min_gap=0.3).start()
    on_activity = activity_handler(reader, refresh)
    try:
        t0 = time.monotonic()
        on_activity()
        assert refresh.wait_idle(timeout=5)
        first = time.monotonic() - t0
        on_activity()
        assert refresh.wait_idle(timeout=5)
        second = time.monotonic() - t0
    finally:
        refresh.stop()
    assert first < 0.25  # no waiting for company
    assert second >= 0.3  # the gap: a busy account costs at most one read per gap
    assert len(kalshi.seen(BALANCE)) == 2


def test_a_failed_run_is_logged_and_the_next_trigger_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    refresh = Coalescer(flaky, min_gap=0).start()
    try:
        refresh.trigger()
        assert refresh.wait_idle(timeout=5)
        refresh.trigger()
        assert refresh.wait_idle(timeout=5)
    finally:
        assert refresh.stop()
    assert len(calls) == 2
    assert "real-time refresh failed (RuntimeError)" in caplog.text
