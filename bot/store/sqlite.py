"""The embedded default store: SQLite at BOT_STATE_PATH (WAL, full sync), one file holding the alert
state and config, the balance history and the digest log. Its sender lock is
:class:`bot.store.file_lock.FileSenderLock`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import TypeVar

from bot.domain import retention
from bot.domain.alert_state import CONFIG_COLUMNS, STATE_COLUMNS, AlertConfig, AlertState
from bot.domain.buckets import Bucket, HistoryReads
from bot.domain.history import COLUMNS, Sample, row
from bot.store.file_lock import private_file
from bot.store.sqlite_connections import SLOW_CALL_SECONDS, SQLiteConnections
from bot.store.sqlite_reads import SQLiteReads

log = logging.getLogger(__name__)
T = TypeVar("T")

# Versioned by PRAGMA user_version, each step applied once, in one transaction with the version bump.
# Version 1 is the single-level schema of earlier releases (their files have user_version 0 and these
# tables already, so it changes nothing there); never edit a step, add the next one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS alert_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            state, low_since, last_notified_at, failures, failure_notice_sent, last_error,
            last_balance_cents, last_balance_at, last_check_at
        )""",
        """CREATE TABLE IF NOT EXISTS alert_config (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            threshold_cents INTEGER,
            updated_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
    ],
    2: [  # two levels: warning and critical; the single level's "low" is the warning level
        "ALTER TABLE alert_state ADD COLUMN critical_since REAL",
        "ALTER TABLE alert_state ADD COLUMN last_portfolio_cents INTEGER",
        "ALTER TABLE alert_config ADD COLUMN critical_cents INTEGER",
        "ALTER TABLE alert_config ADD COLUMN critical_set INTEGER NOT NULL DEFAULT 0",
        "UPDATE alert_state SET state = 'warning' WHERE state = 'low'",
    ],
    # Balance history and the digest log. Earlier releases created these tables outside the version
    # (IF NOT EXISTS at every start), so a file at version 2 may hold them already.
    3: [
        """CREATE TABLE IF NOT EXISTS balance_history (
            at REAL NOT NULL,
            balance_cents INTEGER NOT NULL,
            portfolio_value_cents INTEGER NOT NULL,
            low_cents INTEGER NOT NULL,
            high_cents INTEGER NOT NULL,
            resolution INTEGER NOT NULL,
            UNIQUE (resolution, at)
        )""",
        "CREATE INDEX IF NOT EXISTS balance_history_at ON balance_history (at)",
        """CREATE TABLE IF NOT EXISTS digest_log (
            day TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            at REAL NOT NULL
        )""",
    ],
    4: ["ALTER TABLE alert_state ADD COLUMN watching TEXT"],  # the figure the state was judged on
}
SCHEMA_VERSION = max(MIGRATIONS)

# Built once from the dataclasses' own field names, never from input.
_SELECT_STATE = f"SELECT {', '.join(STATE_COLUMNS)} FROM alert_state WHERE id = 1"  # noqa: S608
_UPSERT_STATE = (
    f"INSERT OR REPLACE INTO alert_state (id, {', '.join(STATE_COLUMNS)}) "  # noqa: S608
    f"VALUES (1, {', '.join(':' + c for c in STATE_COLUMNS)})"
)
_SELECT_CONFIG = f"SELECT {', '.join(CONFIG_COLUMNS)} FROM alert_config WHERE id = 1"  # noqa: S608
_UPSERT_CONFIG = (
    f"INSERT OR REPLACE INTO alert_config (id, {', '.join(CONFIG_COLUMNS)}) "  # noqa: S608
    f"VALUES (1, {', '.join(':' + c for c in CONFIG_COLUMNS)})"
)
_SELECT_SAMPLES = f"SELECT {', '.join(COLUMNS)} FROM balance_history"  # noqa: S608 - our own column names
_INSERT_SAMPLE = (
    f"INSERT OR IGNORE INTO balance_history ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(COLUMNS))})"
)


class _Rows:
    """The history table inside one transaction, for :func:`bot.domain.retention.compact`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def select(self, where: str, args: tuple[float | int, ...]) -> list[Sample]:
        return [Sample(*r) for r in self.db.execute(f"{_SELECT_SAMPLES} WHERE {where} ORDER BY at", args)]

    def finer_than(self, resolution: int, before: float) -> list[Sample]:
        return self.select("resolution < ? AND at < ?", (resolution, before))

    def of(self, resolution: int, start: float, end: float) -> list[Sample]:
        return self.select("resolution = ? AND at >= ? AND at < ?", (resolution, start, end))

    def delete_finer_than(self, resolution: int, before: float) -> None:
        self.db.execute("DELETE FROM balance_history WHERE resolution < ? AND at < ?", (resolution, before))

    def delete_of(self, resolution: int, start: float, end: float) -> None:
        self.db.execute(
            "DELETE FROM balance_history WHERE resolution = ? AND at >= ? AND at < ?",
            (resolution, start, end),
        )

    def delete_before(self, before: float) -> None:
        self.db.execute("DELETE FROM balance_history WHERE at < ?", (before,))

    def insert(self, samples: list[Sample]) -> None:
        self.db.executemany(_INSERT_SAMPLE, [row(s) for s in samples])

    def newest_before(self, before: float) -> float | None:
        return _time(self.db.execute("SELECT max(at) FROM balance_history WHERE at < ?", (before,)))

    def oldest_from(self, start: float, end: float) -> float | None:
        query = "SELECT min(at) FROM balance_history WHERE at >= ? AND at <= ?"
        return _time(self.db.execute(query, (start, end)))


