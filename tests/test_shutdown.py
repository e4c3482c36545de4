"""Stopping: answers already queued are answered before the alert store closes, and the alert lock is
let go only once the thread of the background checks has really stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.balance import BalanceReader
from bot.domain.levels import Policy
from bot.jobs.alerts import AlertMonitor
from bot.jobs.loop import BackgroundChecks
from bot.jobs.notifier import Delivery
from bot.kalshi.models import Balance
from bot.slack.answer_pool import ANSWER_THREADS
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store.file_lock import FileSenderLock
from bot.store.sqlite import SQLiteStore
from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.waits import wait_checks


def test_an_alert_command_queued_at_shutdown_is_answered_from_an_open_store(
    start_bot: Callable[..., BotProcess], kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(**{**ALERTS_ENV, "BALANCE_ALERT_INTERVAL": "3600"}, BOT_LOG_LEVEL="INFO")
    wait_checks(bot, 1, since=bot.started_at)  # the monitor's first check is done
    kalshi.latency = 2.0
    for i in range(ANSWER_THREADS):  # every answer thread waits on a slow read (each its own view)
        bot.command(f"sub {i + 1}", slack.response_url(f"busy{i}"))
    bot.command("alert", slack.response_url("queued"))  # waits for a thread
    assert bot.stop() == 0
    answer = slack.wait_response("queued", timeout=10).body["text"]
    assert "below $250.00" in answer, answer
    logs = bot.logs()
    assert "closed database" not in logs and "unexpected error" not in logs


class Reader:
    def get_balance(self) -> Balance:
        return Balance(100_00, 0, 1)  # low: the first tick posts an alert


def test_the_sender_lock_is_held_until_the_checks_thread_has_stopped(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    entered, release = threading.Event(), threading.Event()

    def slow_post(_message: Message) -> Delivery:  # a tick that outlasts the join (slow Slack)
        entered.set()
        release.wait(10)
        return Delivery(True)

    policy = Policy("C0ALERTS1", 250_00, 60.0, None, None, 3)
    store = SQLiteStore(path)
    monitor = AlertMonitor(policy, BalanceReader(Reader(), 0), store, SlackNotifier(slow_post))
    checks = BackgroundChecks([monitor], standby_seconds=60.0, lock=FileSenderLock(path))
    checks.start()
    assert entered.wait(5)
    assert checks.stop(timeout=0.2) is False  # the tick is still posting
    other = FileSenderLock(path)  # another process's lock on the same state
    assert not other.try_acquire(), "the lock was let go while a tick could still post"
    release.set()
    deadline = time.monotonic() + 5
    while not other.try_acquire():
        assert time.monotonic() < deadline, "the lock was never let go"
        time.sleep(0.05)
    other.release()
