"""Command line: ``python -m bot [serve|balance|check|manifest|history]``.

- ``serve`` (the default): run the Slack bot; Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP.
- ``balance [--subaccount N | --all] [--json] [-v]``: print the Kalshi balance once (one subaccount's,
  or every subaccount's and the sum); ``--why 24h|7d|30d`` what moved it (bot.why_cli).
- ``check [-v]``: check the configuration, the Kalshi credentials, the Slack token and the alert store.
- ``manifest [--http-url https://HOST]``: print the Slack app manifest for Socket Mode or HTTP mode.
- ``history export [--since 7d|30d|90d|all]`` / ``history import FILE|-``: the balance history as CSV,
  out of or into the store (DATABASE_URL, else BOT_STATE_PATH); only the store is configured for them.

Exit codes, the same for every command: 0 success, 1 a check or the Kalshi read failed, 2 the
configuration (or a command-line argument) is invalid. ``balance`` and ``check`` keep the retry log
lines to themselves unless ``-v`` is given.
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
from bot.app import make_kalshi_client
from bot.balance import BalanceReader
from bot.config import ConfigError, Mode, Settings, load_settings
from bot.domain.money import format_cents, format_dollars
from bot.domain.numbers import whole_number
from bot.history_csv import PERIODS
from bot.kalshi import KalshiError
from bot.kalshi.models import SUBACCOUNTS, SubaccountBalances

EXIT_FAILED = 1
EXIT_CONFIG = 2  # argparse exits with 2 on a bad argument too


def _cli_log_level(verbose: bool) -> str:
    """One-shot commands say what failed themselves; the retries behind it are for ``-v``."""
    return "INFO" if verbose else "ERROR"


def _load(mode: Mode, transport: str = "auto") -> Settings | None:
    try:
        return load_settings(os.environ, mode, transport)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def cmd_balance(
    as_json: bool, verbose: bool = False, subaccount: int | None = None, every: bool = False
) -> int:
    settings = _load(Mode.KALSHI)
    if settings is None:
        return EXIT_CONFIG
    logs.setup(_cli_log_level(verbose), settings.secrets())
    demo = "  (DEMO)" if settings.kalshi.demo else ""
    with make_kalshi_client(settings.kalshi) as client:
        reader = BalanceReader(client, freshness_seconds=0)  # the one read path, as the bot reads
        try:
            if every:
                subaccounts = reader.read_all().subaccounts
            else:
                balance = reader.read(subaccount=subaccount).balance
        except KalshiError as exc:  # at most two lines: what failed, and what to do about it
            print(f"error: {_one_line(str(exc))}", file=sys.stderr)
            hint = exc.hint()
            if hint:
                print(f"hint: {_one_line(hint)}", file=sys.stderr)
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
    number = whole_number(text) if len(text) <= 2 else None
    if number is None or number not in SUBACCOUNTS:
        raise argparse.ArgumentTypeError("a subaccount is a number from 0 (primary) to 63")
    return number


def cmd_why(period: str, subaccount: int | None, as_json: bool, verbose: bool) -> int:
    from bot.why_cli import run

    outcome = run(period, subaccount, as_json, verbose, os.environ)
    for line in outcome.out:
        print(line)
    for line in outcome.err:
        print(line, file=sys.stderr)
    return outcome.code


def cmd_check(verbose: bool = False) -> int:
    from bot.checks import load, run_checks

    settings, problems = load(os.environ)  # once: the checks and the log's secret filter share it
    logs.setup(_cli_log_level(verbose), settings.secrets() if settings else ())
    ok = True
    for line_ok, line in run_checks(settings, problems):
        print(f"{'!' if line_ok is None else '✓' if line_ok else '✗'} {line}")  # !: passed, with a warning
        ok = ok and line_ok is not False
    if problems:
        return EXIT_CONFIG
    return 0 if ok else EXIT_FAILED


def cmd_manifest(http_url: str | None) -> int:
    from bot.slack.manifest import manifest_text

    sys.stdout.write(manifest_text(http_url))
    return 0


def _http_url(value: str) -> str:
    from bot.slack.manifest import ManifestError, events_url

    try:
        events_url(value)
    except ManifestError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def cmd_history(action: str, since: str, path: str | None, verbose: bool = False) -> int:
    from bot.history_cli import run

    return run(action, since, path, verbose=verbose)


def cmd_serve(transport: str) -> int:
    settings = _load(Mode.SERVE, transport)
    if settings is None:
        return EXIT_CONFIG
    logs.setup(settings.log_level, settings.secrets(), settings.library_log_level)
    from bot.app import build_runtime
    from bot.slack.server import serve

    return serve(build_runtime(settings), settings)


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
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", help="also print the log (retries)")
    balance = sub.add_parser("balance", parents=[verbose], help="print the Kalshi balance once")
    balance.add_argument("--json", action="store_true", help="print JSON (cents, exact dollars)")
    which = balance.add_mutually_exclusive_group()
    which.add_argument(
        "--subaccount", type=_subaccount, metavar="N", help="one subaccount: 0 (primary) to 63"
    )
    which.add_argument("--all", action="store_true", help="every subaccount's balance and the sum")
    balance.add_argument(
        "--why",
        choices=["24h", "7d", "30d"],
        help="what moved the balance over the period, and what it leaves unexplained",
    )
    sub.add_parser("check", parents=[verbose], help="check the configuration and the credentials")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (Socket Mode unless --http-url)")
    manifest.add_argument(
        "--http-url",
        type=_http_url,
        metavar="https://HOST",
        help="HTTP mode: Socket Mode off, every request URL on https://HOST/slack/events",
    )
    history = sub.add_parser("history", help="export or import the balance history as CSV")
    history_sub = history.add_subparsers(dest="action", required=True)
    export = history_sub.add_parser(
        "export", parents=[verbose], help="write the history as CSV to standard output, oldest first"
    )
    export.add_argument("--since", choices=list(PERIODS), default="all", help="the period (default: all)")
    into = history_sub.add_parser(
        "import", parents=[verbose], help="add the samples of a CSV file (time,balance,portfolio_value)"
    )
    into.add_argument("file", metavar="FILE", help="the CSV file; - for standard input")
    args = parser.parse_args(argv)

    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        if args.command == "balance" and args.why:
            if args.all:
                parser.error("--why takes --subaccount N or the account, not --all")
            return cmd_why(args.why, args.subaccount, args.json, args.verbose)
        if args.command == "balance":
            return cmd_balance(args.json, args.verbose, args.subaccount, args.all)
        if args.command == "check":
            return cmd_check(args.verbose)
        if args.command == "manifest":
            return cmd_manifest(args.http_url)
        if args.command == "history":
            return cmd_history(
                args.action, getattr(args, "since", "all"), getattr(args, "file", None), args.verbose
            )
        return cmd_serve(getattr(args, "mode", "auto"))
    except KeyboardInterrupt:
        return 130
    except Exception:  # the last line of defence: one line for the person, the detail for the operator
        logging.getLogger("bot").exception("unexpected error")
        print("error: an unexpected error stopped the bot; the log above has the details", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
