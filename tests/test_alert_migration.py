"""Upgrading from the single-level release: its stored state (``low``) becomes the warning level, with
no spurious message, on SQLite and on PostgreSQL. The old stores are written with the old release's
own SQL, kept here verbatim."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.balance import BalanceReader
from bot.domain.alert_state import CRITICAL, OK, WARNING, AlertConfig
from bot.domain.levels import Policy
from bot.jobs.alerts import AlertMonitor
from bot.jobs.notifier import Delivery
from bot.kalshi.models import Balance
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store import AlertStore
from bot.store.postgres import SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SCHEMA_VERSION, SQLiteStore

# The single-level release's SQLite schema, as it created it (columns named after AlertState's fields).
OLD_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state, low_since, last_notified_at, failures, failure_notice_sent, last_error, last_balance_cents, \
last_balance_at, last_check_at
);
CREATE TABLE IF NOT EXISTS alert_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    threshold_cents INTEGER,
    updated_by TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""

# Its PostgreSQL schema version 1, as it created it.
OLD_POSTGRES_SCHEMA = """
CREATE TABLE bot_schema (version integer NOT NULL);
INSERT INTO bot_schema (version) VALUES (1);
CREATE TABLE alert_state (
    id integer PRIMARY KEY CHECK (id = 1),
    state text NOT NULL,
    low_since double precision,
    last_notified_at double precision,
    failures integer NOT NULL,
    failure_notice_sent boolean NOT NULL,
    last_error text,
    last_balance_cents bigint,
    last_balance_at double precision,
    last_check_at double precision
);
CREATE TABLE alert_config (
    id integer PRIMARY KEY CHECK (id = 1),
    threshold_cents bigint,
    updated_by text NOT NULL,
    updated_at double precision NOT NULL
);
"""

LOW_SINCE = 1_799_990_000.0
NOW = 1_800_000_000.0
OLD_STATE_ROW = ("low", LOW_SINCE, LOW_SINCE, 0, False, None, 100_00, NOW - 60, NOW - 60)
INSERT_STATE = (
    "INSERT INTO alert_state (id, state, low_since, last_notified_at, failures, failure_notice_sent, "
    "last_error, last_balance_cents, last_balance_at, last_check_at) VALUES (1, {})"
)
INSERT_CONFIG = "INSERT INTO alert_config (id, threshold_cents, updated_by, updated_at) VALUES (1, {})"


def old_sqlite_file(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SQLITE_SCHEMA)
        db.execute(INSERT_STATE.format(", ".join("?" * 9)), OLD_STATE_ROW)
        db.execute(INSERT_CONFIG.format("?, ?, ?"), (250_00, "U0ADMIN01", NOW - 3600))
    db.close()


def old_postgres_database(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(OLD_POSTGRES_SCHEMA)
        conn.execute(INSERT_STATE.format(", ".join(["%s"] * 9)), OLD_STATE_ROW)
        conn.execute(INSERT_CONFIG.format("%s, %s, %s"), (250_00, "U0ADMIN01", NOW - 3600))


@pytest.fixture(params=["sqlite", "postgres"])
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AlertStore]]:
    """A store written by the single-level release, in a low episode; opening it migrates it."""
    if request.param == "sqlite":
        path = tmp_path / "state.sqlite3"
        old_sqlite_file(path)
        yield lambda: SQLiteStore(path)
        return
    url = request.getfixturevalue("database_url")
    old_postgres_database(url)
    yield lambda: PostgresStore(url)


class Source:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    def get_balance(self) -> Balance:
        return Balance(self.cents, 0, 1)


def monitor(store: AlertStore, source: Source, posts: list[str], **kw: object) -> AlertMonitor:
    def post(message: Message) -> Delivery:
        posts.append(message.text)
        return Delivery(True)

    values: dict[str, Any] = {
        "channel": "C0ALERTS1",
        "default_threshold_cents": 250_00,
        "interval_seconds": 60.0,
        "repeat_seconds": None,
        "rearm_cents": 10_00,
        "failures_before_notice": 3,
    }
    values.update(kw)
    reader = BalanceReader(source, freshness_seconds=0)
    policy = Policy(**values)
    notifier = SlackNotifier(post, demo=policy.demo, mentions=policy.mentions)
    return AlertMonitor(policy, reader, store, notifier, wall=lambda: NOW)


def test_low_becomes_warning_and_nothing_is_posted_again(upgraded: Callable[[], AlertStore]) -> None:
    store = upgraded()
    state = store.load_state()
    assert state.state == WARNING and state.low_since == LOW_SINCE and state.last_balance_cents == 100_00
    assert state.critical_since is None and state.last_portfolio_cents is None
    config = store.load_config()
    assert config == AlertConfig(250_00, "U0ADMIN01", NOW - 3600, critical_cents=None, critical_set=False)

    posts: list[str] = []
    source = Source(100_00)
    m = monitor(store, source, posts)
    m.tick()
    assert posts == [], "an episode the old release alerted on is not alerted again"
    source.cents = 300_00
    m.tick()
    assert len(posts) == 1 and posts[0].startswith("Kalshi balance recovered")
    assert "low for 2 h 46 min" in posts[0]  # since the old release's low_since
    store.close()


def test_an_upgraded_install_with_a_new_critical_level_alerts_only_below_it(
    upgraded: Callable[[], AlertStore],
) -> None:
    store = upgraded()
    posts: list[str] = []
    source = Source(100_00)
    m = monitor(store, source, posts, default_critical_cents=50_00)  # BALANCE_ALERT_CRITICAL, new
    m.tick()
    assert posts == []  # still only at the warning level, already alerted on
    source.cents = 40_00
    m.tick()
    assert len(posts) == 1 and posts[0].startswith("Kalshi balance critical")
    assert store.load_state().state == CRITICAL
    store.close()


def test_migration_runs_once_and_a_new_store_starts_at_the_latest_version(
    upgraded: Callable[[], AlertStore], tmp_path: Path
) -> None:
    first, second = upgraded(), upgraded()  # a second process opening it: nothing more to do
    assert second.load_state().state == WARNING
    first.close()
    second.close()
    fresh = SQLiteStore(tmp_path / "new.sqlite3")
    assert fresh.load_state().state == OK
    fresh.close()
    with sqlite3.connect(tmp_path / "new.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_the_old_sqlite_file_is_versioned_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old_sqlite_file(path)
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("SELECT state FROM alert_state").fetchone()[0] == "warning"
    db.close()


def test_the_old_postgres_schema_is_at_the_current_version_after_the_upgrade(database_url: str) -> None:
    old_postgres_database(database_url)
    store = PostgresStore(database_url)
    store.load_state()  # the store connects, and migrates, on first use
    store.close()
    with psycopg.connect(database_url) as conn:
        versions = conn.execute("SELECT version FROM bot_schema ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, POSTGRES_SCHEMA_VERSION + 1)]
        assert conn.execute("SELECT state FROM alert_state").fetchone() == ("warning",)


def test_a_process_of_the_old_release_writing_low_is_read_as_warning(tmp_path: Path) -> None:
    """During a rolling deploy an old process may still write ``low`` after the migration."""
    store = SQLiteStore(tmp_path / "state.sqlite3")
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        db.execute(
            INSERT_STATE.format(", ".join("?" * 9)).replace("INSERT", "INSERT OR REPLACE"), OLD_STATE_ROW
        )
    db.close()
    assert store.load_state().state == WARNING
    store.close()
