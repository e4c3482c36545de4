"""The embedded default store: SQLite at BOT_STATE_PATH (WAL, full sync), and a file lock beside it."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import IO

from bot.alerts.store import CONFIG_COLUMNS, STATE_COLUMNS, AlertConfig, AlertState

log = logging.getLogger(__name__)

# Versioned by PRAGMA user_version, each step applied once, in one transaction with the version bump.
# Version 1 is the single-level schema of earlier releases (their files have user_version 0 and these
# tables already, so it changes nothing there); never edit a step, add the next one.
MIGRATIONS = {
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
}
SCHEMA_VERSION = max(MIGRATIONS)

# Built once from AlertState's own field names, never from input.
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


def _private_file(path: Path) -> None:
    """Create ``path`` (and its directory) readable by this user only: it holds balances and errors.

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's permissions, so those follow.
    A file an earlier version left readable by others is tightened.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, path.name + "-wal", path.name + "-shm", path.name + "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path.with_name(name), 0o600)


class SQLiteAlertStore:
    """Thread-safe (one connection behind a lock), WAL journal, full sync: a crash mid-write loses nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _private_file(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self.migrate()

    def describe(self) -> str:
        return f"SQLite at {self.path}"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION; a second process starting together waits, then finds it done."""
        with self._tx() as db:
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version:d}")
                if current:  # a new file is not news; an upgraded one is
                    log.info("alert state file migrated to schema version %d", version)
        if current > SCHEMA_VERSION:
            log.warning(
                "the alert state file has schema version %d, newer than this release's %d",
                current,
                SCHEMA_VERSION,
            )

    def load_state(self) -> AlertState:
        with self._tx() as db:
            row = db.execute(_SELECT_STATE).fetchone()
        if row is None:
            return AlertState()
        state = AlertState(*row)
        state.failure_notice_sent = bool(state.failure_notice_sent)
        return state

    def save_state(self, state: AlertState) -> None:
        with self._tx() as db:
            db.execute(_UPSERT_STATE, asdict(state))

    def load_config(self) -> AlertConfig | None:
        with self._tx() as db:
            row = db.execute(_SELECT_CONFIG).fetchone()
        if row is None:
            return None
        config = AlertConfig(*row)
        return replace(config, critical_set=bool(config.critical_set))

    def save_config(self, config: AlertConfig) -> None:
        with self._tx() as db:
            db.execute(_UPSERT_CONFIG, asdict(config))


class FileSenderLock:
    """An exclusive lock on ``<state file>.lock``: only its holder posts alerts.

    The operating system releases it when the holder dies, even by SIGKILL, so a standby takes over.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._file: IO[str] | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._file is not None:
                return True
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: one process per state file is up to you
                log.warning("no file locking on this platform; run one bot process per state file")
                self._file = open(os.devnull)  # noqa: SIM115
                return True
            _private_file(self.path)
            handle = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the lock
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {time.time():.0f}\n")
            handle.flush()
            self._file = handle
            return True

    def release(self) -> None:
        with self._mutex:
            if self._file is not None:
                self._file.close()  # closing drops the flock
                self._file = None
