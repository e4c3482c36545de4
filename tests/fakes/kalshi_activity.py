"""The fake Kalshi's activity endpoints (mounted by tests.fakes.kalshi.FakeKalshi): fills, settlements,
deposits, withdrawals and subaccount transfers, with the field names and mixed units of
kalshi-python-sync 3.34 (see tests/test_kalshi_shapes.py), Kalshi's page limits, and ``cursor`` pages.

- fills and settlements: filtered by ``min_ts``/``max_ts`` and ``subaccount`` (left out: every subaccount);
- deposits, withdrawals, transfers: ``limit`` and ``cursor`` only; any other parameter is refused, as a
  mistake in the bot would be worth seeing;
- every list newest first; the cursor is opaque (an offset in base64), empty or absent on the last page.
"""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

FILLS = "/portfolio/fills"
SETTLEMENTS = "/portfolio/settlements"
DEPOSITS = "/portfolio/deposits"
WITHDRAWALS = "/portfolio/withdrawals"
TRANSFERS = "/portfolio/subaccounts/transfers"
ACTIVITY_PATHS = frozenset({FILLS, SETTLEMENTS, DEPOSITS, WITHDRAWALS, TRANSFERS})

FIELDS = {
    FILLS: "fills",
    SETTLEMENTS: "settlements",
    DEPOSITS: "deposits",
    WITHDRAWALS: "withdrawals",
    TRANSFERS: "transfers",
}
MAX_LIMITS = {FILLS: 1000, SETTLEMENTS: 1000, DEPOSITS: 500, WITHDRAWALS: 500, TRANSFERS: 1000}
TIME_FILTERED = frozenset({FILLS, SETTLEMENTS})
OUTCOME = {("buy", "yes"): "yes", ("sell", "no"): "yes", ("buy", "no"): "no", ("sell", "yes"): "no"}
BOOK = {"yes": "bid", "no": "ask"}


def rfc3339(ts: int, fraction: str = "") -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


_ids = iter(range(1, 10**9))


def fill(
    ticker: str,
    ts: int,
    *,
    action: str = "buy",
    side: str = "yes",
    count: str = "1.00",
    yes_price: str = "0.5600",
    fee: str = "0.0100",
    subaccount: int = 0,
    legacy: bool = True,
) -> dict[str, Any]:
    """A ``Fill`` as 3.34 sends it; ``legacy=False`` leaves out the deprecated ``action``/``side``."""
    fill_id = f"f-{next(_ids)}"
    outcome = OUTCOME[(action, side)]
    no_price = f"{1 - Decimal(yes_price):.4f}"
    body: dict[str, Any] = {
        "fill_id": fill_id,
        "trade_id": fill_id,
        "order_id": f"o-{fill_id}",
        "exchange_index": 0,
        "ticker": ticker,
        "market_ticker": ticker,
        "outcome_side": outcome,
        "book_side": BOOK[outcome],
        "count_fp": count,
        "yes_price_dollars": yes_price,
        "no_price_dollars": no_price,
        "is_taker": True,
        "created_time": rfc3339(ts, ".123456789"),
        "fee_cost": fee,
        "subaccount_number": subaccount,
        "ts": ts,
    }
    if legacy:
        body |= {"action": action, "side": side}
    return body


def settlement(
    ticker: str, ts: int, *, result: str = "yes", revenue: int = 100, fee: str = "0.0000", subaccount: int = 0
) -> dict[str, Any]:
    """A ``Settlement``: ``revenue`` in cents beside ``fee_cost`` in dollars and counts in fixed point.
    ``subaccount`` is not a field of Kalshi's: the fake uses it to filter, and drops it when serving."""
    return {
        "ticker": ticker,
        "exchange_index": 0,
        "event_ticker": ticker.rsplit("-", 1)[0],
        "market_result": result,
        "yes_count_fp": "1.00",
        "yes_total_cost_dollars": "0.5600",
        "no_count_fp": "0.00",
        "no_total_cost_dollars": "0.0000",
        "revenue": revenue,
        "settled_time": rfc3339(ts),
        "fee_cost": fee,
        "value": 100,
        "_subaccount": subaccount,
    }


def funding(
    amount_cents: int,
    created_ts: int,
    *,
    status: str = "applied",
    fee_cents: int = 0,
    finalized_ts: int | None = None,
    kind: str = "ach",
) -> dict[str, Any]:
    """A ``Deposit`` or ``Withdrawal`` (the same fields): cents only."""
    body: dict[str, Any] = {
        "id": f"d-{next(_ids)}",
        "status": status,
        "type": kind,
        "amount_cents": amount_cents,
        "fee_cents": fee_cents,
        "created_ts": created_ts,
    }
    if finalized_ts is not None:
        body["finalized_ts"] = finalized_ts
    return body


def transfer(from_subaccount: int, to_subaccount: int, amount_cents: int, created_ts: int) -> dict[str, Any]:
    return {
        "transfer_id": f"t-{next(_ids)}",
        "from_subaccount": from_subaccount,
        "to_subaccount": to_subaccount,
        "amount_cents": amount_cents,
        "created_ts": created_ts,
        "exchange_index": 0,
    }


def _when(path: str, row: dict[str, Any]) -> int:
    if path == FILLS:
        return int(row["ts"])
    if path == SETTLEMENTS:
        return int(datetime.fromisoformat(row["settled_time"].replace("Z", "+00:00")).timestamp())
    return int(row["created_ts"])


def _invalid(message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"code": "invalid_parameters", "message": message, "service": "api"}


class FakeActivity:
    """What the activity endpoints list; tests fill the lists with the builders above."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {path: [] for path in ACTIVITY_PATHS}
        self._lock = threading.Lock()

    def add(self, path: str, *rows: dict[str, Any]) -> None:
        with self._lock:
            self.rows[path].extend(rows)

    def reset(self) -> None:
        with self._lock:
            for rows in self.rows.values():
                rows.clear()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        one = {k: v[-1] for k, v in query.items()}
        allowed = {"limit", "cursor"}
        if path in TIME_FILTERED:
            allowed |= {"min_ts", "max_ts", "subaccount"}
        if set(one) - allowed:
            return _invalid(f"unknown parameter {sorted(set(one) - allowed)[0]}")
        try:
            limit = int(one.get("limit", "100"))
            offset = int(base64.urlsafe_b64decode(one["cursor"]).decode()) if one.get("cursor") else 0
            low, high = int(one.get("min_ts", "0")), int(one.get("max_ts", str(2**62)))
            sub = int(one["subaccount"]) if "subaccount" in one else None
        except ValueError:
            return _invalid("invalid parameters")
        if not 1 <= limit <= MAX_LIMITS[path]:
            return _invalid(f"limit must be 1 to {MAX_LIMITS[path]}")
        with self._lock:
            rows = [r for r in self.rows[path] if low <= _when(path, r) <= high]
        if sub is not None:
            rows = [r for r in rows if r.get("subaccount_number", r.get("_subaccount", 0)) == sub]
        rows.sort(key=lambda r: _when(path, r), reverse=True)
        chunk = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows[offset : offset + limit]]
        more = offset + limit < len(rows)
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else ""
        body: dict[str, Any] = {FIELDS[path]: chunk}
        if more or path in TIME_FILTERED:  # GetFillsResponse requires it; the others may leave it out
            body["cursor"] = cursor
        return 200, body
