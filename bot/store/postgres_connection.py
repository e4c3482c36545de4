"""PostgreSQL connections for the store (DATABASE_URL), through psycopg 3.

- A database that is down or hung never holds up a caller (a ``/balance`` reading the trend) for
  more than about a second: connections are opened on a thread of their own, the caller waiting at
  most CONNECT_WAIT_SECONDS for one; after a failed connect every use raises
  :class:`StoreUnavailable` at once for COOL_DOWN_SECONDS (a circuit breaker), and while a connect is
  being retried after one, the others do not wait for it; the connection is waited for at most
  LOCK_WAIT_SECONDS (``busy`` while another call holds it).
- Every call has a deadline (:mod:`bot.store.postgres_deadlines`): on the server, a statement timeout
  and a lock timeout set on each connection; in the client, a watchdog that cuts the connection of a
  call still without an answer, so a server that stops answering ends the call too. An overrun is
  logged at once, with the connection's name and the cause.
- What psycopg (libpq) says is turned into a few words of our own: its messages name hosts and users.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from psycopg import errors

from bot.store import StoreUnavailable
from bot.store.postgres_deadlines import SLOW, WRITES, Cut, Guard, Limits, set_limits

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 10
CONNECT_WAIT_SECONDS = 1.0  # how long a caller waits for a connection being opened
LOCK_WAIT_SECONDS = 1.0  # how long a caller waits for the connection while another uses it
COOL_DOWN_SECONDS = 15.0  # after a failed connect, how long every use fails at once
NO_ANSWER = "no answer"  # the reason while a first connect has not answered in CONNECT_WAIT_SECONDS


def connect(url: str, limits: Limits = WRITES) -> psycopg.Connection[Any]:
    # TCP keepalives so a dead peer is noticed in about a minute, not hours.
    conn = psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
        application_name="kalshi-balance-bot",
    )
    try:
        with Guard(conn, limits.cut_seconds, lambda: None), conn.cursor() as cur:
            set_limits(cur, limits, local=False)
    except BaseException:
        conn.close()
        raise
    return conn


# What psycopg's (libpq's) messages say, in a few words of our own: the messages themselves name hosts
# and users, and are not what an operator needs first.
_REASONS = (
    ("password authentication failed", "authentication failed"),
    ("authentication failed", "authentication failed"),
    ("no password supplied", "password missing"),
    ("connection refused", "connection refused"),
    ("timeout expired", "timeout"),
    ("timed out", "timeout"),
    ("could not translate host name", "host not found"),
    ("name or service not known", "host not found"),
    ("nodename nor servname", "host not found"),
    ("failed to resolve host", "host not found"),
    ("no route to host", "host unreachable"),
    ("network is unreachable", "host unreachable"),
    ("does not exist", "does not exist"),
    ("too many connections", "too many connections"),
    ("the database system is starting up", "server starting up"),
    ("the database system is shutting down", "server shutting down"),
    ("ssl", "SSL failed"),
)


def failure_reason(exc: psycopg.Error) -> str:
    """``connection refused``, ``authentication failed``, ``timeout``, ``host not found``, ...: why a
    connection failed, without echoing the URL or the server's message; the error's type otherwise."""
    if isinstance(exc, Cut):
        return NO_ANSWER
    message = str(exc).lower()
    for needle, reason in _REASONS:
        if needle in message:
            if reason == "does not exist":
                return "user does not exist" if 'role "' in message else "database does not exist"
            return reason
    return type(exc).__name__


def describe_url(url: str) -> str:
    """host:port/dbname, without the user or password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL at {host}{port}{parts.path or '/'}"


class _Opening:
    """One connect (and the migrations) on a daemon thread of its own, so that whoever needs the
    connection can stop waiting for it; a hung connect ends at CONNECT_TIMEOUT_SECONDS."""

    def __init__(self, open_: Callable[[], psycopg.Connection[Any]], clock: Callable[[], float]) -> None:
        self.done = threading.Event()
        self.conn: psycopg.Connection[Any] | None = None
        self.reason = ""  # why it failed
        self.finished_at = 0.0
        self._open = open_
        self._clock = clock
        threading.Thread(target=self._run, name="postgres-connect", daemon=True).start()

    def _run(self) -> None:
        try:
            self.conn = self._open()
        except StoreUnavailable as exc:
            self.reason = exc.reason
        except psycopg.Error as exc:  # a migration failing
            self.reason = failure_reason(exc)
        except Exception as exc:  # noqa: BLE001 - told to the caller as the store being unavailable
            self.reason = type(exc).__name__
        finally:
            self.finished_at = self._clock()
            self.done.set()


