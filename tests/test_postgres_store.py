"""The PostgreSQL store against a real server: migrations, reconnects, the advisory lock, and the
bot's processes sharing one database."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from bot.alerts.postgres import SCHEMA_VERSION, AdvisorySenderLock, PostgresAlertStore
from bot.alerts.store import AlertConfig, AlertState
from tests.bot_process import ALERTS_ENV, bot_env
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.test_cli import run_cli


def test_schema_is_created_once_even_by_processes_starting_together(database_url: str) -> None:
    stores: list[PostgresAlertStore] = []
    threads = [
        threading.Thread(target=lambda: stores.append(PostgresAlertStore(database_url))) for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stores) == 5
    with psycopg.connect(database_url) as conn:
        versions = conn.execute("SELECT version FROM bot_schema ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    PostgresAlertStore(database_url).save_state(AlertState(state="critical"))  # a restart migrates nothing
    assert stores[0].load_state().state == "critical"


def test_state_and_config_round_trip_and_do_not_clobber_each_other(database_url: str) -> None:
    monitor_side, slack_side = PostgresAlertStore(database_url), PostgresAlertStore(database_url)
    state = AlertState(
        state="critical",
        low_since=1.5,
        critical_since=1.75,
        last_portfolio_cents=-(2**62),
        failures=2,
        failure_notice_sent=True,
        last_error="x",
        last_balance_cents=2**62,
        last_balance_at=2.0,
        last_check_at=3.0,
        last_notified_at=1.5,
    )
    monitor_side.save_state(state)
    config = AlertConfig(None, "U0ADMIN01", 9.0, critical_cents=50_00, critical_set=True)
    slack_side.save_config(config)
    assert slack_side.load_state() == state
    assert monitor_side.load_config() == config


def test_a_lost_connection_is_reconnected(database_url: str) -> None:
    store = PostgresAlertStore(database_url)
    store.save_state(AlertState(failures=1))
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    store.save_state(AlertState(failures=2))  # the first try finds the connection dead
    assert store.load_state().failures == 2


def test_the_advisory_lock_has_one_holder_and_passes_on(database_url: str) -> None:
    first, second = AdvisorySenderLock(database_url), AdvisorySenderLock(database_url)
    assert first.try_acquire() and not second.try_acquire()
    assert first.try_acquire()  # still held
    first.release()
    assert second.try_acquire()
    with psycopg.connect(database_url, autocommit=True) as admin:  # the holder's session dies
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'kalshi-balance-bot' AND pid <> pg_backend_pid()"
        )
    assert not second.try_acquire()  # it notices it lost the lock...
    assert second.try_acquire()  # ...and takes it again on a new session


def test_check_says_an_unreachable_database_without_its_password(
    kalshi: FakeKalshi, slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    unreachable = database_url.replace("postgres@", "postgres:s3cret-canary@").rsplit(":", 1)[0] + ":1/x"
    env = bot_env(kalshi.base_url, slack.api_url, tmp_path, **ALERTS_ENV, DATABASE_URL=unreachable)
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "✗ alert store: PostgreSQL (DATABASE_URL) cannot be opened (OperationalError)" in result.stdout
    assert "s3cret-canary" not in result.stdout + result.stderr
