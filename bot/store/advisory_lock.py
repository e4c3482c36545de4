"""The PostgreSQL store's sender lock: a session-level advisory lock on a connection of its own. Only its
holder sends alerts, and PostgreSQL releases it when that connection ends, so when the holder dies (even
by SIGKILL) a standby takes it at its next check."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import psycopg

from bot.store import StoreUnavailable
from bot.store.postgres_connection import connect, describe_url, failure_reason
from bot.store.postgres_deadlines import WRITES, Guard

log = logging.getLogger(__name__)

SENDER_LOCK_KEY = 0x4B424F54_414C5254  # "KBOTALRT": the alert sender's advisory lock


class AdvisorySenderLock:
    """A session-level advisory lock on a dedicated connection; lost with that connection. Each call has
    the deadline of the jobs' calls: a server that stops answering loses us the lock, it never hangs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self._mutex = threading.Lock()

    def _guard(self, conn: psycopg.Connection[Any]) -> Guard:
        def overran() -> None:
            log.warning(
                "%s (the sender lock) did not answer within %gs: its connection is cut (no answer)",
                describe_url(self.url),
                WRITES.cut_seconds,
            )

        return Guard(conn, WRITES.cut_seconds, overran)

    def try_acquire(self) -> bool:
        with self._mutex:
            try:
                if self._held and self._conn is not None:
                    with self._guard(self._conn):
                        self._conn.execute("SELECT 1")  # still ours only while this session lives
                    return True
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = connect(self.url)
                with self._guard(self._conn):
                    found = self._conn.execute(
                        "SELECT pg_try_advisory_lock(%s)", (SENDER_LOCK_KEY,)
                    ).fetchone()
                self._held = bool(found and found[0])
                return self._held
            except psycopg.Error as exc:
                was_held, self._held = self._held, False
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                if not was_held:
                    raise StoreUnavailable(failure_reason(exc)) from None  # the monitor logs and backs off
                log.error("lost the alert lock with the PostgreSQL connection (%s)", failure_reason(exc))
                return False

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                if self._held:  # at once, for a standby trying now; ending the session would too, later
                    with contextlib.suppress(psycopg.Error), self._guard(self._conn):
                        self._conn.execute("SELECT pg_advisory_unlock(%s)", (SENDER_LOCK_KEY,))
                self._conn.close()
            self._conn = None
            self._held = False
