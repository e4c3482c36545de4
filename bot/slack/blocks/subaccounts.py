"""Subaccounts, two surfaces:

- the ``/balance all`` reply: every subaccount's balance in one table, the sum, and a Refresh button.
  Slack's ``table`` block holds up to 100 rows, so Kalshi's 64 subaccounts (0 = primary, 1..63), the
  heading and the total fit in one, right-aligned amounts and each update time in the reader's own time
  zone. The ``text`` fallback lists the same figures for notifications and screen readers;
- the one-line subaccount summary the digest and the Home tab show when there are several.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot.balance import SubaccountsReading
from bot.domain.money import format_dollars
from bot.kalshi.models import SubaccountBalance
from bot.slack.blocks.balance import refresh_button
from bot.slack.blocks.base import (
    DEMO_NOTE,
    Block,
    Message,
    build,
    context,
    freshness,
    header,
    section,
    utc_text,
)

Cell = dict[str, Any]

MAX_SHOWN = 20


def subaccount_line(rows: Sequence[tuple[int, Decimal]] | None) -> str | None:
    """``Subaccounts (2): #0 $1.00 · #1 $2.3456``, exact dollars; ``None`` unless there are at least two."""
    if rows is None or len(rows) < 2:
        return None
    shown = " · ".join(f"#{number} {format_dollars(amount)}" for number, amount in sorted(rows)[:MAX_SHOWN])
    more = f" · and {len(rows) - MAX_SHOWN} more" if len(rows) > MAX_SHOWN else ""
    return f"Subaccounts ({len(rows)}): {shown}{more}"


def _text(value: str) -> Cell:
    return {"type": "raw_text", "text": value}


def _date(ts: int) -> Cell:
    """A rich-text date cell: Slack shows it in the reader's time zone, with a UTC fallback."""
    return {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {
                        "type": "date",
                        "timestamp": ts,
                        "format": "{date_short_pretty} {time}",
                        "fallback": utc_text(ts),
                    }
                ],
            }
        ],
    }


def name(entry: SubaccountBalance) -> str:
    return "Primary (0)" if entry.primary else str(entry.subaccount)


def _table(reading: SubaccountsReading) -> Block:
    rows: list[list[Cell]] = [[_text("Subaccount"), _text("Balance"), _text("Updated")]]
    for entry in reading.subaccounts.subaccounts:
        rows.append(
            [_text(name(entry)), _text(format_dollars(entry.balance_dollars)), _date(entry.updated_ts)]
        )
    rows.append([_text("Total"), _text(format_dollars(reading.subaccounts.total_dollars)), _text("")])
    return {
        "type": "table",
        "column_settings": [{"is_wrapped": False}, {"align": "right"}, {"is_wrapped": False}],
        "rows": rows,
    }


def subaccounts_message(reading: SubaccountsReading, *, demo: bool, now: float) -> Message:
    entries = reading.subaccounts.subaccounts
    total = format_dollars(reading.subaccounts.total_dollars)
    demo_tag = " (DEMO)" if demo else ""
    fresh = freshness(reading.age(now))
    count = f"{len(entries)} subaccount{'s' if len(entries) != 1 else ''}"
    listed = "; ".join(
        f"{name(e).lower()} {format_dollars(e.balance_dollars)} (updated {utc_text(e.updated_ts)})"
        for e in entries
    )
    text = (
        f"Kalshi balances by subaccount{demo_tag}: {listed or 'none listed'}. "
        f"Total {total} over {count}, {fresh}."
    )
    notes = [f"Cash balance of each subaccount, summed over Kalshi's exchange indexes · {fresh}"]
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks: list[Block] = [
        header(f"Kalshi balances by subaccount{demo_tag}"),
        section(f"*Total {total}* over {count}"),
    ]
    if entries:
        blocks.append(_table(reading))
    blocks += [context(*notes), refresh_button("all")]
    return Message(text, build(*blocks))
