"""What reaches the log and the app from requests that are not Slack's: the bot as a process.

Unverified requests leave one short fixed line and no body; a malformed timestamp is a 401, not a 500.
(A signed request replayed verbatim: tests/test_abuse.py.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import ApiReply, FakeSlack

FORGED = "\n2026-01-01 00:00:00,000 ERROR bot.jobs.alerts: FORGED-LINE balance gone"


@pytest.fixture
def bot(start_bot: Callable[..., BotProcess]) -> BotProcess:
    return start_bot()


def post_raw(bot: BotProcess, body: bytes, headers: dict[str, str | bytes]) -> httpx.Response:
    h: dict[str, str | bytes] = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    return httpx.post(f"{bot.url}/slack/events", content=body, headers=h, timeout=10)


def test_unsigned_body_cannot_forge_a_log_line(bot: BotProcess, kalshi: FakeKalshi) -> None:
    ts = str(int(time.time()))
    response = post_raw(
        bot, FORGED.encode(), {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + "0" * 64}
    )
    assert response.status_code == 401
    time.sleep(0.2)
    logs = bot.logs()
    assert "FORGED-LINE" not in logs
    assert "refused a request without a valid Slack signature" in logs
    assert kalshi.count == 0


def test_unsigned_large_bodies_do_not_flood_the_log(bot: BotProcess) -> None:
    size_before = len(bot.logs().encode())
    body = b"x" * 250_000
    for _ in range(20):
        assert post_raw(bot, body, {"X-Slack-Signature": "v0=1"}).status_code == 401
    time.sleep(0.2)
    grown = len(bot.logs().encode()) - size_before
    assert grown < 20 * 200, f"the log grew by {grown} bytes"


@pytest.mark.parametrize("timestamp", ["not-a-number", "²", "1e9", ""])
def test_malformed_timestamp_is_a_401_without_a_traceback(bot: BotProcess, timestamp: str) -> None:
    response = post_raw(
        bot,
        b"command=%2Fbalance",
        {"X-Slack-Request-Timestamp": timestamp.encode(), "X-Slack-Signature": "v0=ab"},
    )
    assert response.status_code == 401
    time.sleep(0.2)
    assert "Traceback" not in bot.logs()


def library_lines(bot: BotProcess) -> list[str]:
    """DEBUG and INFO lines from the libraries under the bot (Bolt's logger is bot.slack.bolt)."""
    names = ("slack_sdk", "slack_bolt", "bot.slack.bolt", "urllib3", "httpx", "httpcore", "waitress")
    return [
        line
        for line in bot.logs().splitlines()
        for level in (" DEBUG ", " INFO ")
        if level in line and line.split(level, 1)[1].startswith(names)
    ]


def test_library_loggers_stay_at_warning_unless_asked(
    start_bot: Callable[..., BotProcess], slack: FakeSlack
) -> None:
    quiet = start_bot(BOT_LOG_LEVEL="DEBUG")
    quiet.command("", slack.response_url("quiet"))
    slack.wait_response("quiet")
    time.sleep(0.3)
    assert library_lines(quiet) == []
    loud = start_bot(BOT_LOG_LEVEL="DEBUG", BOT_LOG_LEVEL_LIBRARIES="DEBUG")
    loud.command("", slack.response_url("loud"))
    slack.wait_response("loud")
    time.sleep(0.3)
    assert library_lines(loud), "the operator asked for the libraries' DEBUG lines"


@pytest.mark.parametrize(
    "auth_test",
    [
        ApiReply(
            body={"ok": True, "team": "Desk", "user": "bot", "user_id": "U0BOT", "team_id": "T0DESK"}, delay=5
        ),
        ApiReply(body={"ok": False, "error": "invalid_auth"}),
        ApiReply(status=503, body={"ok": False, "error": "service_unavailable"}, delay=4),
    ],
    ids=["slow", "refused", "down"],
)
def test_slack_api_slow_or_failing_never_holds_up_an_acknowledgement(
    start_bot: Callable[..., BotProcess], kalshi: FakeKalshi, slack: FakeSlack, auth_test: ApiReply
) -> None:
    slack.always("auth.test", auth_test)
    bot = start_bot()
    for i in range(3):
        t0 = time.monotonic()
        ack = bot.command("help", slack.response_url(f"h{i}"))
        assert ack.status_code == 200 and time.monotonic() - t0 < 3.0  # Slack's deadline
        assert "/balance alert 250" in ack.json()["text"]
    bot.command("", slack.response_url("figures"))
    assert "$1,234.56" in slack.wait_response("figures").body["text"]
    assert len(slack.posts("auth.test")) <= 1, "auth.test is called once, at start-up"
