"""The PostgreSQL store against a real server: migrations, reconnects, the advisory lock, and the
bot's processes sharing one database."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

import bot.store.postgres_connection as mod
from bot.domain.alert_state import AlertConfig, AlertState
from bot.store import StoreUnavailable
from bot.store.advisory_lock import AdvisorySenderLock
from bot.store.postgres import SCHEMA_VERSION, PostgresStore
from tests.bot_process import ALERTS_ENV, BotProcess, bot_env
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.test_cli import run_cli
from tests.waits import wait_log, wait_until


def test_schema_is_created_once_even_by_processes_starting_together(database_url: str) -> None:
    stores: list[PostgresStore] = []

    def start_one() -> None:
        store = PostgresStore(database_url)
        store.load_state()  # the first use connects and migrates
        stores.append(store)

    threads = [threading.Thread(target=start_one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stores) == 5
    with psycopg.connect(database_url) as conn:
        versions = conn.execute("SELECT version FROM bot_schema ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    PostgresStore(database_url).save_state(AlertState(state="critical"))  # a restart migrates nothing
    assert stores[0].load_state().state == "critical"


def test_state_and_config_round_trip_and_do_not_clobber_each_other(database_url: str) -> None:
    monitor_side, slack_side = PostgresStore(database_url), PostgresStore(database_url)
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
    store = PostgresStore(database_url)
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
    first.release()  # its session ends: the server lets the lock go when that backend has exited
    wait_until(second.try_acquire, 5, "the lock passed on")
    with psycopg.connect(database_url, autocommit=True) as admin:  # the holder's session dies
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'kalshi-balance-bot' AND pid <> pg_backend_pid()"
        )
        bots = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kalshi-balance-bot'"
        wait_until(lambda: admin.execute(bots).fetchone() == (0,), 5, "the session to end")  # signalled only
    assert not second.try_acquire()  # it notices it lost the lock...
    wait_until(second.try_acquire, 5, "the lock taken again")  # ...and takes it again on a new session


def test_check_says_an_unreachable_database_without_its_password(
    kalshi: FakeKalshi, slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(
        kalshi.base_url, slack.api_url, tmp_path, **ALERTS_ENV, DATABASE_URL=refused_url(database_url)
    )
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "✗ store: PostgreSQL (DATABASE_URL) cannot be opened: connection refused" in result.stdout
    assert "s3cret-canary" not in result.stdout + result.stderr


def refused_url(database_url: str) -> str:
    """The test server's URL with a password and a port where nothing listens."""
    from tests.bot_process import free_port

    return (
        database_url.replace("postgres@", "postgres:s3cret-canary@").rsplit(":", 1)[0] + f":{free_port()}/x"
    )


@pytest.mark.slow(3)
def test_serve_keeps_answering_while_the_database_is_down_and_retries_with_backoff(
    start_bot: Callable[..., BotProcess], kalshi: FakeKalshi, slack: FakeSlack, database_url: str
) -> None:
    bot = start_bot(**ALERTS_ENV, DATABASE_URL=refused_url(database_url), BOT_LOG_LEVEL="INFO")
    bot.command("", slack.response_url("figures"))
    assert "$1,234.56" in slack.wait_response("figures").body["text"]
    bot.command("alert", slack.response_url("alert"))
    answer = slack.wait_response("alert").body["text"]
    assert "alert store" in answer and "connection refused" in answer, answer
    retries = wait_log(bot, "unreachable (connection refused); trying again in", count=2)  # 2 s, then 4 s
    logs = bot.logs()
    waits = [float(ln.rsplit("trying again in ", 1)[1].split("s", 1)[0]) for ln in retries]
    assert waits[1] > waits[0], waits
    first, second = (datetime.strptime(ln[:23], "%Y-%m-%d %H:%M:%S,%f") for ln in retries[:2])
    assert (second - first).total_seconds() >= waits[0] - 0.1, "the retry came before the wait it announced"
    assert "Traceback" not in logs and "s3cret-canary" not in logs
    assert bot.proc is not None and bot.proc.poll() is None


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            'connection failed: connection to server at "10.0.0.1", port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?",
            "connection refused",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 5432 failed: FATAL:  password '
            'authentication failed for user "bob"',
            "authentication failed",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 5432 failed: timeout expired',
            "timeout",
        ),
        ("failed to resolve host 'db.example': [Errno -2] Name or service not known", "host not found"),
        (
            'connection failed: could not translate host name "db.example" to address: Name or service not '
            "known",
            "host not found",
        ),
        ('connection failed: FATAL:  database "nope" does not exist', "database does not exist"),
        ('connection failed: FATAL:  role "bob" does not exist', "user does not exist"),
        ("connection failed: fe_sendauth: no password supplied", "password missing"),
        ("SSL connection has been closed unexpectedly", "SSL failed"),
        ("something new", "OperationalError"),
    ],
)
def test_database_failures_are_named_without_the_message(message: str, reason: str) -> None:
    from bot.store.postgres_connection import failure_reason

    assert failure_reason(psycopg.OperationalError(message)) == reason


