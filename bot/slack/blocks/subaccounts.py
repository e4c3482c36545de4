"""The one-line subaccount summary the digest and the Home tab show when there are several."""

from __future__ import annotations

from collections.abc import Sequence

from bot.money import format_cents

MAX_SHOWN = 20


def subaccount_line(rows: Sequence[tuple[int, int]] | None) -> str | None:
    """``Subaccounts: #0 $1.00 · #1 $2.00``; ``None`` unless there are at least two."""
    if rows is None or len(rows) < 2:
        return None
    shown = " · ".join(f"#{number} {format_cents(cents)}" for number, cents in sorted(rows)[:MAX_SHOWN])
    more = f" · and {len(rows) - MAX_SHOWN} more" if len(rows) > MAX_SHOWN else ""
    return f"Subaccounts ({len(rows)}): {shown}{more}"
