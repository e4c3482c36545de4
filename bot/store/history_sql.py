"""The SQL both stores' history reads share, written once with the driver's placeholder as a parameter."""

from __future__ import annotations

from bot.domain.history import COLUMNS

SELECT_SAMPLES = f"SELECT {', '.join(COLUMNS)} FROM balance_history"  # noqa: S608 - our own column names


def oldest_query(
    mark: str, period: tuple[float, float], limit: int, *, low_cents: int | None, high_cents: int | None
) -> tuple[str, tuple[float | int, ...]]:
    """:meth:`bot.domain.buckets.HistoryReads.oldest` as a query and its arguments; ``mark``: ``?`` or
    ``%s``; ``period``: (since, until). Only placeholders and our own column names go into the text."""
    where, args = [f"at >= {mark}", f"at <= {mark}"], [float(period[0]), float(period[1])]
    for column, value in (("low_cents", low_cents), ("high_cents", high_cents)):
        if value is not None:
            where.append(f"{column} = {mark}")
            args.append(value)
    query = f"{SELECT_SAMPLES} WHERE {' AND '.join(where)} ORDER BY at, resolution LIMIT {mark}"
    return query, (*args, limit)
