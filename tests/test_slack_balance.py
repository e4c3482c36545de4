"""/balance end to end: the bot as a process, requests signed as Slack signs them, fake Kalshi and Slack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests import keys
from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi, Reply, balance_body
from tests.fakes.slack import FakeSlack

StartBot = Callable[..., BotProcess]


@pytest.fixture
def bot(start_bot: StartBot) -> Iterator[BotProcess]:
    yield start_bot(KALSHI_TIMEOUT_SECONDS="1.5")


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks)


def test_balance_is_ephemeral_with_figures_in_blocks_and_fallback(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(123456, 50000, 1764000000)
    ack = bot.command("", slack.response_url("r1"))
    assert ack.status_code == 200
    reply = slack.wait_response("r1").body
    assert reply["response_type"] == "ephemeral"
    assert "available $1,234.56, portfolio value $500.00, total $1,734.56" in reply["text"]
    blocks = reply["blocks"]
    assert blocks[0]["type"] == "header"
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == ["*Available balance*\n$1,234.56", "*Portfolio value*\n$500.00", "*Total*\n$1,734.56"]
    assert "<!date^1764000000^{date_short_pretty} at {time}|2025-11-24 16:00 UTC>" in texts(blocks)
    assert blocks[-1]["elements"][0]["action_id"] == "balance_refresh"
    assert "DEMO" not in reply["text"]
    assert kalshi.requests[-1].verified


def test_refresh_fetches_again_and_replaces_the_message(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot.command("", slack.response_url("r2"))
    slack.wait_response("r2")
    kalshi.set_balance(999, 0)
    before = kalshi.count
    assert bot.click_refresh(slack.response_url("r2")).status_code == 200
    reply = slack.wait_response("r2", count=2).body
    assert reply["replace_original"] is True and reply["response_type"] == "ephemeral"
    assert "available $9.99" in reply["text"]
    assert kalshi.count == before + 1


def test_help_and_unknown_arguments_answer_in_the_ack_without_kalshi(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    ack = bot.command("help", slack.response_url("h"))
    body = ack.json()
    assert body["response_type"] == "ephemeral" and "/balance alert 250" in body["text"]
    ack = bot.command("<!channel> & <@U999> <https://evil.example|click>", slack.response_url("h"))
    text = ack.json()["text"]
    assert "<!channel>" not in text and "<@U999>" not in text and "<https://" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in text
    assert kalshi.count == 0


def test_demo_marker(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    bot = start_bot(KALSHI_ENV="demo")
    bot.command("", slack.response_url("demo"))
    reply = slack.wait_response("demo").body
    assert reply["blocks"][0]["text"]["text"] == "Kalshi balance (DEMO)"
    assert "(DEMO)" in reply["text"] and "*DEMO*" in texts(reply["blocks"])


@pytest.mark.parametrize(
    ("reply", "expect"),
    [
        (
            Reply(
                401,
                {
                    "error": {
                        "code": "authentication_error",
                        "message": "token authentication failure",
                        "details": "bad signature",
                    }
                },
            ),
            ["token authentication failure", "authentication_error", "Details: bad signature", "demo"],
        ),
        (
            Reply(
                400,
                {
                    "code": "bad_request",
                    "message": "<!channel> bad & wrong",
                    "details": "d",
                    "service": "portfolio",
                },
            ),
            ["&lt;!channel&gt; bad &amp; wrong", "Service: portfolio"],
        ),
        (Reply(404, None), ["HTTP 404"]),
        (Reply(200, b"<html>oops</html>", content_type="text/html"), ["could not read", "HTML"]),
        (Reply(200, {"balance": "x", "portfolio_value": 1, "updated_ts": 1}), ["not a whole number"]),
    ],
)
def test_kalshi_errors_reach_the_person_in_plain_words(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack, reply: Reply, expect: list[str]
) -> None:
    kalshi.queue(reply)
    bot.command("", slack.response_url("err"))
    answer = slack.wait_response("err").body
    whole = answer["text"] + texts(answer["blocks"])
    for piece in expect:
        assert piece in whole
    assert "<!channel>" not in whole and "Traceback" not in whole
    assert answer["response_type"] == "ephemeral"
    # the bot keeps serving
    bot.command("", slack.response_url("after"))
    assert "$1,234.56" in slack.wait_response("after").body["text"]


def test_slow_kalshi_is_acknowledged_at_once_and_times_out_in_words(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.default = Reply(body=balance_body(), delay=3.0)
    start = time.monotonic()
    ack = bot.command("", slack.response_url("slow"))
    assert ack.status_code == 200 and time.monotonic() - start < 1.0
    answer = slack.wait_response("slow", timeout=10).body
    assert "did not answer in time" in answer["text"]


def test_broken_connections_are_explained(bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    kalshi.default = Reply(reset=True)
    bot.command("", slack.response_url("reset"))
    answer = slack.wait_response("reset").body
    assert answer["text"] == (
        "Couldn't read your Kalshi balance. The connection to Kalshi broke before the answer was complete."
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": "not-the-signing-secret"},
        {"timestamp": int(time.time()) - 6 * 60},
        {"signature": "v0=" + "0" * 64},
    ],
)
def test_forged_and_stale_requests_get_401_and_never_reach_kalshi(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack, kwargs: dict
) -> None:
    response = bot.command("", slack.response_url("forged"), **kwargs)
    assert response.status_code == 401
    time.sleep(0.2)
    assert kalshi.count == 0 and slack.responses("forged") == []


def test_missing_signature_headers_are_rejected(bot: BotProcess, kalshi: FakeKalshi) -> None:
    response = httpx.post(f"{bot.url}/slack/events", content=b"command=%2Fbalance", timeout=5)
    assert response.status_code == 401
    assert kalshi.count == 0


def test_healthz_and_unknown_paths(bot: BotProcess) -> None:
    assert httpx.get(f"{bot.url}/healthz").status_code == 200
    assert httpx.get(f"{bot.url}/nope").status_code == 404


def test_access_control_refuses_without_figures_or_kalshi(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(BALANCE_ALLOWED_USERS="U0ALLOWED", BALANCE_ALLOWED_CHANNELS="C0DESK001,C0DESK002")
    refused = bot.command("", slack.response_url("no"), user="U0STRANGER").json()
    assert refused["response_type"] == "ephemeral" and "isn't available to you" in refused["text"]
    refused = bot.command("", slack.response_url("no"), user="U0ALLOWED", channel="C0OTHER").json()
    assert "isn't available to you" in refused["text"]
    bot.click_refresh(slack.response_url("no-refresh"), user="U0STRANGER")
    answer = slack.wait_response("no-refresh").body
    assert "isn't available to you" in answer["text"] and "$" not in answer["text"]
    assert kalshi.count == 0
    bot.command("", slack.response_url("yes"), user="U0ALLOWED")
    assert "$1,234.56" in slack.wait_response("yes").body["text"]
    assert "everyone in the workspace" not in bot.logs()


def test_open_access_is_warned_about_at_start_up(bot: BotProcess) -> None:
    assert "everyone in the workspace can see the Kalshi balance" in bot.logs()


def test_figures_in_hand_are_answered_inside_the_ack(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(BALANCE_FRESHNESS_SECONDS="30")
    bot.command("", slack.response_url("first"))
    slack.wait_response("first")
    ack = bot.command("", slack.response_url("second")).json()
    assert "$1,234.56" in ack["text"] and ack["response_type"] == "ephemeral"
    time.sleep(0.3)
    assert slack.responses("second") == [], "answered in the ack, so nothing more on the response_url"
    assert kalshi.count == 1


def test_start_up_with_bad_configuration_names_each_variable(start_bot: StartBot) -> None:
    bot = start_bot(wait_ready=False, SLACK_BOT_TOKEN="", PORT="99999", KALSHI_ENV="moon")
    assert bot.proc is not None
    assert bot.proc.wait(20) == 2
    logs = bot.logs()
    for name in ("SLACK_BOT_TOKEN", "PORT", "KALSHI_ENV"):
        assert name in logs
    assert "Traceback" not in logs


def test_sigterm_stops_cleanly(bot: BotProcess) -> None:
    assert bot.stop() == 0
    assert "shutting down" in bot.logs()


def test_an_ed25519_key_serves_slack(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    bot = start_bot(
        KALSHI_API_KEY_ID=keys.ED25519_KEY_ID, KALSHI_PRIVATE_KEY=keys.ed25519_pem().replace("\n", "\\n")
    )
    bot.command("", slack.response_url("ed"))
    assert "$1,234.56" in slack.wait_response("ed").body["text"]
    seen = kalshi.requests[-1]
    assert seen.verified and seen.headers["kalshi-access-key"] == keys.ED25519_KEY_ID
