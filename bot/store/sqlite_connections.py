"""SQLite connections with a deadline: one writer behind a lock, and readers of their own (WAL: a read
never waits for a write, nor holds one up; a read transaction sees the last commit).

- Every call has a deadline: a statement still running at it is stopped (SQLite's progress handler),
  and a write waits at most BUSY_TIMEOUT_SECONDS for another process's write lock and
  WRITE_WAIT_SECONDS for this process's writer.
- What SQLite says is turned into :class:`bot.store.StoreUnavailable` with a few words, and an overrun
  is logged with the store's name and the cause.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bot.store import StoreUnavailable

log = logging.getLogger(__name__)

CALL_SECONDS = 5.0  # how long one call (a read, a write) may run
SLOW_CALL_SECONDS = 60.0  # the hourly compaction, which may fold a lot at once
BUSY_TIMEOUT_SECONDS = 5.0  # how long a write waits for another process's write lock
WRITE_WAIT_SECONDS = 5.0  # how long a write waits for this process's other writes
IDLE_READERS = 8  # reader connections kept open between reads


class _Timed:
    """A connection whose statements stop at the deadline of the call using it."""

    def __init__(self, path: Path, *, reader: bool) -> None:
        self.db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self.deadline = math.inf
        self.db.set_progress_handler(self._over, 1000)
        if reader:
            self.db.execute("PRAGMA query_only=ON")

    def _over(self) -> int:
        return int(time.monotonic() > self.deadline)


class SQLiteConnections:
    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name  # "SQLite at <path>", in log lines
        self._writer = _Timed(path, reader=False)
        self.db = self._writer.db  # the writer
        self._write_lock = threading.Lock()
        self._mutex = threading.Lock()  # the idle readers
        self._idle: list[_Timed] = []
        self._closed = False

    def close(self) -> None:
        with self._mutex:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.db.close()
        with self._write_lock:
            self.db.close()

    @contextlib.contextmanager
    def write(self, seconds: float | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed at the end, rolled back if it raises."""
        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            log.warning(
                "%s: a write waited %gs for this process's other writes; given up",
                self.name,
                WRITE_WAIT_SECONDS,
            )
            raise StoreUnavailable("busy")
        try:
            with self._deadline(self._writer, seconds):
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                    raise
                self.db.execute("COMMIT")
        finally:
            self._write_lock.release()

    @contextlib.contextmanager
    def read(self, seconds: float | None = None) -> Iterator[sqlite3.Connection]:
        """One read transaction on a reader connection of its own: one snapshot, no write lock."""
        conn = self._reader()
        try:
            with self._deadline(conn, seconds):
                conn.db.execute("BEGIN")
                try:
                    yield conn.db
                finally:
                    if conn.db.in_transaction:
                        conn.db.execute("ROLLBACK")
        finally:
            self._give_back(conn)

    def _reader(self) -> _Timed:
        with self._mutex:
            if self._closed:
                raise StoreUnavailable("closed")
            if self._idle:
                return self._idle.pop()
        try:
            return _Timed(self.path, reader=True)
        except sqlite3.Error as exc:
            raise self._unavailable(exc, 0) from None

    def _give_back(self, conn: _Timed) -> None:
        with self._mutex:
            if not self._closed and len(self._idle) < IDLE_READERS:
                self._idle.append(conn)
                return
        conn.db.close()

    @contextlib.contextmanager
    def _deadline(self, conn: _Timed, seconds: float | None) -> Iterator[None]:
        seconds = CALL_SECONDS if seconds is None else seconds
        conn.deadline = time.monotonic() + seconds
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise self._unavailable(exc, seconds) from None
        finally:
            conn.deadline = math.inf

    def _unavailable(self, exc: sqlite3.Error, seconds: float) -> StoreUnavailable:
        """A few words for what SQLite said, logged with the store's name when a call overran."""
        message = str(exc)
        if "interrupted" in message:
            log.warning("%s: a call ran over its %gs deadline and was stopped", self.name, seconds)
            return StoreUnavailable(f"no answer in {seconds:g}s")
        if "locked" in message or "busy" in message:
            log.warning(
                "%s: another process held the write lock for over %gs; the write was given up",
                self.name,
                BUSY_TIMEOUT_SECONDS,
            )
            return StoreUnavailable("locked by another process")
        # SQLite's own few words, no path in them: "disk I/O error", "database or disk is full"
        return StoreUnavailable(message)
