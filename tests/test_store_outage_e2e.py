"""A stalled PostgreSQL through the bot's processes: tables another session holds locked, and a server
that stops answering the sender's store connections while its lock's connection stays healthy. The
figures still go out (without the history, saying why), every overrun is logged within 10 s with the
store and the cause, the loop goes on and retries, and a sender whose passes keep failing hands the
role over to another process."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest

from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.freezing_proxy import FreezingProxy
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack

StartBot = Callable[..., BotProcess]
TABLES = "alert_state, alert_config, balance_history, digest_log"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held; fails after ``timeout``."""
    t0 = time.monotonic()
    while not condition():
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)
    return time.monotonic() - t0


def samples(database_url: str) -> int:
    """The samples in the store (0 until the bot has created its tables)."""
    with psycopg.connect(database_url) as conn:
        if conn.execute("SELECT to_regclass('balance_history')").fetchone() == (None,):
            return 0
        found = conn.execute("SELECT count(*) FROM balance_history").fetchone()
    return int(found[0]) if found else 0


@pytest.mark.slow(22)
def test_locked_tables_the_figures_go_out_the_loop_retries_and_lets_the_sender_role_go(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, database_url: str
) -> None:
    bot = start_bot(**ALERTS_ENV, DATABASE_URL=database_url, BOT_LOG_LEVEL="INFO")
    wait_for(lambda: samples(database_url) >= 1, 20, "a first sample")
    bot.command("", slack.response_url("before"))  # opens the reads connection
    assert "7 days" in slack.wait_response("before").body["text"]
    admin = psycopg.connect(database_url)
    admin.execute(f"LOCK TABLE {TABLES} IN ACCESS EXCLUSIVE MODE")
    locked_at = time.monotonic()
    try:
        t0 = time.monotonic()
        bot.command("", slack.response_url("locked"))
        text = slack.wait_response("locked", timeout=6).body["text"]
        assert time.monotonic() - t0 < 3.5
        assert "$1,234.56" in text, text
        assert (
            "No 24 h change or sparkline this time: the balance history can't be read (lock timeout)" in text
        )
        logs = bot.logs
        wait_for(
            lambda: "stopped a call (lock timeout: a table stayed locked for 2s)" in logs(), 10, "the log"
        )
        assert time.monotonic() - locked_at < 10
        assert "(reads) stopped a call (lock timeout: a table stayed locked for 1s)" in logs()
        wait_for(lambda: "store unreachable (lock timeout); trying again in" in logs(), 10, "a retry")
        wait_for(lambda: "gives up the sender role" in logs(), 40, "the sender role given up")
        assert len([ln for ln in logs().splitlines() if "store unreachable" in ln]) >= 3
    finally:
        admin.rollback()
        admin.close()
    recorded = samples(database_url)
    wait_for(lambda: samples(database_url) > recorded, 40, "the loop back at work")
    assert bot.logs().count("this process sends the alerts") >= 2  # it took the role again
    assert "Traceback" not in bot.logs()


@pytest.mark.slow(21)
def test_a_hung_store_connection_hands_the_sender_role_to_another_process(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, database_url: str
) -> None:
    port = int(database_url.rsplit(":", 1)[1].split("/", 1)[0])
    with FreezingProxy(port) as proxy:
        first = start_bot(**ALERTS_ENV, DATABASE_URL=proxy.url(database_url), BOT_LOG_LEVEL="INFO")
        wait_for(lambda: "this process sends the alerts" in first.logs(), 20, "the first process sending")
        wait_for(lambda: samples(database_url) >= 1, 20, "a first sample")
        second = start_bot(**ALERTS_ENV, DATABASE_URL=database_url, BOT_LOG_LEVEL="INFO")
        wait_for(lambda: "standing by" in second.logs(), 20, "the second process standing by")
        proxy.freeze(spare=1)  # the first process's first connection is its sender lock's: it stays healthy
        frozen_at = time.monotonic()

        first.command("", slack.response_url("hung"))
        text = slack.wait_response("hung", timeout=8).body["text"]
        assert time.monotonic() - frozen_at < 6
        assert "$1,234.56" in text and "the balance history can't be read (no answer" in text, text

        logs = first.logs
        wait_for(
            lambda: "did not answer within 8s: its connection is cut" in logs(), 12, "the overrun logged"
        )
        assert time.monotonic() - frozen_at < 10.5
        wait_for(lambda: "gives up the sender role" in logs(), 60, "the sender role given up")
        wait_for(
            lambda: "this process sends the alerts" in second.logs(), 20, "the second process taking over"
        )
        recorded = samples(database_url)
        wait_for(lambda: samples(database_url) > recorded, 20, "the new sender recording")
        assert "Traceback" not in logs() + second.logs()
        proxy.thaw()
