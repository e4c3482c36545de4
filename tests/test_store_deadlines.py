"""Every store call has a deadline, and people's reads and the checks' writes do not hold each other up:
SQLite with another process holding the write lock and with a read that never ends; a real PostgreSQL
whose tables another session holds locked, and one that stops answering in the middle of a call."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.domain.alert_state import AlertState
from bot.domain.buckets import HistoryReads
from bot.domain.history import Sample
from bot.history import HistoryView
from bot.store import StoreUnavailable, sqlite_connections
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from bot.store.sqlite_reads import SQLiteReads
from tests.fakes.freezing_proxy import FreezingProxy

NOW = 1_800_000_000.0


def elapsed(call: Callable[[], object]) -> tuple[object, float]:
    t0 = time.monotonic()
    try:
        result: object = call()
    except StoreUnavailable as exc:
        result = exc
    return result, time.monotonic() - t0


# -- SQLite --------------------------------------------------------------------------------------------
def test_sqlite_reads_never_wait_for_a_write_and_a_write_waits_a_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sqlite_connections, "BUSY_TIMEOUT_SECONDS", 0.5)
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_sample(Sample.reading(NOW - 60, 1000_00, 0))
    other = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None)  # another process's write
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO balance_history VALUES (?, 1, 1, 1, 1, 0)", (NOW - 30,))
    view = HistoryView(store, 60, wall=lambda: NOW)
    for read in (store.load_state, store.load_config, lambda: view.trend(1000_00), lambda: view.summary(7)):
        result, seconds = elapsed(read)
        assert not isinstance(result, StoreUnavailable) and seconds < 0.3, (result, seconds)
    assert view.trend() is not None and view.trend().sparkline == "▄"  # type: ignore[union-attr]
    result, seconds = elapsed(lambda: store.save_state(AlertState(failures=1)))
    assert isinstance(result, StoreUnavailable) and result.reason == "locked by another process"
    assert 0.4 < seconds < 2.0, seconds
    assert f"SQLite at {tmp_path / 's.sqlite3'}: another process held the write lock" in caplog.text
    other.execute("COMMIT")
    store.save_state(AlertState(failures=1))
    assert store.load_state().failures == 1 and len(store.samples(0, NOW)) == 2
    other.close()
    store.close()


def test_sqlite_writes_are_not_held_up_by_a_long_read(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_sample(Sample.reading(NOW - 60, 1000_00, 0))
    reading, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def long_read(reads: HistoryReads) -> None:
        seen.append(len(reads.oldest(0, NOW, 10)))
        reading.set()
        release.wait(5)
        seen.append(len(reads.oldest(0, NOW, 10)))  # its own snapshot all along

    thread = threading.Thread(target=store.read, args=(long_read,))
    thread.start()
    assert reading.wait(5)
    for write in (
        lambda: store.add_sample(Sample.reading(NOW - 30, 1001_00, 0)),
        lambda: store.save_state(AlertState(failures=3)),
    ):
        result, seconds = elapsed(write)
        assert result is None and seconds < 0.3, (result, seconds)
    release.set()
    thread.join()
    assert seen == [1, 1] and len(store.samples(0, NOW)) == 2
    store.close()


def test_a_sqlite_call_over_its_deadline_is_stopped_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sqlite_connections, "CALL_SECONDS", 0.3)
    store = SQLiteStore(tmp_path / "s.sqlite3")
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

    def work(reads: HistoryReads) -> object:
        assert isinstance(reads, SQLiteReads)
        return reads.db.execute(endless).fetchone()

    result, seconds = elapsed(lambda: store.read(work))
    assert isinstance(result, StoreUnavailable) and result.reason == "no answer in 0.3s"
    assert seconds < 2.0
    assert "a call ran over its 0.3s deadline and was stopped" in caplog.text
    assert store.load_state() == AlertState()  # the store goes on
    store.close()


def test_replies_of_the_same_moment_share_one_trend_read(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_sample(Sample.reading(NOW - 60, 1000_00, 0))
    calls = []

    class Slow:
        def read(self, work: Callable[[HistoryReads], object]) -> object:
            calls.append(1)
            time.sleep(0.3)
            return store.read(work)

    view = HistoryView(Slow(), 60, wall=lambda: NOW)  # type: ignore[arg-type]
    trends: list[object] = []
    threads = [threading.Thread(target=lambda: trends.append(view.trend(1000_00 + 1))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(trends) == 20 and len(set(map(repr, trends))) == 1 and len(calls) <= 3
    store.close()


# -- PostgreSQL ----------------------------------------------------------------------------------------
@pytest.fixture
def locked(database_url: str) -> Iterator[Callable[[], None]]:
    """``lock()`` takes every table of the store in ACCESS EXCLUSIVE mode, in an open transaction of
    another session, until the test ends (or ``unlock`` is called)."""
    admin = psycopg.connect(database_url)

    def lock() -> None:
        admin.execute(
            "LOCK TABLE alert_state, alert_config, balance_history, digest_log IN ACCESS EXCLUSIVE MODE"
        )

    yield lock
    admin.rollback()
    admin.close()


@pytest.mark.slow(9)
def test_tables_locked_by_another_session_end_each_call_at_the_lock_timeout(
    database_url: str, locked: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    store = PostgresStore(database_url)
    jobs = store.for_jobs()
    store.save_state(AlertState(failures=1))  # both connections open, the schema migrated
    assert store.load_state().failures == 1
    locked()
    view = HistoryView(store, 60)
    for call, limit in (
        (store.load_state, 1.0),
        (lambda: view.trend(1000_00), 1.0),
        (lambda: view.summary(30), 1.0),
        (jobs.load_state, 2.0),
        (lambda: jobs.save_state(AlertState(failures=2)), 2.0),
        (lambda: jobs.add_sample(Sample.reading(NOW, 1, 1)), 2.0),
    ):
        result, seconds = elapsed(call)
        assert isinstance(result, StoreUnavailable) and result.reason == "lock timeout", result
        assert limit - 0.1 < seconds < limit + 1.5, seconds
    host = database_url.split("@", 1)[1]
    assert (
        f"PostgreSQL at {host} (reads) stopped a call (lock timeout: a table stayed locked for 1s)"
        in caplog.text
    )
    assert f"PostgreSQL at {host} stopped a call (lock timeout: a table stayed locked for 2s)" in caplog.text
    store.close()


@pytest.mark.slow(11)
def test_a_server_that_stops_answering_mid_call_is_cut_and_the_store_goes_on(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = int(database_url.rsplit(":", 1)[1].split("/", 1)[0])
    with FreezingProxy(port) as proxy:
        store = PostgresStore(proxy.url(database_url))
        store.save_state(AlertState(failures=1))
        assert store.load_state().failures == 1
        proxy.freeze()
        caplog.clear()
        result, seconds = elapsed(store.load_state)  # people's reads: cut at 3 s
        assert isinstance(result, StoreUnavailable) and result.reason == "no answer in 3s", result
        assert 2.9 < seconds < 4.5, seconds
        assert "(reads) did not answer within 3s: its connection is cut and the call given up" in caplog.text
        result, seconds = elapsed(lambda: store.save_state(AlertState(failures=2)))  # the jobs': 8 s
        assert isinstance(result, StoreUnavailable) and result.reason == "no answer in 8s", result
        assert 7.9 < seconds < 9.5, seconds
        proxy.thaw()
        deadline = time.monotonic() + 15
        while True:  # a new connection, once the breaker lets it
            try:
                assert store.load_state().failures == 1
                break
            except StoreUnavailable:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        store.close()


def test_people_reads_do_not_hold_up_the_jobs_on_postgresql(database_url: str) -> None:
    store = PostgresStore(database_url)
    jobs = store.for_jobs()
    jobs.save_state(AlertState())
    reading, release = threading.Event(), threading.Event()

    def long_read(reads: HistoryReads) -> None:
        reading.set()
        release.wait(5)

    thread = threading.Thread(target=store.read, args=(long_read,))
    thread.start()
    assert reading.wait(5)
    for call in (jobs.load_state, lambda: jobs.save_state(AlertState(failures=4)), jobs.load_config):
        result, seconds = elapsed(call)
        assert not isinstance(result, StoreUnavailable) and seconds < 0.3, (result, seconds)
    release.set()
    thread.join()
    assert store.load_state().failures == 4
    store.close()
