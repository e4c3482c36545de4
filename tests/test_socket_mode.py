"""Socket Mode end to end: the bot connects to our websocket, acks /balance, answers via response_url."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.bot_process import APP_TOKEN, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import ApiReply, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode


def command_envelope(envelope_id: str, text: str, response_url: str) -> dict:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "x",
            "team_id": "T0DESK",
            "team_domain": "desk",
            "channel_id": "C0DESK001",
            "channel_name": "trading",
            "user_id": "U0TRADER1",
            "user_name": "trader",
            "command": "/balance",
            "text": text,
            "api_app_id": "A0BOT",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        },
    }


@pytest.mark.slow(3)
def test_socket_mode_balance_without_signing_secret_or_port(
    start_bot: Callable[..., BotProcess], socket_server: FakeSocketMode, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(wait_ready=False, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="", PORT="")
    assert socket_server.connected.wait(20), bot.logs()
    open_call = slack.wait_for(lambda s: s.posts("apps.connections.open"))[0]
    assert open_call.headers["authorization"] == f"Bearer {APP_TOKEN}"

    socket_server.send(command_envelope("env-1", "", slack.response_url("sock")))
    ack = socket_server.ack_for("env-1")
    assert ack == {"envelope_id": "env-1"}
    reply = slack.wait_response("sock").body
    assert "$1,234.56" in reply["text"] and reply["response_type"] == "ephemeral"

    socket_server.send(command_envelope("env-2", "help", slack.response_url("sock-help")))
    ack = socket_server.ack_for("env-2")
    assert "/balance alert" in ack["payload"]["text"]
    time.sleep(0.1)
    assert bot.stop() == 0
    assert "Socket Mode: connected" in bot.logs()


def test_a_refused_app_token_is_one_clear_line_and_exit_1(
    start_bot: Callable[..., BotProcess], slack: FakeSlack
) -> None:
    slack.script("apps.connections.open", ApiReply(body={"ok": False, "error": "invalid_auth"}))
    bot = start_bot(wait_ready=False, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    assert bot.proc is not None and bot.proc.wait(30) == 1
    logs = bot.logs()
    assert "Slack refused to open a Socket Mode connection (invalid_auth): check SLACK_APP_TOKEN" in logs
    assert "Traceback" not in logs
