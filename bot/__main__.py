"""Command line: ``python -m bot [serve|balance|check]``.

- ``serve`` (the default): run the Slack bot; Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP.
- ``balance [--json]``: print the Kalshi balance once.
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
from bot.config import ConfigError, Mode, Settings, load_settings
from bot.kalshi import KalshiError
from bot.money import format_cents
from bot.runtime import make_kalshi_client

EXIT_FAILED = 1
EXIT_CONFIG = 2


def _load(mode: Mode, transport: str = "auto") -> Settings | None:
    try:
        return load_settings(os.environ, mode, transport)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return None


def cmd_balance(as_json: bool) -> int:
    settings = _load(Mode.KALSHI)
    if settings is None:
        return EXIT_CONFIG
    logs.setup("WARNING", settings.secrets())
    with make_kalshi_client(settings.kalshi) as client:
        try:
            balance = client.get_balance()
        except KalshiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            hint = exc.hint()
            if hint:
                print(f"hint: {hint}", file=sys.stderr)
            return EXIT_FAILED
    if as_json:
        print(json.dumps(balance.to_json()))
        return 0
    updated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(balance.updated_ts))
    demo = "  (DEMO)" if settings.kalshi.demo else ""
    print(f"Available balance  {format_cents(balance.balance_cents)}")
    print(f"Portfolio value    {format_cents(balance.portfolio_value_cents)}")
    print(f"Total              {format_cents(balance.total_cents)}")
    print(f"Updated            {updated}{demo}")
    return 0


def cmd_check() -> int:
    from bot.checks import run_checks

    ok = True
    for line_ok, line in run_checks(os.environ):
        print(f"{'!' if line_ok is None else '✓' if line_ok else '✗'} {line}")  # !: passed, with a warning
        ok = ok and line_ok is not False
    return 0 if ok else EXIT_FAILED


def cmd_serve(transport: str) -> int:
    settings = _load(Mode.SERVE, transport)
    if settings is None:
        return EXIT_CONFIG
    logs.setup(settings.log_level, settings.secrets(), settings.library_log_level)
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
    sub.add_parser("check", help="check the configuration and the credentials")
    args = parser.parse_args(argv)

    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        if args.command == "balance":
            return cmd_balance(args.json)
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
