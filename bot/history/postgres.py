"""History and the digest log in the PostgreSQL database of the alert state (``DATABASE_URL``).

The tables come with the store's versioned migrations (:data:`bot.alerts.postgres.MIGRATIONS`), run
at start-up under the migration advisory lock; every write is one transaction, retried once on a lost
connection like the alert state's (each is safe to run twice: samples are unique by time, the digest
log by day, and a compaction run twice changes nothing the second time).
"""

from __future__ import annotations

from typing import Any

import psycopg

from bot.alerts.postgres import PostgresAlertStore
from bot.history import retention
from bot.history.store import COLUMNS, Sample, row

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM balance_history"  # noqa: S608 - our own column names
_INSERT = (
    f"INSERT INTO balance_history ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (resolution, at) DO NOTHING"
)


class _Rows:
    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def select(self, where: str, args: tuple[float | int, ...]) -> list[Sample]:
        query = f"{_SELECT} WHERE {where} ORDER BY at"
        return [Sample(*row) for row in self.cur.execute(query, args).fetchall()]

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
            self.cur.executemany(_INSERT, [row(s) for s in samples])


class PostgresStore(PostgresAlertStore):
    """The alert store plus history and the digest log, on one connection."""

    def add_sample(self, sample: Sample) -> None:
        self._run(lambda cur: cur.execute(_INSERT, row(sample)))

    def samples(self, since: float, until: float) -> list[Sample]:
        return self._run(lambda cur: _Rows(cur).select("at >= %s AND at <= %s", (since, until)))

    def compact(self, now: float) -> None:
        self._run(lambda cur: retention.compact(_Rows(cur), now))

    def digest_status(self, day: str) -> str | None:
        row = self._run(
            lambda cur: cur.execute("SELECT status FROM digest_log WHERE day = %s", (day,)).fetchone()
        )
        return str(row[0]) if row else None

    def record_digest(self, day: str, status: str, at: float) -> bool:
        def insert(cur: psycopg.Cursor[Any]) -> bool:
            cur.execute(
                "INSERT INTO digest_log (day, status, at) VALUES (%s, %s, %s) ON CONFLICT (day) DO NOTHING",
                (day, status, at),
            )
            return cur.rowcount == 1

        return self._run(insert)
