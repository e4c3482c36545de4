"""``/balance`` with history (the 24 h change and the sparkline) and ``/balance history``, as Slack
sends them: signed requests to the bot process, answers through the response_url."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.history import Sample
from bot.store.sqlite import SQLiteStore
from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.waits import wait_checks

StartBot = Callable[..., BotProcess]
DAY = 86_400


def prefill(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "state.sqlite3")
    now = time.time()
    store.add_sample(Sample.reading(now - 3 * DAY, 900_00, 0))
    store.add_sample(Sample.reading(now - 25 * 3600, 1000_00, 0))
    store.add_sample(Sample.reading(now - 40 * DAY, 500_00, 0))
    store.close()


def test_balance_shows_the_24h_change_and_the_sparkline(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    assert bot.command("", slack.response_url("bal")).status_code == 200
    reply = slack.wait_response("bal").body
    assert "$1,234.56" in reply["text"]
    assert "24 h change +$234.56 (+23.5%)" in reply["text"]  # 1,234.56 against 1,000.00 25 h ago
    blocks = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "*24 h:* +$234.56 (+23.5%)" in blocks and "*7 d:* `▁" in blocks


def test_balance_without_history_is_unchanged(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot()
    bot.command("", slack.response_url("plain"))
    reply = slack.wait_response("plain").body
    assert "$1,234.56" in reply["text"] and "24 h" not in reply["text"]
    bot.command("history", slack.response_url("off"))
    assert "keeps no balance history" in slack.wait_response("off").body["text"]


def test_balance_history_periods(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    wait_checks(bot, 1, since=bot.started_at)  # the first check has recorded 1,234.56
    bot.command("history", slack.response_url("week"))
    week = slack.wait_response("week").body
    assert week["response_type"] == "ephemeral"
    assert week["text"].startswith("Kalshi balance, last 7 days")
    assert "$900.00 to $1,234.56, change +$334.56 (+37.2%)" in week["text"]
    assert "lowest $900.00, highest $1,234.56" in week["text"]
    blocks = json.dumps(week["blocks"])
    assert "*First*" in blocks and "*Lowest*" in blocks and "<!date^" in blocks

    bot.command("history 90d", slack.response_url("quarter"))
    quarter = slack.wait_response("quarter").body["text"]
    assert "last 90 days" in quarter and "$500.00 to $1,234.56" in quarter

    unknown = bot.command("history 1y", slack.response_url("bad"))
    assert "I don't know `history 1y`" in unknown.json()["text"]  # the help, in the acknowledgement

    bot.command("history", slack.response_url("refused"), user="U0STRANGER", channel="C0ELSEWHERE")
    assert slack.wait_response("refused").body["text"]  # open to everyone here: answered
    restricted = start_bot(BALANCE_HISTORY_INTERVAL="60", BALANCE_ALLOWED_USERS="U0TRADER1")
    refused = restricted.command("history", slack.response_url("no"), user="U0STRANGER")
    assert "isn't available to you" in refused.json()["text"]


@pytest.mark.slow(4)
def test_history_is_recorded_at_each_alert_check_with_one_kalshi_request(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    from tests.bot_process import ALERTS_ENV

    bot = start_bot(**ALERTS_ENV)  # a check every 2 s
    wait_checks(bot, 3, since=bot.started_at)
    bot.stop()
    store = SQLiteStore(tmp_path / "state.sqlite3")
    samples = store.samples(0, time.time())
    store.close()
    assert len(samples) >= 2 and all(s.balance_cents == 1234_56 for s in samples)
    assert kalshi.count == len(samples)  # the history took the alert check's reading each time
