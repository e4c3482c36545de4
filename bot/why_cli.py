"""``python -m bot balance --why 24h [--subaccount N] [--json]``: what moved the balance, once.

The starting balance comes from the bot's own history when this machine can read it (the SQLite file at
BOT_STATE_PATH when it exists, or DATABASE_URL); the CLI never creates a store. Exit codes as every
command: 0 every kind read, 1 one failed (the rest still printed), 2 the configuration is invalid.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import logs
from bot.balance import BalanceReader
from bot.config import ConfigError, Mode, load_settings
from bot.config.reader import Reader
from bot.domain.activity import NAMES, Explanation, Funding, Settlements, Trades, Transfers, plural, signed
from bot.domain.money import format_dollars
from bot.why import explain_window

if TYPE_CHECKING:
    from bot.store import Store

EXIT_FAILED = 1
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Outcome:
    """What the command prints (``python -m bot`` prints it) and its exit code."""

    code: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def run(
    period: str, subaccount: int | None, as_json: bool, verbose: bool, environ: Mapping[str, str]
) -> Outcome:
    from bot.app import make_kalshi_client, make_store
    from bot.config import database_url_setting

    reader_env = Reader(environ)
    try:
        settings = load_settings(environ, Mode.KALSHI)
        url = database_url_setting(reader_env)
        if reader_env.problems:
            raise ConfigError(reader_env.problems)
    except ConfigError as exc:
        return Outcome(EXIT_CONFIG, err=[str(exc)])
    settings = replace(settings, database_url=url)
    logs.setup("INFO" if verbose else "ERROR", settings.secrets())
    err: list[str] = []
    store: Store | None = None
    if subaccount is None and (url is not None or settings.state_path.exists()):
        try:
            store, _lock = make_store(settings, patient=True)  # PostgreSQL connects on first use
        except Exception as exc:  # noqa: BLE001 - sqlite3: the activity is still worth printing
            err.append(f"warning: the history could not be opened ({type(exc).__name__})")
    try:
        with make_kalshi_client(settings.kalshi) as client:
            reader = BalanceReader(client, freshness_seconds=0)  # the one read path, as the bot reads
            e = explain_window(reader, client, store, period, subaccount)
    finally:
        if store is not None:
            store.close()
    out = [json.dumps(to_json(e, period))] if as_json else text_lines(e, period, settings.kalshi.demo)
    failures = [(NAMES[kind], error) for kind, error in e.failed]
    if e.ends.now_error is not None:
        failures.append(("balance now", e.ends.now_error))
    err += [
        f"error: the {what} could not be read: {' '.join(str(error).split())}" for what, error in failures
    ]
    return Outcome(EXIT_FAILED if failures else 0, out, err)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def to_json(e: Explanation, period: str) -> dict[str, Any]:
    """Every amount an exact dollar string (as Kalshi sent it, sub-cent digits kept); null when unknown."""
    details: dict[str, Any] = {}
    if e.trades is not None:
        t = e.trades
        details["trades"] = {
            "bought": _money(t.bought),
            "sold": _money(t.sold),
            "fees": _money(t.fees),
            "fills": t.fills,
            "markets": t.markets,
        }
    if e.settlements is not None:
        details["settlements"] = {
            "revenue": _money(e.settlements.revenue),
            "fees": _money(e.settlements.fees),
            "count": e.settlements.count,
        }
    for kind, funding in (("deposits", e.deposits), ("withdrawals", e.withdrawals)):
        if funding is not None:
            details[kind] = {
                "amount": _money(funding.amount),
                "fees": _money(funding.fees),
                "count": funding.count,
            }
    if e.transfers is not None:
        x = e.transfers
        details["transfers"] = {"in": _money(x.into), "out": _money(x.out), "count": x.count}
    parts: dict[str, Trades | Settlements | Funding | Transfers | None] = {
        "trades": e.trades,
        "settlements": e.settlements,
        "deposits": e.deposits,
        "withdrawals": e.withdrawals,
        "transfers": e.transfers,
    }
    ends = e.ends
    return {
        "period": period,
        "subaccount": e.subaccount,
        "window": {"start": _utc(e.start), "end": _utc(e.end), "start_ts": e.start, "end_ts": e.end},
        "balance_start": _money(ends.then),
        "balance_end": _money(ends.now),
        "balance_start_unknown": ends.then_unknown,
        "totals": {kind: None if part is None else _money(part.net) for kind, part in parts.items()},
        "details": details,
        "activity": _money(e.activity),
        "fees": _money(e.fees),
        "change": _money(e.change),
        "unexplained": _money(e.unexplained),
        "markets": [
            {
                "ticker": m.ticker,
                "moved": _money(m.moved),
                "net": _money(m.net),
                "fees": _money(m.fees),
                "fills": m.fills,
            }
            for m in e.markets
        ],
        "partial": list(e.partial),
        "errors": {kind: error.explain() for kind, error in e.failed},
    }


def text_lines(e: Explanation, period: str, demo: bool) -> list[str]:
    def row(label: str, value: str, detail: str = "") -> str:
        return f"{label:<20} {value}" + (f"  ({detail})" if detail else "")

    whose = "" if e.subaccount is None else f", subaccount {e.subaccount}"
    whose += " (DEMO)" if demo else ""
    lines = [f"Why the balance changed, last {period}{whose}: {_utc(e.start)} to {_utc(e.end)}"]
    then = "unknown" if e.ends.then is None else format_dollars(e.ends.then)
    lines.append(row("Balance then", then, e.ends.then_unknown or ""))
    lines.append(row("Balance now", "unknown" if e.ends.now is None else format_dollars(e.ends.now)))
    if e.trades is not None:
        t = e.trades
        money = (
            f"bought {format_dollars(t.bought)}, sold {format_dollars(t.sold)}, fees {format_dollars(t.fees)}"
        )
        lines.append(
            row(
                "Trades",
                signed(t.net),
                f"{money}; {plural(t.fills, 'fill')} on {plural(t.markets, 'market')}",
            )
        )
    if e.settlements is not None:
        s = e.settlements
        lines.append(
            row(
                "Settlements",
                signed(s.net),
                f"revenue {format_dollars(s.revenue)}, fees {format_dollars(s.fees)}",
            )
        )
    for label, funding in (("Deposits", e.deposits), ("Withdrawals", e.withdrawals)):
        if funding is not None:
            lines.append(
                row(
                    label,
                    signed(funding.net),
                    f"{funding.count} applied, fees {format_dollars(funding.fees)}",
                )
            )
    if e.transfers is not None:
        x = e.transfers
        lines.append(
            row("Transfers", signed(x.net), f"in {format_dollars(x.into)}, out {format_dollars(x.out)}")
        )
    lines += [row(NAMES[kind].capitalize(), "could not be read") for kind, _ in e.failed]
    lines.append(row("Sum of the activity", signed(e.activity)))
    lines.append(row("Not explained", "unknown" if e.unexplained is None else format_dollars(e.unexplained)))
    lines += [
        f"partial: the {NAMES[kind]} stopped at the read's bound; these figures are incomplete"
        for kind in e.partial
    ]
    lines += [
        f"  {m.ticker}  moved {format_dollars(m.moved)}, net {signed(m.net)}, fees {format_dollars(m.fees)}"
        for m in e.markets
    ]
    return lines
