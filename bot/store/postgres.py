"""The PostgreSQL store for PaaS deployments (DATABASE_URL): alert state and config, the balance history
and the digest log, over two connections (:class:`bot.store.postgres_connection.PostgresConnection`):
people's reads on one, writes and the background jobs on the other.

The tables are created or migrated at the first connect, idempotently, under a transaction-level
advisory lock so two processes starting together do not race. Every write is one transaction, retried
once on a lost connection: each is safe to run twice (whole-row upserts, samples unique by time, the
digest log by day, and a compaction run twice changes nothing the second time). Its sender lock is
:class:`bot.store.advisory_lock.AdvisorySenderLock`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import astuple
from typing import Any, TypeVar

import psycopg

from bot.domain import retention
from bot.domain.alert_state import CONFIG_COLUMNS, STATE_COLUMNS, AlertConfig, AlertState
from bot.domain.buckets import Bucket, HistoryReads
from bot.domain.history import COLUMNS, Sample, row
from bot.store.postgres_connection import CONNECT_WAIT_SECONDS, PostgresConnection, describe_url
from bot.store.postgres_deadlines import READS
from bot.store.postgres_reads import PostgresReads

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATE_LOCK_KEY = 0x4B424F54_4D494752  # "KBOTMIGR": serialises schema migrations

# One ordered list: each step runs once, recorded in bot_schema; never edit a step, add the next one.
MIGRATIONS: dict[int, str] = {
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
    # Balance history and the digest log; see bot.domain.retention for what is kept.
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
    # The figure the alert state was judged on (BALANCE_ALERT_ON).
    4: "ALTER TABLE alert_state ADD COLUMN IF NOT EXISTS watching text;",
}
SCHEMA_VERSION = max(MIGRATIONS)

_STATE = ", ".join(STATE_COLUMNS)
_SELECT_STATE = f"SELECT {_STATE} FROM alert_state WHERE id = 1"  # noqa: S608 - our own field names
_UPSERT_STATE = (
    f"INSERT INTO alert_state (id, {_STATE}) VALUES (1, {', '.join(['%s'] * len(STATE_COLUMNS))}) "  # noqa: S608
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in STATE_COLUMNS)}"
)
_SELECT_CONFIG = f"SELECT {', '.join(CONFIG_COLUMNS)} FROM alert_config WHERE id = 1"  # noqa: S608
_UPSERT_CONFIG = (
    f"INSERT INTO alert_config (id, {', '.join(CONFIG_COLUMNS)}) "  # noqa: S608
    f"VALUES (1, {', '.join(['%s'] * len(CONFIG_COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in CONFIG_COLUMNS)}"
)
_SELECT_SAMPLES = f"SELECT {', '.join(COLUMNS)} FROM balance_history"  # noqa: S608 - our own column names
_INSERT_SAMPLE = (
    f"INSERT INTO balance_history ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (resolution, at) DO NOTHING"
)


def migrate(cur: psycopg.Cursor[Any]) -> None:
    """Bring the database to SCHEMA_VERSION, under the migration lock."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))
    cur.execute("CREATE TABLE IF NOT EXISTS bot_schema (version integer NOT NULL)")
    found = cur.execute("SELECT max(version) FROM bot_schema").fetchone()
    current = found[0] if found and found[0] is not None else 0
    for version in range(current + 1, SCHEMA_VERSION + 1):
        cur.execute(MIGRATIONS[version])
        cur.execute("INSERT INTO bot_schema (version) VALUES (%s)", (version,))
        log.info("store migrated to schema version %d", version)


