"""Command line: ``python -m bot [serve|balance|check]``.

- ``serve`` (the default): run the Slack bot; Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP.
- ``balance [--subaccount N | --all] [--json]``: print the Kalshi balance once (one subaccount's, or
  every subaccount's and the sum).
- ``check``: check the configuration, the Kalshi credentials, the Slack token and the alert store.

Exit codes: 0 success, 1 a check or the Kalshi read failed, 2 the configuration is invalid.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dotenv import load_dotenv

from bot import logs
from bot.balance import BalanceReader
from bot.config import ConfigError, Mode, Settings, load_settings
from bot.kalshi import KalshiError
from bot.kalshi.models import SUBACCOUNTS, SubaccountBalances
from bot.money import format_cents, format_dollars
from bot.runtime import make_kalshi_client

EXIT_FAILED = 1
EXIT_CONFIG = 2


def _load(mode: Mode, transport: str = "auto") -> Settings | None:
    try:
        return load_settings(os.environ, mode, transport)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return None


def cmd_balance(as_json: bool, subaccount: int | None = None, every: bool = False) -> int:
    settings = _load(Mode.KALSHI)
    if settings is None:
        return EXIT_CONFIG
    logs.setup("WARNING", settings.secrets())
    demo = "  (DEMO)" if settings.kalshi.demo else ""
    with make_kalshi_client(settings.kalshi) as client:
        reader = BalanceReader(client, freshness_seconds=0)  # the one read path, as the bot reads
        try:
            if every:
                subaccounts = reader.read_all().subaccounts
            else:
                balance = reader.read(subaccount=subaccount).balance
        except KalshiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            hint = exc.hint()
            if hint:
                print(f"hint: {hint}", file=sys.stderr)
            return EXIT_FAILED
    if every:
        if as_json:
            print(json.dumps(subaccounts.to_json()))
        else:
            _print_subaccounts(subaccounts, demo)
        return 0
    if as_json:
        figures = balance.to_json()
        if subaccount is not None:
            figures["subaccount"] = subaccount
        print(json.dumps(figures))
        return 0
    if subaccount is not None:
        print(f"Subaccount         {subaccount}{' (primary)' if subaccount == 0 else ''}")
    print(f"Available balance  {format_dollars(balance.available_dollars)}")
    print(f"Portfolio value    {format_cents(balance.portfolio_value_cents)}")
    print(f"Total              {format_dollars(balance.total_dollars)}")
    print(f"Updated            {_utc(balance.updated_ts)}{demo}")
    return 0


def _utc(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _print_subaccounts(subaccounts: SubaccountBalances, demo: str) -> None:
    rows = [
        (
            "Primary (0)" if s.primary else str(s.subaccount),
            format_dollars(s.balance_dollars),
            _utc(s.updated_ts),
        )
        for s in subaccounts.subaccounts
    ]
    total = format_dollars(subaccounts.total_dollars)
    width = max([len(r[1]) for r in rows] + [len(total), len("Balance")])
    print(f"{'Subaccount':<12} {'Balance':>{width}}  Updated")
    for name, amount, updated in rows:
        print(f"{name:<12} {amount:>{width}}  {updated}")
    print(f"{'Total':<12} {total:>{width}}{demo}")


def _subaccount(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) not in SUBACCOUNTS:
        raise argparse.ArgumentTypeError("a subaccount is a number from 0 (primary) to 63")
    return int(text)


def cmd_check() -> int:
    from bot.checks import run_checks

    ok = True
    for line_ok, line in run_checks(os.environ):  # None: a warning, not a failed check
        print(f"{'!' if line_ok is None else '✓' if line_ok else '✗'} {line}")
        ok = ok and line_ok is not False
    return 0 if ok else EXIT_FAILED


def cmd_serve(transport: str) -> int:
    settings = _load(Mode.SERVE, transport)
    if settings is None:
        return EXIT_CONFIG
    logs.setup(settings.log_level, settings.secrets())
    from bot.slack.server import serve

    return serve(settings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Kalshi balance bot for Slack.")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the Slack bot (default)")
    serve.add_argument(
        "--mode",
        choices=["auto", "http", "socket"],
        default="auto",
        help="auto (default): Socket Mode when SLACK_APP_TOKEN is set, else HTTP",
    )
    balance = sub.add_parser("balance", help="print the Kalshi balance once")
    balance.add_argument("--json", action="store_true", help="print JSON with the figures in cents")
    which = balance.add_mutually_exclusive_group()
    which.add_argument(
        "--subaccount", type=_subaccount, metavar="N", help="one subaccount: 0 (primary) to 63"
    )
    which.add_argument("--all", action="store_true", help="every subaccount's balance and the sum")
    sub.add_parser("check", help="check the configuration and the credentials")
    args = parser.parse_args(argv)

    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        if args.command == "balance":
            return cmd_balance(args.json, args.subaccount, args.all)
        if args.command == "check":
            return cmd_check()
        return cmd_serve(getattr(args, "mode", "auto"))
    except KeyboardInterrupt:
        return 130
    except Exception:  # the last line of defence: one line for the person, the detail for the operator
        logging.getLogger("bot").exception("unexpected error")
        print("error: an unexpected error stopped the bot; the log above has the details", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
