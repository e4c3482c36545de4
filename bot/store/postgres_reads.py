"""The PostgreSQL store's bounded history reads (:class:`bot.domain.buckets.HistoryReads`), inside one
read-only snapshot: each returns a known number of rows, found through the index on the samples' time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from bot.domain.buckets import Bucket
from bot.domain.history import COLUMNS, Sample
from bot.store.history_sql import SELECT_SAMPLES, oldest_query

_LAST = f"""
SELECT {", ".join("h." + c for c in COLUMNS)}
FROM unnest(%s::float8[]) WITH ORDINALITY AS t(upto, i)
LEFT JOIN LATERAL (
    {SELECT_SAMPLES} WHERE at = (SELECT max(at) FROM balance_history WHERE at <= t.upto AND at >= %s::float8)
    ORDER BY resolution DESC LIMIT 1
) h ON true
ORDER BY t.i
"""  # noqa: S608 - our own column names
# One row per bucket: its index (the same arithmetic as bot.domain.buckets.slot_of), its last row's
# time and figures, its lowest and highest, and its number of rows.
_BUCKETS = """
WITH b AS (
    SELECT floor((at - %(since)s::float8) / %(width)s::float8)::bigint AS i, max(at) AS last_at,
           min(low_cents) AS low, max(high_cents) AS high, count(*) AS n
    FROM balance_history WHERE at >= %(since)s::float8 AND at <= %(until)s::float8 GROUP BY 1
)
SELECT b.i, b.last_at, h.balance_cents, h.portfolio_value_cents, b.low, b.high, b.n
FROM b CROSS JOIN LATERAL (
    SELECT balance_cents, portfolio_value_cents FROM balance_history
    WHERE at = b.last_at ORDER BY resolution DESC LIMIT 1
) h
ORDER BY b.i
"""


class PostgresReads:
    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def oldest(
        self,
        since: float,
        until: float,
        limit: int,
        *,
        low_cents: int | None = None,
        high_cents: int | None = None,
    ) -> list[Sample]:
        query, args = oldest_query("%s", (since, until), limit, low_cents=low_cents, high_cents=high_cents)
        return [Sample(*r) for r in self.cur.execute(query, args).fetchall()]

    def last_at_or_before(self, times: Sequence[float], since: float) -> list[Sample | None]:
        found = self.cur.execute(_LAST, ([float(t) for t in times], float(since))).fetchall()
        return [Sample(*r) if r[0] is not None else None for r in found]

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        args = {"since": float(since), "until": float(until), "width": float(width_seconds)}
        return [
            Bucket(since + i * width_seconds, last_at, cents, portfolio, low, high, n)
            for i, last_at, cents, portfolio, low, high, n in self.cur.execute(_BUCKETS, args).fetchall()
        ]