class SilentServer:
    """A TCP listener on 127.0.0.1 that takes connections and never answers: a hung database. Counts the
    connections it took, so a test sees how often the bot tried."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, database_url: str) -> str:
        return (
            database_url.replace("postgres@", "postgres:s3cret-canary@").rsplit(":", 1)[0] + f":{self.port}/x"
        )

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.held.append(conn)


def test_a_hung_database_holds_up_no_balance(
    start_bot: Callable[..., BotProcess], slack: FakeSlack, database_url: str
) -> None:
    with SilentServer() as silent:
        bot = start_bot(
            BALANCE_HISTORY_INTERVAL="60", DATABASE_URL=silent.url(database_url), BOT_LOG_LEVEL="INFO"
        )
        for n in range(3):
            bot.command("", slack.response_url(f"figures-{n}"))
            # well under the 10 s connect timeout each: no one waits on the hung connect
            answer = slack.wait_response(f"figures-{n}", timeout=4).body["text"]
            assert "$1,234.56" in answer, answer
        logs = bot.logs()
        assert "balance goes without its 24 h trend: history store unreachable (no answer)" in logs, logs
        assert "Traceback" not in logs and "s3cret-canary" not in logs


def test_the_breaker_waits_out_its_cool_down_before_connecting_again(database_url: str) -> None:
    now = [1000.0]
    with SilentServer() as silent:
        store = PostgresStore(silent.url(database_url), clock=lambda: now[0])
        with pytest.raises(StoreUnavailable, match="no answer"):
            store.load_state()  # the connect goes on, on its own thread
        wait_until(lambda: len(silent.held) >= 1)
        for _ in range(3):  # while it is under way, nobody starts another or waits for it
            with pytest.raises(StoreUnavailable, match="no answer"):
                store.load_state()
        assert len(silent.held) == 1
    # the listener is gone: the hung connect ends (the server closed it), and a new one is refused
    wait_until(lambda: store.reads._opening is not None and store.reads._opening.done.is_set())
    with pytest.raises(StoreUnavailable) as failed:
        store.load_state()
    first_reason = failed.value.reason
    assert first_reason not in ("no answer", "busy"), first_reason
    store.reads.url = database_url  # the database is back: not tried again during the cool-down...
    now[0] += mod.COOL_DOWN_SECONDS - 1
    with pytest.raises(StoreUnavailable, match=first_reason):
        store.load_state()
    now[0] += 2  # ...and after it, a new connect is started, and taken by a later use
    with pytest.raises(StoreUnavailable, match=first_reason):
        store.load_state()  # not waited for while the database is known down
    wait_until(lambda: store.reads._opening is not None and store.reads._opening.done.is_set())
    assert store.load_state() == AlertState()
    store.close()


def test_balance_history_with_the_database_down_says_so_without_a_traceback(
    start_bot: Callable[..., BotProcess], slack: FakeSlack, database_url: str
) -> None:
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60", DATABASE_URL=refused_url(database_url))
    bot.command("history", slack.response_url("history"))
    answer = slack.wait_response("history").body["text"]
    assert answer.startswith(
        "The balance history can't be read right now: the store is unreachable (connection refused). "
        "Try again in a minute"
    ), answer
    logs = bot.logs()
    assert "balance history not shown: history store unreachable (connection refused)" in logs, logs
    assert "Traceback" not in logs and "s3cret-canary" not in logs


@pytest.mark.slow(10)
def test_check_waits_for_a_hung_database_to_name_the_timeout(
    kalshi: FakeKalshi, slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """The bot fails fast on a hung database; ``check`` waits for the connect's own answer instead, so
    it names the cause ("timeout") rather than "no answer"."""
    with SilentServer() as silent:
        env = bot_env(
            kalshi.base_url, slack.api_url, tmp_path, **ALERTS_ENV, DATABASE_URL=silent.url(database_url)
        )
        result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "✗ store: PostgreSQL (DATABASE_URL) cannot be opened: timeout" in result.stdout, result.stdout
    assert "s3cret-canary" not in result.stdout + result.stderr
