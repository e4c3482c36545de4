"""The at-least-once window: how long between Slack accepting an alert and the state being committed.

    python -m benchmarks.commit_window [--messages 200] [--postgres]

Runs the real alert monitor (bot.jobs.alerts) over the real store, SQLite in a temporary folder or,
with --postgres, a throwaway PostgreSQL server (tests/postgres_server.py), with a balance that swings
below and above the threshold so that every check posts a message. For each message it measures the time
from the post returning "ok" to the commit returning: a SIGKILL inside that window makes the restarted
bot send the message again (README: "Delivery is at least once"). It reports p50 / p99 / max and, from
them, the chance that a kill at a random moment lands in the window for a given message rate.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bot.balance import BalanceReader
from bot.domain.alert_state import AlertState
from bot.domain.levels import Policy
from bot.jobs.alerts import AlertMonitor
from bot.jobs.notifier import Delivery
from bot.kalshi.models import Balance
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store import AlertStore


class Swing:
    """Below, then above the threshold plus its margin: every check is a transition, so every check posts."""

    def __init__(self) -> None:
        self._values = itertools.cycle([100_00, 400_00])

    def get_balance(self) -> Balance:
        return Balance(next(self._values), 0, 1)


class Timed:
    """The store, noting when the first save after each accepted post returns."""

    def __init__(self, store: AlertStore) -> None:
        self.store = store
        self.accepted_at: float | None = None
        self.windows: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def save_state(self, state: AlertState) -> None:
        self.store.save_state(state)
        if self.accepted_at is not None:
            self.windows.append(time.perf_counter() - self.accepted_at)
            self.accepted_at = None


def measure(store: AlertStore, messages: int) -> list[float]:
    timed = Timed(store)

    def post(_message: Message) -> Delivery:
        timed.accepted_at = time.perf_counter()  # Slack said "ok" here
        return Delivery(True)

    policy = Policy("C0ALERTS1", 250_00, 60.0, None, 10_00, 3)
    monitor = AlertMonitor(policy, BalanceReader(Swing(), 0), timed, SlackNotifier(post))  # type: ignore[arg-type]
    for _ in range(messages):
        monitor.tick()
    return timed.windows


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, windows: list[float]) -> None:
    mean = statistics.fmean(windows)
    print(
        f"| {name} | {len(windows)} | {pct(windows, 50) * 1000:.2f} ms | {pct(windows, 99) * 1000:.2f} ms "
        f"| {max(windows) * 1000:.2f} ms | {mean / 60:.1e} | {mean / 3600 * 3:.1e} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL (needs its binaries)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(
        "| store | messages | window p50 | window p99 | max | P(kill in window), one message a minute "
        "| P(kill in window), three messages an hour |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    from bot.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SQLiteStore(Path(tmp) / "state.sqlite3")
        report("SQLite (WAL, full sync)", measure(sqlite, args.messages))
        sqlite.close()
    if args.postgres:
        from bot.store.postgres import PostgresStore
        from tests.postgres_server import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL binaries not found; skipped")
            return
        server = PostgresServer(bindir).start()
        try:
            store = PostgresStore(server.new_database())
            report("PostgreSQL (127.0.0.1)", measure(store.for_jobs(), args.messages))
            store.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
