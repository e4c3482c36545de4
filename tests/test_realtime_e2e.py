"""Real time end to end: the bot as a process, Kalshi's WebSocket (the project's fake, checking the
handshake's signature as Kalshi does), alerts polled only every 60 s: a fill brings the alert within a
second, and a /balance right after a fill never shows the balance from before it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.kalshi_ws import FakeKalshiWS
from tests.fakes.slack import FakeSlack
from tests.test_alerts_e2e import delivered, wait_posts
from tests.waits import wait_checks, wait_committed

StartBot = Callable[..., BotProcess]


@pytest.fixture
def ws_fake(kalshi: FakeKalshi) -> Iterator[FakeKalshiWS]:
    fake = FakeKalshiWS(kalshi, ping_interval=1.0).start()
    yield fake
    fake.stop()


def realtime_env(ws_fake: FakeKalshiWS) -> dict[str, str]:
    return {**ALERTS_ENV, "BALANCE_ALERT_INTERVAL": "60", "KALSHI_WS_URL": ws_fake.url}


def test_a_fill_brings_the_alert_within_a_second_though_the_poll_is_a_minute_away(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, ws_fake: FakeKalshiWS
) -> None:
    kalshi.set_balance(1_000_00)
    bot = start_bot(**realtime_env(ws_fake))
    ws_fake.wait_subscribed(timeout=10)
    wait_checks(bot, 1, since=bot.started_at)  # the first poll, at start-up, is done: the next is 60 s away
    kalshi.set_balance(100_00)  # the fill spent the money
    left = ws_fake.send_fill()
    (alert,) = wait_posts(slack, 1, timeout=5)
    assert time.monotonic() - left < 2.0, "the alert must follow the fill, not the next poll"
    assert alert.startswith("Kalshi balance low") and "$100.00" in alert
    wait_committed(bot, "warning")
    logs = bot.logs()
    assert "real time on" in logs and logs.count("Kalshi WebSocket") >= 1


def test_a_storm_of_fills_costs_a_few_reads_and_balance_after_a_fill_is_fresh(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, ws_fake: FakeKalshiWS
) -> None:
    kalshi.set_balance(1_000_00)
    env = {**realtime_env(ws_fake), "BALANCE_FRESHNESS_SECONDS": "30"}  # /balance would reuse a read
    bot = start_bot(**env)
    ws_fake.wait_subscribed(timeout=10)
    bot.command("", slack.response_url("before"))
    assert "$1,000.00" in slack.wait_response("before").body["text"]
    before = kalshi.count
    kalshi.set_balance(900_00)
    for _ in range(200):  # a storm: 200 fills at once
        ws_fake.send_fill()
    time.sleep(1.5)
    assert kalshi.count - before <= 5, "a storm of fills is a few coalesced reads, not one per fill"
    bot.command("", slack.response_url("after"))
    assert "$900.00" in slack.wait_response("after").body["text"]
    assert delivered(slack) == []
