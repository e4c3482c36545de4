"""PostgreSQL store for PaaS deployments (DATABASE_URL), through psycopg 3, and leader election.

- State and config live in two one-row tables, created or migrated at start-up, idempotently, under a
  transaction-level advisory lock so two processes starting together do not race.
- A database that is down or hung never holds up a caller (a ``/balance`` reading the trend) for
  more than about a second: connections are opened on a thread of their own, the caller waiting at
  most CONNECT_WAIT_SECONDS for one; after a failed connect every use raises
  :class:`StoreUnavailable` at once for COOL_DOWN_SECONDS (a circuit breaker), and while a connect is
  being retried after one, the others do not wait for it; the connection is waited for at most
  LOCK_WAIT_SECONDS (``busy`` when a query hangs).
- :class:`AdvisorySenderLock` holds a *session-level* advisory lock on a connection of its own: only
  its holder sends alerts, and PostgreSQL releases it when that connection ends, so when the holder
  dies (even by SIGKILL) a standby takes it at its next check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import astuple
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg

from bot.alerts.store import CONFIG_COLUMNS, STATE_COLUMNS, AlertConfig, AlertState, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 3
CONNECT_TIMEOUT_SECONDS = 10
CONNECT_WAIT_SECONDS = 1.0  # how long a caller waits for a connection being opened
LOCK_WAIT_SECONDS = 1.0  # how long a caller waits for the connection while another uses it
COOL_DOWN_SECONDS = 15.0  # after a failed connect, how long every use fails at once
NO_ANSWER = "no answer"  # the reason while a first connect has not answered in CONNECT_WAIT_SECONDS
SENDER_LOCK_KEY = 0x4B424F54_414C5254  # "KBOTALRT": the alert sender's advisory lock
MIGRATE_LOCK_KEY = 0x4B424F54_4D494752  # "KBOTMIGR": serialises schema migrations

MIGRATIONS = {
    1: """
    CREATE TABLE IF NOT EXISTS alert_state (
        id integer PRIMARY KEY CHECK (id = 1),
        state text NOT NULL,
        low_since double precision,
        last_notified_at double precision,
        failures integer NOT NULL,
        failure_notice_sent boolean NOT NULL,
        last_error text,
        last_balance_cents bigint,
        last_balance_at double precision,
        last_check_at double precision
    );
    CREATE TABLE IF NOT EXISTS alert_config (
        id integer PRIMARY KEY CHECK (id = 1),
        threshold_cents bigint,
        updated_by text NOT NULL,
        updated_at double precision NOT NULL
    );
    """,
    # Two levels, warning and critical; the single level's "low" is the warning level.
    2: """
    ALTER TABLE alert_state
        ADD COLUMN IF NOT EXISTS critical_since double precision,
        ADD COLUMN IF NOT EXISTS last_portfolio_cents bigint;
    ALTER TABLE alert_config
        ADD COLUMN IF NOT EXISTS critical_cents bigint,
        ADD COLUMN IF NOT EXISTS critical_set boolean NOT NULL DEFAULT false;
    UPDATE alert_state SET state = 'warning' WHERE state = 'low';
    """,
    # Balance history and the digest log (bot.history); see bot.history.retention for what is kept.
    3: """
    CREATE TABLE IF NOT EXISTS balance_history (
        at double precision NOT NULL,
        balance_cents bigint NOT NULL,
        portfolio_value_cents bigint NOT NULL,
        low_cents bigint NOT NULL,
        high_cents bigint NOT NULL,
        resolution integer NOT NULL,
        UNIQUE (resolution, at)
    );
    CREATE INDEX IF NOT EXISTS balance_history_at ON balance_history (at);
    CREATE TABLE IF NOT EXISTS digest_log (
        day text PRIMARY KEY,
        status text NOT NULL,
        at double precision NOT NULL
    );
    """,
}

_COLUMNS = ", ".join(STATE_COLUMNS)
_SELECT_STATE = f"SELECT {_COLUMNS} FROM alert_state WHERE id = 1"  # noqa: S608 - our own field names
_UPSERT_STATE = (
    f"INSERT INTO alert_state (id, {_COLUMNS}) VALUES (1, {', '.join(['%s'] * len(STATE_COLUMNS))}) "  # noqa: S608
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in STATE_COLUMNS)}"
)
_SELECT_CONFIG = f"SELECT {', '.join(CONFIG_COLUMNS)} FROM alert_config WHERE id = 1"  # noqa: S608
_UPSERT_CONFIG = (
    f"INSERT INTO alert_config (id, {', '.join(CONFIG_COLUMNS)}) "  # noqa: S608
    f"VALUES (1, {', '.join(['%s'] * len(CONFIG_COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in CONFIG_COLUMNS)}"
)


def connect(url: str) -> psycopg.Connection[Any]:
    # TCP keepalives so a dead peer is noticed in about a minute, not hours.
    return psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
        application_name="kalshi-balance-bot",
    )


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


class PostgresAlertStore:
    """Thread-safe: one connection behind a lock, reconnected once when it breaks; never waits long for
    a database that does not answer (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        connect_wait: float = CONNECT_WAIT_SECONDS,
    ) -> None:
        """Connects (and migrates) on first use, so a database that is down at start-up stops nothing:
        each use until it is back raises :class:`StoreUnavailable`. ``connect_wait``: how long a use
        waits for a connect under way (``check`` waits for the connect's own answer, to name its cause)."""
        self.url = url
        self.clock = clock
        self.connect_wait = connect_wait
        self._lock = threading.Lock()  # the connection, one transaction at a time
        self._conn: psycopg.Connection[Any] | None = None
        self._opening: _Opening | None = None  # a connect under way
        self._down_reason: str | None = None  # why the last connect failed, until one succeeds
        self._retry_at = 0.0  # the end of the cool-down after a failed connect
        self._migrated = False

    def describe(self) -> str:
        return describe_url(self.url)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            opening, self._opening = self._opening, None
            if opening is not None and opening.done.is_set() and opening.conn is not None:
                opening.conn.close()

    def _open(self) -> psycopg.Connection[Any]:
        try:
            conn = connect(self.url)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(failure_reason(exc)) from None  # the message names host and user
        if not self._migrated:
            try:
                with conn.transaction(), conn.cursor() as cur:
                    self._migrate(cur)
            except BaseException:
                conn.close()
                raise
            self._migrated = True
        return conn

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
                log.warning("PostgreSQL has not answered within %gs; still connecting", self.connect_wait)
                self._down_reason = NO_ANSWER
            raise StoreUnavailable(self._down_reason)
        self._opening = None
        if opening.conn is None:
            if opening.reason != self._down_reason:
                log.warning(
                    "cannot connect to PostgreSQL (%s); every use fails at once for %gs",
                    opening.reason,
                    COOL_DOWN_SECONDS,
                )
            self._down_reason, self._retry_at = opening.reason, opening.finished_at + COOL_DOWN_SECONDS
            raise StoreUnavailable(opening.reason)
        if self._down_reason is not None:
            log.info("PostgreSQL reachable again")
        self._down_reason = None
        self._conn = opening.conn
        return self._conn

    def migrate(self) -> None:
        self._run(self._migrate)

    @staticmethod
    def _migrate(cur: psycopg.Cursor[Any]) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))
        cur.execute("CREATE TABLE IF NOT EXISTS bot_schema (version integer NOT NULL)")
        row = cur.execute("SELECT max(version) FROM bot_schema").fetchone()
        current = row[0] if row and row[0] is not None else 0
        for version in range(current + 1, SCHEMA_VERSION + 1):
            cur.execute(MIGRATIONS[version])
            cur.execute("INSERT INTO bot_schema (version) VALUES (%s)", (version,))
            log.info("alert store migrated to schema version %d", version)

    def _run(self, work: Callable[[psycopg.Cursor[Any]], T]) -> T:
        """Run ``work`` in one transaction; on a lost connection, reconnect and run it once more.

        Every write here is an idempotent upsert of a whole row, so running it again is safe even when
        the first COMMIT did reach the server.
        """
        self._fail_fast()
        if not self._lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise StoreUnavailable("busy")  # another use hangs on a database that stopped answering
        try:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    with conn.transaction(), conn.cursor() as cur:
                        return work(cur)
                except psycopg.OperationalError as exc:
                    conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise StoreUnavailable(failure_reason(exc)) from None
                    log.warning("lost the PostgreSQL connection (%s); reconnecting", failure_reason(exc))
        finally:
            self._lock.release()
        raise AssertionError("unreachable")  # pragma: no cover

    def load_state(self) -> AlertState:
        row = self._run(lambda cur: cur.execute(_SELECT_STATE).fetchone())
        return AlertState(*row) if row else AlertState()

    def save_state(self, state: AlertState) -> None:
        self._run(lambda cur: cur.execute(_UPSERT_STATE, astuple(state)))

    def load_config(self) -> AlertConfig | None:
        row = self._run(lambda cur: cur.execute(_SELECT_CONFIG).fetchone())
        return AlertConfig(*row) if row else None

    def save_config(self, config: AlertConfig) -> None:
        self._run(lambda cur: cur.execute(_UPSERT_CONFIG, astuple(config)))


class AdvisorySenderLock:
    """A session-level advisory lock on a dedicated connection; lost with that connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            try:
                if self._held and self._conn is not None:
                    self._conn.execute("SELECT 1")  # still ours only while this session lives
                    return True
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = connect(self.url)
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (SENDER_LOCK_KEY,)).fetchone()
                self._held = bool(row and row[0])
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
                self._conn.close()  # ending the session releases the lock
            self._conn = None
            self._held = False
