"""The answer pool, through a running bot: bounded, says "busy" in the ack when full, and a slow
response_url cannot hold an answer thread for long."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi, Reply, balance_body
from tests.fakes.slack import ApiReply, FakeSlack
from tests.waits import wait_log


@pytest.mark.slow(5)
def test_a_full_answer_pool_says_busy_in_the_acknowledgement(
    start_bot: Callable[..., BotProcess], kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    from bot.slack.answer_pool import ANSWER_QUEUE, ANSWER_THREADS

    capacity = ANSWER_THREADS + ANSWER_QUEUE
    bot = start_bot(KALSHI_TIMEOUT_SECONDS="12", BOT_LOG_LEVEL="INFO")
    kalshi.default = Reply(body=balance_body(), delay=6)  # every answer waits on this one read
    for i in range(capacity):
        ack = bot.command("", slack.response_url(f"q{i}"))
        assert ack.status_code == 200 and not ack.content, f"command {i} was refused"
    busy = bot.command("", slack.response_url("over"))
    assert busy.status_code == 200
    assert busy.json()["response_type"] == "ephemeral" and "busy" in busy.json()["text"]
    kalshi.reset()  # the read under way still takes its 6 s; those after it are quick
    slack.wait_for(lambda s: all(s.responses(f"q{i}") for i in range(capacity)), timeout=30)
    assert slack.responses("over") == []
    bot.command("", slack.response_url("later"))  # room again once the answers went out
    assert "$1,234.56" in slack.wait_response("later").body["text"]


@pytest.mark.slow(5)
def test_a_response_url_that_does_not_answer_is_given_up_quickly(
    start_bot: Callable[..., BotProcess], slack: FakeSlack
) -> None:
    bot = start_bot(BOT_LOG_LEVEL="INFO")
    slack.always("response", ApiReply(delay=20))
    t0 = time.monotonic()
    bot.command("", slack.response_url("hangs"))
    wait_log(bot, "could not deliver the reply", timeout=12)
    assert time.monotonic() - t0 < 10
