"""Waiting in tests: for an event, with a deadline; never a bare sleep.

The bot's own checks are counted by what they leave in its store (SQLite file or PostgreSQL), read from
outside the process. One pass of the bot's loop runs the alert check, then the history sample, which
takes the alert check's reading, then the digest job (bot/background.py). So a sample of a reading that
came back after a moment shows an alert check that read the balance after that moment and has finished,
message and all; the sample after it shows that the pass's digest job has finished too. A test that must
see "two more checks, and nothing posted" waits for two such samples instead of sleeping two intervals.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.bot_process import BotProcess

T = TypeVar("T")

POLL_SECONDS = 0.02


def wait_until(condition: Callable[[], T], timeout: float = 15, what: str = "a condition") -> T:
    """The first truthy value of ``condition()``, polled until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(POLL_SECONDS)


def wait_log(bot: BotProcess, text: str, count: int = 1, timeout: float = 15) -> list[str]:
    """The bot's log lines holding ``text``, once there are ``count`` of them."""

    def lines() -> list[str]:
        found = [line for line in bot.logs().splitlines() if text in line]
        return found if len(found) >= count else []

    return wait_until(lines, timeout, f"{count} log line(s) with {text!r} from the bot")


def store_row(bot: BotProcess, query: str) -> tuple[Any, ...] | None:
    """The first row of ``query`` on the bot's store; None while the table is not there yet."""
    if "DATABASE_URL" in bot.env:
        import psycopg

        with psycopg.connect(bot.env["DATABASE_URL"]) as conn:
            try:
                return conn.execute(query).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
    with contextlib.closing(sqlite3.connect(bot.env["BOT_STATE_PATH"])) as db:
        try:
            return db.execute(query).fetchone()
        except sqlite3.OperationalError:  # no such table: the bot has not created it yet
            return None


def committed_state(bot: BotProcess) -> str | None:
    """The alert state as committed in the bot's store."""
    row = store_row(bot, "SELECT state FROM alert_state WHERE id = 1")
    return str(row[0]) if row else None


def wait_committed(bot: BotProcess, state: str, timeout: float = 10) -> None:
    wait_until(lambda: committed_state(bot) == state, timeout, f"the alert state committed as {state}")


def checks_since(bot: BotProcess, since: float) -> int:
    """How many of the bot's checks read the balance after ``since`` (unix time) and have finished."""
    query = f"SELECT count(*) FROM balance_history WHERE resolution = 0 AND at > {float(since)!r}"  # noqa: S608
    row = store_row(bot, query)
    return int(row[0]) if row else 0


def wait_checks(bot: BotProcess, count: int = 2, *, since: float | None = None, timeout: float = 20) -> None:
    """Wait until ``count`` checks that read the balance after ``since`` (default: now) have finished:
    what they were to post has been posted. Needs the bot's checks on (alerts, digest or history)."""
    start = time.time() if since is None else since
    wait_until(lambda: checks_since(bot, start) >= count, timeout, f"{count} check(s) of the bot")