class PostgresConnection:
    """One connection behind a lock, reconnected once when it breaks; never waits long for a database
    that does not answer (see the module's docstring). ``migrate`` runs once, in the first connect's
    transaction."""

    def __init__(
        self,
        url: str,
        *,
        migrate: Callable[[psycopg.Cursor[Any]], None],
        clock: Callable[[], float] = time.monotonic,
        connect_wait: float = CONNECT_WAIT_SECONDS,
        limits: Limits = WRITES,
        name: str = "",
    ) -> None:
        """Connects (and migrates) on first use, so a database that is down at start-up stops nothing:
        each use until it is back raises :class:`StoreUnavailable`. ``connect_wait``: how long a use
        waits for a connect under way (``check`` waits for the connect's own answer, to name its cause).
        ``name``: the connection in log lines (never the URL's user or password)."""
        self.url = url
        self.limits = limits
        self.name = name or describe_url(url)
        self._migrate = migrate
        self.clock = clock
        self.connect_wait = connect_wait
        self._lock = threading.Lock()  # the connection, one transaction at a time
        self._conn: psycopg.Connection[Any] | None = None
        self._opening: _Opening | None = None  # a connect under way
        self._down_reason: str | None = None  # why the last connect failed, until one succeeds
        self._retry_at = 0.0  # the end of the cool-down after a failed connect
        self._migrated = False

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            opening, self._opening = self._opening, None
            if opening is not None and opening.done.is_set() and opening.conn is not None:
                opening.conn.close()

    def _open(self) -> psycopg.Connection[Any]:
        try:
            conn = connect(self.url, self.limits)
            if not self._migrated:
                try:
                    with self._guard(conn, SLOW), conn.transaction(), conn.cursor() as cur:
                        set_limits(cur, SLOW, local=True)
                        self._migrate(cur)
                except BaseException:
                    conn.close()
                    raise
                self._migrated = True
        except Cut:
            raise StoreUnavailable(NO_ANSWER) from None
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(failure_reason(exc)) from None  # the message names host and user
        return conn

    def _guard(self, conn: psycopg.Connection[Any], limits: Limits) -> Guard:
        def overran() -> None:
            log.warning(
                "%s did not answer within %gs: its connection is cut and the call given up (no answer)",
                self.name,
                limits.cut_seconds,
            )

        return Guard(conn, limits.cut_seconds, overran)

    def _fail_fast(self) -> None:
        """Raise at once while the breaker is open: in the cool-down after a failed connect, or while a
        connect is under way after one failed or did not answer in time."""
        reason = self._down_reason
        if reason is None:
            return
        opening = self._opening
        if opening is not None and not opening.done.is_set():
            raise StoreUnavailable(reason)
        if opening is None and self.clock() < self._retry_at:
            raise StoreUnavailable(reason)

    def _connection(self) -> psycopg.Connection[Any]:
        """The open connection, or one opened now; called with the lock held. Waits at most
        CONNECT_WAIT_SECONDS for it, and not at all while the database is known to be down: the connect
        goes on on its own thread, and a later use takes its result."""
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._fail_fast()
        opening = self._opening
        stale = opening is not None and opening.done.is_set() and opening.conn is None
        if opening is None or (stale and opening.finished_at + COOL_DOWN_SECONDS <= self.clock()):
            opening = self._opening = _Opening(self._open, self.clock)
        if not opening.done.wait(0 if self._down_reason else self.connect_wait):
            if self._down_reason is None:
                log.warning("%s has not answered within %gs; still connecting", self.name, self.connect_wait)
                self._down_reason = NO_ANSWER
            raise StoreUnavailable(self._down_reason)
        self._opening = None
        if opening.conn is None:
            if opening.reason != self._down_reason:
                log.warning(
                    "cannot connect to %s (%s); every use fails at once for %gs",
                    self.name,
                    opening.reason,
                    COOL_DOWN_SECONDS,
                )
            self._down_reason, self._retry_at = opening.reason, opening.finished_at + COOL_DOWN_SECONDS
            raise StoreUnavailable(opening.reason)
        if self._down_reason is not None:
            log.info("%s reachable again", self.name)
        self._down_reason = None
        self._conn = opening.conn
        return self._conn

    def run(
        self, work: Callable[[psycopg.Cursor[Any]], T], *, slow: bool = False, snapshot: bool = False
    ) -> T:
        """Run ``work`` in one transaction; on a lost connection, reconnect and run it once more.
        ``slow``: the limits of :data:`SLOW` (the compaction); ``snapshot``: a read-only transaction
        that sees one snapshot throughout.

        Every write here is an idempotent upsert of a whole row, so running it again is safe even when
        the first COMMIT did reach the server. A call the server stopped (statement or lock timeout) or
        the watchdog cut is not run again: its time is up.
        """
        self._fail_fast()
        if not self._lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise StoreUnavailable("busy")  # another call holds the connection, within its deadline
        limits = SLOW if slow else self.limits
        try:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    with self._guard(conn, limits), conn.transaction(), conn.cursor() as cur:
                        if snapshot:
                            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        if slow:
                            set_limits(cur, limits, local=True)
                        return work(cur)
                except Cut:
                    self._conn = None
                    raise StoreUnavailable(f"{NO_ANSWER} in {limits.cut_seconds:g}s") from None
                except (errors.QueryCanceled, errors.LockNotAvailable) as exc:
                    raise self._stopped(exc, limits) from None
                except psycopg.OperationalError as exc:
                    conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise StoreUnavailable(failure_reason(exc)) from None
                    log.warning(
                        "lost the connection to %s (%s); reconnecting", self.name, failure_reason(exc)
                    )
        finally:
            self._lock.release()
        raise AssertionError("unreachable")  # pragma: no cover

    def _stopped(self, exc: psycopg.OperationalError, limits: Limits) -> StoreUnavailable:
        """The server stopped the call at one of its timeouts: logged, with what held it up."""
        if isinstance(exc, errors.LockNotAvailable):
            cause = f"lock timeout: a table stayed locked for {limits.lock_seconds:g}s"
            reason = "lock timeout"
        else:
            cause = f"statement timeout: no result within {limits.statement_seconds:g}s"
            reason = "statement timeout"
        log.warning("%s stopped a call (%s)", self.name, cause)
        return StoreUnavailable(reason)
