"""The daily digest: exactly once a day, on a clock the test controls and as real processes with a
digest time a few seconds ahead, across restarts, with two processes on one PostgreSQL, and missed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.balance import BalanceReader
from bot.config import DigestSettings
from bot.domain.history import SENT, SKIPPED
from bot.history import HistoryView
from bot.jobs.digest import DigestJob, digest_schedule
from bot.jobs.notifier import Delivery
from bot.kalshi.errors import KalshiTimeout
from bot.kalshi.models import Balance
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store.sqlite import SQLiteStore
from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import ApiReply, FakeSlack
from tests.waits import wait_checks, wait_log, wait_until

DIGEST = "C0DIGEST1"
NINE_AM = datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Kalshi:
    fail = False

    def get_balance(self) -> Balance:
        if self.fail:
            raise KalshiTimeout()
        return Balance(1000_00, 50_00, 1)


class Channel:
    def __init__(self) -> None:
        self.accept: list[bool] = []  # scripted answers, then ok
        self.posted: list[str] = []

    def post(self, message: Message) -> Delivery:
        ok = self.accept.pop(0) if self.accept else True
        if ok:
            self.posted.append(message.text)
        return Delivery(ok, 30.0 if not ok else None)


def job(store: SQLiteStore, clock: Clock, channel: Channel, kalshi: Kalshi, zone: str = "UTC") -> DigestJob:
    reader = BalanceReader(kalshi, freshness_seconds=0, clock=clock, wall=clock)
    return DigestJob(
        schedule=digest_schedule(DigestSettings(9, 0, 0, zone, DIGEST)),
        reader=reader,
        log_store=store,
        history=HistoryView(store, 60, wall=clock),
        notifier=SlackNotifier(channel.post),
        channel=DIGEST,
        retry_seconds=60,
        wall=clock,
    )


def test_schedule_in_a_zone_with_daylight_saving() -> None:
    schedule = digest_schedule(DigestSettings(8, 30, 0, "America/New_York", DIGEST))
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC).timestamp()  # 08:00 in New York (EDT)
    assert schedule.next(summer).at == datetime(2026, 7, 1, 12, 30, tzinfo=UTC).timestamp()
    assert schedule.latest(summer).day == "2026-06-30"
    winter = datetime(2026, 12, 1, 14, 0, tzinfo=UTC).timestamp()  # 09:00 in New York (EST)
    assert schedule.latest(winter).at == datetime(2026, 12, 1, 13, 30, tzinfo=UTC).timestamp()


def test_exactly_once_a_day_on_a_controlled_clock(tmp_path: Path) -> None:
    clock, channel, kalshi = Clock(NINE_AM - 5), Channel(), Kalshi()
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.record_digest("2026-11-25", SENT, 0)  # yesterday's went out
    digest = job(store, clock, channel, kalshi)
    assert digest.tick() == 5  # sleeps until nine
    clock.now = NINE_AM
    for _ in range(5):
        digest.tick()
        clock.now += 60
    assert len(channel.posted) == 1 and "2026-11-26" in channel.posted[0]
    assert "$1,000.00" in channel.posted[0] and store.digest_status("2026-11-26") == SENT

    restarted = job(SQLiteStore(tmp_path / "s.sqlite3"), clock, channel, kalshi)  # a restart, same day
    restarted.tick()
    assert len(channel.posted) == 1
    clock.now = NINE_AM + 86_400  # the next day: one more
    restarted.tick()
    restarted.tick()
    assert len(channel.posted) == 2 and "2026-11-27" in channel.posted[1]


def test_refused_posts_and_failed_reads_are_retried_and_never_recorded_as_sent(tmp_path: Path) -> None:
    clock, channel, kalshi = Clock(NINE_AM), Channel(), Kalshi()
    store = SQLiteStore(tmp_path / "s.sqlite3")
    digest = job(store, clock, channel, kalshi)
    channel.accept = [False, False]
    assert digest.tick() == 60  # Retry-After 30 < the 60 s retry
    assert store.digest_status("2026-11-26") is None
    kalshi.fail = True
    clock.now += 60
    assert digest.tick() == 60 and store.digest_status("2026-11-26") is None
    kalshi.fail = False
    clock.now += 60
    digest.tick()  # refused again
    clock.now += 60
    digest.tick()
    assert len(channel.posted) == 1 and store.digest_status("2026-11-26") == SENT


def test_a_missed_digest_is_sent_within_the_hour_and_skipped_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, channel, kalshi = Clock(NINE_AM + 59 * 60), Channel(), Kalshi()
    store = SQLiteStore(tmp_path / "s.sqlite3")
    job(store, clock, channel, kalshi).tick()  # back at 09:59: still sent
    assert len(channel.posted) == 1

    clock.now = NINE_AM + 86_400 + 61 * 60  # the next day, back at 10:01: skipped, said once
    late = job(store, clock, channel, kalshi)
    late.tick()
    late.tick()
    assert len(channel.posted) == 1 and store.digest_status("2026-11-27") == SKIPPED
    skips = [r for r in caplog.records if "skipped the daily digest of 2026-11-27" in r.getMessage()]
    assert len(skips) == 1 and skips[0].levelname == "WARNING"

    channel.accept = [False] * 100  # refused until the hour is over: skipped too, never "sent"
    clock.now = NINE_AM + 2 * 86_400
    refused = job(store, clock, channel, kalshi)
    while clock.now <= NINE_AM + 2 * 86_400 + 3600:
        clock.now += refused.tick()
    refused.tick()
    assert store.digest_status("2026-11-28") == SKIPPED


# -- as processes -------------------------------------------------------------------------------------
StartBot = Callable[..., BotProcess]


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M:%S")


def digests(slack: FakeSlack) -> list[str]:
    return [c.body["text"] for c in slack.posts() if c.body.get("channel") == DIGEST]


@pytest.mark.slow(10)
def test_digest_a_few_seconds_ahead_once_and_once_after_a_restart(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    env = {"BALANCE_DIGEST_TIME": at(4), "BALANCE_DIGEST_CHANNEL": DIGEST, "BALANCE_HISTORY_INTERVAL": "2"}
    bot = start_bot(**env)
    slack.wait_for(digests, 20)
    post = next(c for c in slack.posts() if c.body.get("channel") == DIGEST).body
    assert post["text"].startswith("Kalshi daily digest") and "$1,234.56" in post["text"]
    assert post["blocks"][0]["type"] == "header"
    wait_checks(bot, 2)  # two more passes of the loop, the digest job's included
    assert len(digests(slack)) == 1
    assert bot.stop() == 0
    assert "posted the daily digest of" in bot.logs()

    again = start_bot(**env)
    wait_checks(again, 2, since=again.started_at)  # its first pass, the digest job's included, is over
    assert len(digests(slack)) == 1, "a restart must not post the day's digest again"
    assert again.stop() == 0


@pytest.mark.slow(9)
def test_digest_once_with_two_processes_on_one_postgresql(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, database_url: str
) -> None:
    env = {
        "BALANCE_DIGEST_TIME": at(6),
        "BALANCE_DIGEST_CHANNEL": DIGEST,
        "BALANCE_HISTORY_INTERVAL": "2",
        "DATABASE_URL": database_url,
    }
    first, second = start_bot(**env), start_bot(**env)
    slack.wait_for(digests, 20)
    standby = "another process holds the alert lock; standing by"
    wait_until(lambda: standby in first.logs() + second.logs(), 15, "one process standing by")
    wait_checks(first, 2)  # the store both share: two more passes of the sender
    assert len(digests(slack)) == 1
    logs = first.logs() + second.logs()
    assert standby in logs
    assert logs.count("posted the daily digest of") == 1


@pytest.mark.slow(4)
def test_a_missed_digest_as_a_process_within_the_hour_and_after(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    env = {"BALANCE_DIGEST_CHANNEL": DIGEST, "BALANCE_HISTORY_INTERVAL": "2"}
    bot = start_bot(BALANCE_DIGEST_TIME=at(-10 * 60), **env)  # ten minutes ago: still sent
    slack.wait_for(digests, 20)
    bot.stop()

    slack.reset()
    fresh_store = str(tmp_path / "other.sqlite3")  # a store where today is not already settled
    late = start_bot(BALANCE_DIGEST_TIME=at(-2 * 3600), BOT_STATE_PATH=fresh_store, **env)  # skipped
    wait_log(late, "skipped the daily digest")
    wait_checks(late, 2)  # and a pass after the skip
    assert digests(slack) == []


@pytest.mark.slow(5)
def test_a_refused_digest_post_is_retried(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    slack.script("chat.postMessage", ApiReply(body={"ok": False, "error": "not_in_channel"}))
    bot = start_bot(BALANCE_DIGEST_TIME=at(-5), BALANCE_DIGEST_CHANNEL=DIGEST, BALANCE_HISTORY_INTERVAL="2")
    slack.wait_for(lambda s: len(s.posts()) >= 2, 20)
    wait_checks(bot, 2)
    assert len(slack.posts()) == 2 and len(digests(slack)) == 2  # one refused, one accepted
    assert "not delivered; it will be tried again" in bot.logs()