def _time(cursor: sqlite3.Cursor) -> float | None:
    found = cursor.fetchone()
    return None if found is None or found[0] is None else float(found[0])


class SQLiteStore:
    """Thread-safe, WAL journal, full sync: a crash mid-write loses nothing. Writes go one at a time over
    one connection; reads over connections of their own, never waiting for a write (see
    :mod:`bot.store.sqlite_connections`, which also gives every call its deadline)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_file(path)
        self.connections = SQLiteConnections(path, self.describe())
        self._db = self.connections.db  # the writer
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._write = self.connections.write
        self._read = self.connections.read
        self.migrate()

    def describe(self) -> str:
        return f"SQLite at {self.path}"

    def close(self) -> None:
        self.connections.close()

    def for_jobs(self) -> SQLiteStore:
        return self  # a read never waits for a write here: the jobs need no connection of their own

    def migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION; a second process starting together waits, then finds it done."""
        with self._write() as db:
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version:d}")
                if current:  # a new file is not news; an upgraded one is
                    log.info("state file migrated to schema version %d", version)
        if current > SCHEMA_VERSION:
            log.warning(
                "the state file has schema version %d, newer than this release's %d", current, SCHEMA_VERSION
            )

    # -- the alert -------------------------------------------------------------------------------------
    def load_state(self) -> AlertState:
        with self._read() as db:
            found = db.execute(_SELECT_STATE).fetchone()
        if found is None:
            return AlertState()
        state = AlertState(*found)
        state.failure_notice_sent = bool(state.failure_notice_sent)
        return state

    def save_state(self, state: AlertState) -> None:
        with self._write() as db:
            db.execute(_UPSERT_STATE, asdict(state))

    def load_config(self) -> AlertConfig | None:
        with self._read() as db:
            found = db.execute(_SELECT_CONFIG).fetchone()
        if found is None:
            return None
        config = AlertConfig(*found)
        return replace(config, critical_set=bool(config.critical_set))

    def save_config(self, config: AlertConfig) -> None:
        with self._write() as db:
            db.execute(_UPSERT_CONFIG, asdict(config))

    # -- history and the digest log --------------------------------------------------------------------
    def add_sample(self, sample: Sample) -> None:
        with self._write() as db:
            db.execute(_INSERT_SAMPLE, row(sample))

    def add_samples(self, samples: list[Sample]) -> int:
        """Many samples in one transaction (an import); how many were new."""
        with self._write(SLOW_CALL_SECONDS) as db:
            before = db.total_changes
            db.executemany(_INSERT_SAMPLE, [row(s) for s in samples])
            return int(db.total_changes - before)

    def samples(self, since: float, until: float) -> list[Sample]:
        with self._read() as db:
            return _Rows(db).select("at >= ? AND at <= ?", (since, until))

    def read(self, work: Callable[[HistoryReads], T]) -> T:
        with self._read() as db:
            return work(SQLiteReads(db))

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        return self.read(lambda reads: reads.buckets(since, until, width_seconds))

    def compact(self, now: float) -> None:
        with self._write(SLOW_CALL_SECONDS) as db:
            retention.compact(_Rows(db), now)

    def digest_status(self, day: str) -> str | None:
        with self._read() as db:
            found = db.execute("SELECT status FROM digest_log WHERE day = ?", (day,)).fetchone()
        return str(found[0]) if found else None

    def record_digest(self, day: str, status: str, at: float) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO digest_log (day, status, at) VALUES (?, ?, ?)", (day, status, at)
            )
            return cursor.rowcount == 1
