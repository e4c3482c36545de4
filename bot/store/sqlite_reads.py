"""The SQLite store's bounded history reads (:class:`bot.domain.buckets.HistoryReads`), inside one read
transaction: each returns a known number of rows, found through the index on the samples' time."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.domain.buckets import Bucket
from bot.domain.history import Sample
from bot.store.history_sql import SELECT_SAMPLES, oldest_query

_LAST = (
    f"{SELECT_SAMPLES} WHERE at = (SELECT max(at) FROM balance_history WHERE at <= ? AND at >= ?) "  # noqa: S608
    "ORDER BY resolution DESC LIMIT 1"
)
# One row per bucket: its index (the same arithmetic as bot.domain.buckets.slot_of), its last row's
# time and figures, its lowest and highest, and its number of rows.
_BUCKETS = """
WITH b AS (
    SELECT CAST((at - :since) / :width AS INTEGER) AS i, max(at) AS last_at,
           min(low_cents) AS low, max(high_cents) AS high, count(*) AS n
    FROM balance_history WHERE at >= :since AND at <= :until GROUP BY i
)
SELECT b.i, b.last_at, h.balance_cents, h.portfolio_value_cents, b.low, b.high, b.n
FROM b JOIN balance_history h ON h.rowid = (
    SELECT rowid FROM balance_history WHERE at = b.last_at ORDER BY resolution DESC LIMIT 1
)
ORDER BY b.i
"""


class SQLiteReads:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def oldest(
        self,
        since: float,
        until: float,
        limit: int,
        *,
        low_cents: int | None = None,
        high_cents: int | None = None,
    ) -> list[Sample]:
        query, args = oldest_query("?", (since, until), limit, low_cents=low_cents, high_cents=high_cents)
        return [Sample(*r) for r in self.db.execute(query, args)]

    def last_at_or_before(self, times: Sequence[float], since: float) -> list[Sample | None]:
        found = (self.db.execute(_LAST, (float(t), float(since))).fetchone() for t in times)
        return [Sample(*r) if r else None for r in found]

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        args = {"since": float(since), "until": float(until), "width": float(width_seconds)}
        return [
            Bucket(since + i * width_seconds, last_at, cents, portfolio, low, high, n)
            for i, last_at, cents, portfolio, low, high, n in self.db.execute(_BUCKETS, args)
        ]
