"""Upgrading a store written by the release before the domain/store layout (SQLite at user_version 2 with
its history tables made outside the version; PostgreSQL at schema version 3): everything it held is kept,
the store is brought to this release's version in place, and the alert goes on without a new message.
The old stores are written with that release's own SQL, kept here verbatim."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.balance import BalanceReader
from bot.domain.alert_state import WARNING
from bot.domain.history import SENT, Sample
from bot.domain.levels import Policy
from bot.jobs.alerts import AlertMonitor
from bot.jobs.notifier import Delivery
from bot.kalshi.models import Balance
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store import Store
from bot.store import postgres as postgres_store
from bot.store import sqlite as sqlite_store
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from tests.test_alert_migration import OLD_POSTGRES_SCHEMA, OLD_SQLITE_SCHEMA

# What the previous release added on SQLite: migration 2 (under user_version), then its history tables
# created at every start outside the version.
PREVIOUS_SQLITE = """
ALTER TABLE alert_state ADD COLUMN critical_since REAL;
ALTER TABLE alert_state ADD COLUMN last_portfolio_cents INTEGER;
ALTER TABLE alert_config ADD COLUMN critical_cents INTEGER;
ALTER TABLE alert_config ADD COLUMN critical_set INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 2;
CREATE TABLE IF NOT EXISTS balance_history (
    at REAL NOT NULL,
    balance_cents INTEGER NOT NULL,
    portfolio_value_cents INTEGER NOT NULL,
    low_cents INTEGER NOT NULL,
    high_cents INTEGER NOT NULL,
    resolution INTEGER NOT NULL,
    UNIQUE (resolution, at)
);
CREATE INDEX IF NOT EXISTS balance_history_at ON balance_history (at);
CREATE TABLE IF NOT EXISTS digest_log (
    day TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    at REAL NOT NULL
);
"""

# Its PostgreSQL migrations 2 and 3.
PREVIOUS_POSTGRES = """
ALTER TABLE alert_state
    ADD COLUMN IF NOT EXISTS critical_since double precision,
    ADD COLUMN IF NOT EXISTS last_portfolio_cents bigint;
ALTER TABLE alert_config
    ADD COLUMN IF NOT EXISTS critical_cents bigint,
    ADD COLUMN IF NOT EXISTS critical_set boolean NOT NULL DEFAULT false;
INSERT INTO bot_schema (version) VALUES (2);
CREATE TABLE IF NOT EXISTS balance_history (
    at double precision NOT NULL,
    balance_cents bigint NOT NULL,
    portfolio_value_cents bigint NOT NULL,
    low_cents bigint NOT NULL,
    high_cents bigint NOT NULL,
    resolution integer NOT NULL,
    UNIQUE (resolution, at)
);
CREATE INDEX IF NOT EXISTS balance_history_at ON balance_history (at);
CREATE TABLE IF NOT EXISTS digest_log (
    day text PRIMARY KEY,
    status text NOT NULL,
    at double precision NOT NULL
);
INSERT INTO bot_schema (version) VALUES (3);
"""

NOW = 1_800_000_000.0
LOW_SINCE = NOW - 3600
STATE = (
    "INSERT INTO alert_state (id, state, low_since, last_notified_at, failures, failure_notice_sent, "
    "last_error, last_balance_cents, last_balance_at, last_check_at, critical_since, last_portfolio_cents) "
    "VALUES (1, 'warning', {p}, {p}, 0, false, NULL, 10000, {p}, {p}, NULL, 5000)"
)
SAMPLE = (
    "INSERT INTO balance_history (at, balance_cents, portfolio_value_cents, low_cents, high_cents, "
    "resolution) VALUES ({p}, {p}, 5000, {p}, {p}, 0)"
)
DIGEST = "INSERT INTO digest_log (day, status, at) VALUES ('2027-01-14', 'sent', {p})"
SAMPLES = [(NOW - 120 * k, 100_00 + k) for k in range(5)]


def previous_sqlite(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(OLD_SQLITE_SCHEMA + PREVIOUS_SQLITE)
        db.execute(STATE.format(p="?"), (LOW_SINCE,) * 4)
        for at, cents in SAMPLES:
            db.execute(SAMPLE.format(p="?"), (at, cents, cents, cents))
        db.execute(DIGEST.format(p="?"), (NOW - 86400,))


def previous_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(OLD_POSTGRES_SCHEMA + PREVIOUS_POSTGRES)
        conn.execute(STATE.format(p="%s"), (LOW_SINCE,) * 4)
        for at, cents in SAMPLES:
            conn.execute(SAMPLE.format(p="%s"), (at, cents, cents, cents))
        conn.execute(DIGEST.format(p="%s"), (NOW - 86400,))


@pytest.fixture(params=["sqlite", "postgres"])
def previous(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Callable[[], Store], str]]:
    if request.param == "sqlite":
        path = tmp_path / "state.sqlite3"
        previous_sqlite(path)
        yield (lambda: SQLiteStore(path)), "sqlite"
        return
    url = request.getfixturevalue("database_url")
    previous_postgres(url)
    yield (lambda: PostgresStore(url)), "postgres"


def schema_version(store: Store, kind: str) -> int:
    if isinstance(store, SQLiteStore):
        with contextlib.closing(sqlite3.connect(store.path)) as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
    assert isinstance(store, PostgresStore)
    with psycopg.connect(store.url) as conn:
        found = conn.execute("SELECT max(version) FROM bot_schema").fetchone()
        return int(found[0]) if found else 0


def test_the_previous_release_store_is_upgraded_in_place_keeping_everything(
    previous: tuple[Callable[[], Store], str],
) -> None:
    open_store, kind = previous
    store = open_store()
    state = store.load_state()
    assert state.state == WARNING and state.low_since == LOW_SINCE and state.last_portfolio_cents == 50_00
    assert state.watching is None  # the previous release did not record it
    assert [s.balance_cents for s in store.samples(NOW - 3600, NOW)] == sorted(c for _, c in SAMPLES)[::-1]
    assert store.digest_status("2027-01-14") == SENT
    expected = sqlite_store.SCHEMA_VERSION if kind == "sqlite" else postgres_store.SCHEMA_VERSION
    assert schema_version(store, kind) == expected
    store.add_sample(Sample.reading(NOW + 60, 99_00, 50_00))  # and it is written to as before

    posts: list[str] = []

    def post(message: Message) -> Delivery:
        posts.append(message.text)
        return Delivery(True)

    class Kalshi:
        def get_balance(self, subaccount: int | None = None) -> Balance:
            return Balance(100_00, 50_00, 1)

    policy = Policy("C0ALERTS1", 250_00, 60.0, None, 10_00, 3)
    monitor = AlertMonitor(policy, BalanceReader(Kalshi(), 0), store, SlackNotifier(post), wall=lambda: NOW)  # type: ignore[arg-type]
    monitor.tick()
    assert posts == [], "the episode the previous release was in goes on without a new message"
    assert store.load_state().watching == "available"
    store.close()
    again = open_store()  # a second start migrates nothing and keeps it all
    assert again.load_state().state == WARNING and len(again.samples(NOW - 3600, NOW + 60)) == 6
    again.close()