class _Rows:
    """The history table inside one transaction, for :func:`bot.domain.retention.compact`."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def select(self, where: str, args: tuple[float | int, ...]) -> list[Sample]:
        query = f"{_SELECT_SAMPLES} WHERE {where} ORDER BY at"
        return [Sample(*r) for r in self.cur.execute(query, args).fetchall()]

    def finer_than(self, resolution: int, before: float) -> list[Sample]:
        return self.select("resolution < %s AND at < %s", (resolution, before))

    def of(self, resolution: int, start: float, end: float) -> list[Sample]:
        return self.select("resolution = %s AND at >= %s AND at < %s", (resolution, start, end))

    def delete_finer_than(self, resolution: int, before: float) -> None:
        self.cur.execute(
            "DELETE FROM balance_history WHERE resolution < %s AND at < %s", (resolution, before)
        )

    def delete_of(self, resolution: int, start: float, end: float) -> None:
        self.cur.execute(
            "DELETE FROM balance_history WHERE resolution = %s AND at >= %s AND at < %s",
            (resolution, start, end),
        )

    def delete_before(self, before: float) -> None:
        self.cur.execute("DELETE FROM balance_history WHERE at < %s", (before,))

    def insert(self, samples: list[Sample]) -> None:
        if samples:
            self.cur.executemany(_INSERT_SAMPLE, [row(s) for s in samples])

    def newest_before(self, before: float) -> float | None:
        return _time(self.cur.execute("SELECT max(at) FROM balance_history WHERE at < %s", (before,)))

    def oldest_from(self, start: float, end: float) -> float | None:
        query = "SELECT min(at) FROM balance_history WHERE at >= %s AND at <= %s"
        return _time(self.cur.execute(query, (start, end)))


def _time(cur: psycopg.Cursor[Any]) -> float | None:
    found = cur.fetchone()
    return None if found is None or found[0] is None else float(found[0])


class PostgresStore:
    """Thread-safe; connects (and migrates) on first use, so a database that is down at start-up stops
    nothing: each use until it is back raises :class:`bot.store.StoreUnavailable`.

    Two connections, each with its deadlines (:mod:`bot.store.postgres_connection`): people's reads go
    over one (short limits: a ``/balance`` waits on them), writes and everything the background jobs do
    (:meth:`for_jobs`) over the other, so neither holds the other up."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        connect_wait: float = CONNECT_WAIT_SECONDS,
        connections: tuple[PostgresConnection, PostgresConnection] | None = None,
    ) -> None:
        """``connect_wait``: how long a use waits for a connect under way (``check`` waits for the
        connect's own answer, to name its cause)."""
        self.url = url
        if connections is None:
            name = describe_url(url)
            connections = (
                PostgresConnection(
                    url,
                    migrate=migrate,
                    clock=clock,
                    connect_wait=connect_wait,
                    limits=READS,
                    name=f"{name} (reads)",
                ),
                PostgresConnection(url, migrate=migrate, clock=clock, connect_wait=connect_wait, name=name),
            )
        self.reads, self.writes = connections
        self._read, self._write = self.reads.run, self.writes.run

    def describe(self) -> str:
        return describe_url(self.url)

    def close(self) -> None:
        self.reads.close()
        self.writes.close()

    def for_jobs(self) -> PostgresStore:
        return PostgresStore(self.url, connections=(self.writes, self.writes))

    def migrate(self) -> None:
        self._write(migrate, slow=True)

    # -- the alert -------------------------------------------------------------------------------------
    def load_state(self) -> AlertState:
        found = self._read(lambda cur: cur.execute(_SELECT_STATE).fetchone())
        return AlertState(*found) if found else AlertState()

    def save_state(self, state: AlertState) -> None:
        self._write(lambda cur: cur.execute(_UPSERT_STATE, astuple(state)))

    def load_config(self) -> AlertConfig | None:
        found = self._read(lambda cur: cur.execute(_SELECT_CONFIG).fetchone())
        return AlertConfig(*found) if found else None

    def save_config(self, config: AlertConfig) -> None:
        self._write(lambda cur: cur.execute(_UPSERT_CONFIG, astuple(config)))

    # -- history and the digest log --------------------------------------------------------------------
    def add_sample(self, sample: Sample) -> None:
        self._write(lambda cur: cur.execute(_INSERT_SAMPLE, row(sample)))

    def add_samples(self, samples: list[Sample]) -> int:
        """Many samples in one transaction (an import); how many were new."""

        def insert(cur: psycopg.Cursor[Any]) -> int:
            if not samples:
                return 0
            cur.executemany(_INSERT_SAMPLE, [row(s) for s in samples])
            return cur.rowcount

        return int(self._write(insert, slow=True))  # the import's one transaction: the slow deadline

    def samples(self, since: float, until: float) -> list[Sample]:
        return self._read(lambda cur: _Rows(cur).select("at >= %s AND at <= %s", (since, until)))

    def read(self, work: Callable[[HistoryReads], T]) -> T:
        return self._read(lambda cur: work(PostgresReads(cur)), snapshot=True)

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        return self.read(lambda reads: reads.buckets(since, until, width_seconds))

    def compact(self, now: float) -> None:
        self._write(lambda cur: retention.compact(_Rows(cur), now), slow=True)

    def digest_status(self, day: str) -> str | None:
        found = self._read(
            lambda cur: cur.execute("SELECT status FROM digest_log WHERE day = %s", (day,)).fetchone()
        )
        return str(found[0]) if found else None

    def record_digest(self, day: str, status: str, at: float) -> bool:
        def insert(cur: psycopg.Cursor[Any]) -> bool:
            cur.execute(
                "INSERT INTO digest_log (day, status, at) VALUES (%s, %s, %s) ON CONFLICT (day) DO NOTHING",
                (day, status, at),
            )
            return cur.rowcount == 1

        return self._write(insert)
