"""History and the digest log in the SQLite file of the alert state (the default store).

The tables are created idempotently at start-up (``CREATE TABLE IF NOT EXISTS``), beside the alert
tables; every write is one transaction on the alert store's connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.alerts.sqlite import SQLiteAlertStore
from bot.history import retention
from bot.history.store import COLUMNS, Sample, row

HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS balance_history (
    at REAL NOT NULL,
    balance_cents INTEGER NOT NULL,
    portfolio_value_cents INTEGER NOT NULL,
    low_cents INTEGER NOT NULL,
    high_cents INTEGER NOT NULL,
    resolution INTEGER NOT NULL,
    UNIQUE (resolution, at)
);
CREATE INDEX IF NOT EXISTS balance_history_at ON balance_history (at);
CREATE TABLE IF NOT EXISTS digest_log (
    day TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    at REAL NOT NULL
);
"""

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM balance_history"  # noqa: S608 - our own column names
_INSERT = (
    f"INSERT OR IGNORE INTO balance_history ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(COLUMNS))})"
)


class _Rows:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def select(self, where: str, args: tuple[float | int, ...]) -> list[Sample]:
        return [Sample(*row) for row in self.db.execute(f"{_SELECT} WHERE {where} ORDER BY at", args)]

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
        self.db.executemany(_INSERT, [row(s) for s in samples])


class SQLiteStore(SQLiteAlertStore):
    """The alert store plus history and the digest log, in one file."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with self._lock:
            self._db.executescript(HISTORY_SCHEMA)

    def add_sample(self, sample: Sample) -> None:
        with self._tx() as db:
            db.execute(_INSERT, row(sample))

    def samples(self, since: float, until: float) -> list[Sample]:
        with self._tx() as db:
            return _Rows(db).select("at >= ? AND at <= ?", (since, until))

    def compact(self, now: float) -> None:
        with self._tx() as db:
            retention.compact(_Rows(db), now)

    def digest_status(self, day: str) -> str | None:
        with self._tx() as db:
            row = db.execute("SELECT status FROM digest_log WHERE day = ?", (day,)).fetchone()
        return str(row[0]) if row else None

    def record_digest(self, day: str, status: str, at: float) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO digest_log (day, status, at) VALUES (?, ?, ?)", (day, status, at)
            )
            return cursor.rowcount == 1
