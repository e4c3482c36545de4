"""The App Home tab through signed Events API requests (HTTP) and Socket Mode: figures with the 24 h
change and the sparkline for an allowed user, an explanation and no Kalshi request for a refused one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.domain.history import Sample
from bot.store.sqlite import SQLiteStore
from tests.bot_process import APP_TOKEN, BotProcess, event_envelope, home_opened_event
from tests.fakes.chart_rules import assert_valid_blocks
from tests.fakes.kalshi import SUBACCOUNT_BALANCES, FakeKalshi, subaccount_row
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.waits import wait_checks

StartBot = Callable[..., BotProcess]


def validate_view(view: dict[str, Any]) -> None:
    assert view["type"] == "home" and 1 <= len(view["blocks"]) <= 100
    assert_valid_blocks(view["blocks"])


def wait_views(slack: FakeSlack, count: int = 1) -> list[tuple[str, dict[str, Any]]]:
    slack.wait_for(lambda s: len(s.published_views()) >= count, 10)
    return slack.published_views()


def test_home_for_an_allowed_user_with_history_and_refresh(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    store = SQLiteStore(tmp_path / "state.sqlite3")  # the bot's own store, a day of history in it
    store.add_sample(Sample.reading(time.time() - 23 * 3600, 1000_00, 0))
    store.add_sample(Sample.reading(time.time() - 12 * 3600, 1100_00, 0))
    store.close()
    bot = start_bot(BALANCE_ALLOWED_USERS="U0TRADER1", BALANCE_HISTORY_INTERVAL="60")

    response = bot.open_home("U0TRADER1")
    assert response.status_code == 200
    ((user, view),) = wait_views(slack)
    assert user == "U0TRADER1"
    validate_view(view)
    text = json.dumps(view, ensure_ascii=False)
    assert "$1,234.56" in text and "$500.00" in text and "$1,734.56" in text
    assert "+$234.56 (+23.5%)" in text  # since the oldest sample within 24 h, 23 h ago
    assert "`▁" in text  # the sparkline
    assert "Low-balance alert: not set up" in text
    assert view["blocks"][-1]["elements"][0]["action_id"] == "home_refresh"

    before = kalshi.count
    assert bot.click_home_refresh("U0TRADER1").status_code == 200
    (_, (user, again)) = wait_views(slack, 2)
    assert user == "U0TRADER1" and "$1,234.56" in json.dumps(again)
    assert kalshi.count > before  # Refresh asks Kalshi again

    bot.open_home("U0TRADER1", tab="messages")  # the Messages tab: nothing to publish
    time.sleep(0.5)
    assert len(slack.published_views()) == 2


def test_home_for_a_refused_user_explains_and_kalshi_is_not_asked(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(BALANCE_ALLOWED_USERS="U0TRADER1")
    assert bot.open_home("U0STRANGER").status_code == 200
    ((user, view),) = wait_views(slack)
    validate_view(view)
    text = json.dumps(view)
    assert user == "U0STRANGER" and "isn't available to you" in text and "$" not in text
    assert bot.click_home_refresh("U0STRANGER").status_code == 200
    (_, (_, again)) = wait_views(slack, 2)
    assert "$" not in json.dumps(again)
    assert kalshi.count == 0
    assert "refused the Home tab for user U0STRANGER" in bot.logs()


def test_home_with_the_alert_state_and_only_channels_allowed(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    bot = start_bot(**alert_env)
    wait_checks(bot, 1, since=bot.started_at)  # the first check is done
    bot.open_home("U0TRADER1")
    ((_, view),) = wait_views(slack)
    validate_view(view)
    text = json.dumps(view)
    assert "below *$250.00*" in text and "State: *OK*" in text and "Last check" in text

    channels_only = start_bot(BALANCE_ALLOWED_CHANNELS="C0DESK001")
    channels_only.open_home("U0TRADER1")
    (_, (_, refused)) = wait_views(slack, 2)
    assert "only in the channels" in json.dumps(refused)


def test_forged_events_are_refused(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    bot = start_bot()
    body = json.dumps(event_envelope(home_opened_event()))
    headers = {"Content-Type": "application/json"}
    assert bot.post_signed(body, secret="not-the-secret", headers=headers).status_code == 401
    stale = bot.post_signed(body, timestamp=int(time.time()) - 3600, headers=headers)
    assert stale.status_code == 401
    challenge = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"})
    answered = bot.post_signed(challenge, headers=headers)
    assert answered.status_code == 200 and "abc123" in answered.text  # Slack's URL check
    time.sleep(0.5)
    assert slack.published_views() == [] and kalshi.count == 0


@pytest.mark.slow(3)
def test_home_over_socket_mode(
    start_bot: StartBot, socket_server: FakeSocketMode, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(wait_ready=False, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="", PORT="")
    assert socket_server.connected.wait(20), bot.logs()
    envelope = {
        "envelope_id": "home-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": event_envelope(home_opened_event("U0TRADER1")),
    }
    socket_server.send(envelope)
    assert socket_server.ack_for("home-1") == {"envelope_id": "home-1"}
    ((user, view),) = wait_views(slack)
    assert user == "U0TRADER1" and "$1,234.56" in json.dumps(view)
    assert bot.stop() == 0


def test_home_lists_several_subaccounts_exactly(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_subaccounts(
        subaccount_row(0, "1000.00"), subaccount_row(2, "12.3456"), subaccount_row(2, "0.0001", index=1)
    )
    bot = start_bot(BALANCE_ALLOWED_USERS="U0TRADER1")
    bot.open_home("U0TRADER1")
    ((_, view),) = wait_views(slack)
    validate_view(view)
    assert "Subaccounts (2): #0 $1,000.00 · #2 $12.3457" in json.dumps(view, ensure_ascii=False)
    assert kalshi.seen(SUBACCOUNT_BALANCES)[-1].verified
