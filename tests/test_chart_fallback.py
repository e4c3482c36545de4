"""Charts where Slack takes them, the same message without them where Slack refuses them: on each surface
(the reply through the response_url, views.publish, a channel post), as the running bot sends them to a
fake Slack that checks the block against Slack's limits; and none at all with BALANCE_CHARTS=off."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.domain.chart_series import DAY, ChartHistory
from bot.domain.history import Sample
from bot.slack import chart_fallback
from bot.slack.blocks.base import Message, section
from bot.slack.blocks.chart import balance_chart
from bot.slack.chart_fallback import CHANNEL, EPHEMERAL, HOME, ChartGate
from bot.slack.notifier import make_poster
from bot.store.sqlite import SQLiteStore
from tests.bot_process import BOT_TOKEN, BotProcess
from tests.fakes.chart_rules import assert_valid_blocks, charts
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import RESPONSE, Call, FakeSlack, call_blocks
from tests.waits import wait_log

StartBot = Callable[..., BotProcess]
REFUSAL = "Slack refused the chart block on"


def prefill(tmp_path: Path) -> None:
    """A week of history in the bot's own store, a reading a day, with a portfolio value."""
    store = SQLiteStore(tmp_path / "state.sqlite3")
    now = time.time()
    for day in range(6, 0, -1):
        store.add_sample(Sample.reading(now - day * DAY, 1000_00 + day * 10_00, 250_00))
    store.close()


def chart_message(text: str = "Balance $1,234.56") -> Message:
    rows = [Sample.reading(1_800_000_000.0 - d * DAY, 1000_00 + d, 0) for d in range(3, -1, -1)]
    block = balance_chart(ChartHistory(rows, 1_800_000_000.0 - 7 * DAY, 1_800_000_000.0), title="t")
    assert block is not None
    return Message(text, [section("`▁▃▅▇` $1,234.56"), block])


def chart_count(blocks: Any) -> int:
    return len(charts(blocks))


def has_sparkline(blocks: Any) -> bool:
    return re.search(r"`[▁▂▃▄▅▆▇█]+`", json.dumps(blocks, ensure_ascii=False)) is not None


# -- the memory of refusals ---------------------------------------------------------------------------


def test_a_refused_chart_goes_again_without_it_and_the_surface_is_remembered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate, sent = ChartGate(), []

    def attempt(blocks: list[dict[str, Any]]) -> str | None:
        sent.append(blocks)
        return "invalid_blocks" if chart_count(blocks) else None

    message = chart_message()
    assert gate.send(HOME, message.blocks, attempt, lambda r: r) is None
    assert [chart_count(b) for b in sent] == [1, 0] and sent[1] == message.blocks[:1]
    assert not gate.allows(HOME) and gate.allows(EPHEMERAL) and gate.allows(CHANNEL)
    gate.send(HOME, message.blocks, attempt, lambda r: r)  # from now on, without it at once
    assert [chart_count(b) for b in sent] == [1, 0, 0]
    refusals = [r for r in caplog.records if REFUSAL in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelname == "WARNING"
    assert "the Home tab (invalid_blocks)" in refusals[0].getMessage()


def test_when_the_blocks_are_refused_without_the_chart_too_the_chart_is_not_blamed() -> None:
    gate, sent = ChartGate(), []

    def attempt(blocks: list[dict[str, Any]]) -> str:
        sent.append(blocks)
        return "invalid_blocks"

    assert gate.send(CHANNEL, chart_message().blocks, attempt, lambda r: r) == "invalid_blocks"
    assert [chart_count(b) for b in sent] == [1, 0] and gate.allows(CHANNEL)
    assert gate.send(CHANNEL, [section("no chart")], attempt, lambda r: r) == "invalid_blocks"
    assert len(sent) == 3  # nothing to leave out: sent once


def test_charts_off_leaves_them_out_before_sending() -> None:
    gate, sent = ChartGate(enabled=False), []
    gate.send(EPHEMERAL, chart_message().blocks, sent.append, lambda r: None)
    assert [chart_count(b) for b in sent] == [0]
    gate.configure(enabled=True)
    gate.send(EPHEMERAL, chart_message().blocks, sent.append, lambda r: None)
    assert [chart_count(b) for b in sent] == [0, 1]


# -- each surface, against the fake Slack ---------------------------------------------------------------


def test_history_reply_carries_a_chart_slack_takes(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.command("history", slack.response_url("week"))
    reply = slack.wait_response("week").body
    (chart,) = charts(reply["blocks"])
    assert_valid_blocks(reply["blocks"])
    assert chart["title"] == "Balance, last 7 days"
    assert [s["name"] for s in chart["chart"]["series"]] == ["Available balance", "Total"]
    assert chart["chart"]["series"][0]["data"][0]["value"] == 1060.0  # 6 days ago, exact
    assert has_sparkline(reply["blocks"])  # the sparkline stays
    assert not slack.chart_refusals and len(slack.responses("week")) == 1

    bot.command("history 90d", slack.response_url("quarter"))
    (quarter,) = charts(slack.wait_response("quarter").body["blocks"])
    assert quarter["title"] == "Balance, last 90 days"
    assert quarter["chart"]["axis_config"]["x_label"].startswith("Every 5 days (UTC)")


def test_history_reply_refused_at_the_response_url_goes_again_without_the_chart(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    slack.refuse_charts(RESPONSE)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.command("history", slack.response_url("week"))
    refused, plain = slack.wait_response("week", 1).body, slack.wait_response("week", 2).body
    assert chart_count(refused["blocks"]) == 1 and chart_count(plain["blocks"]) == 0
    assert plain["text"] == refused["text"] and "$1,234.56" in plain["text"]  # the figures, in the text
    assert plain["blocks"] == [b for b in refused["blocks"] if b["type"] != "data_visualization"]
    assert has_sparkline(plain["blocks"])
    wait_log(bot, REFUSAL)  # remembered once Slack took the reply without the chart

    bot.command("history 30d", slack.response_url("month"))  # refused once: left out from now on
    assert chart_count(slack.wait_response("month").body["blocks"]) == 0
    time.sleep(0.3)
    assert len(slack.responses("month")) == 1 and len(slack.chart_refusals) == 1
    assert bot.logs().count(REFUSAL) == 1
    assert f"{REFUSAL} replies only you can see (HTTP 400)" in bot.logs()


def test_home_tab_refused_by_views_publish_goes_again_without_the_chart(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    slack.refuse_charts("views.publish")
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.open_home("U0TRADER1")
    slack.wait_for(lambda s: len(s.published_views()) >= 2)
    (_, refused), (_, plain) = slack.published_views()
    assert chart_count(refused["blocks"]) == 1 and chart_count(plain["blocks"]) == 0
    assert "$1,234.56" in json.dumps(plain) and has_sparkline(plain["blocks"])
    assert slack.posts("views.publish")[0].body.get("user_id") == "U0TRADER1"
    wait_log(bot, REFUSAL)  # remembered once Slack took the view without the chart

    bot.open_home("U0TRADER1")
    slack.wait_for(lambda s: len(s.published_views()) >= 3)
    time.sleep(0.3)
    (*_, (_, again)) = slack.published_views()
    assert len(slack.published_views()) == 3 and chart_count(again["blocks"]) == 0
    assert bot.logs().count(REFUSAL) == 1 and f"{REFUSAL} the Home tab (invalid_blocks)" in bot.logs()
    assert "Slack refused to publish the Home tab" not in bot.logs()  # the second try was taken


def test_home_tab_chart_when_slack_takes_it(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.open_home("U0TRADER1")
    ((_, view),) = slack.wait_for(lambda s: s.published_views())
    assert_valid_blocks(view["blocks"])
    (chart,) = charts(view["blocks"])
    assert chart["title"] == "Balance, last 7 days" and chart["chart"]["series"][1]["name"] == "Total"


def test_a_channel_post_refused_goes_again_without_the_chart(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The poster the alerts and the digest post with (chat.postMessage through slack_sdk)."""
    monkeypatch.setattr(chart_fallback, "CHARTS", ChartGate())  # this test's own memory of refusals
    post = make_poster(WebClient(token=BOT_TOKEN, base_url=slack.api_url), "C0DIGEST1")
    message = chart_message()
    assert post(message).ok
    assert [chart_count(call_blocks(c)) for c in slack.posts()] == [1]

    slack.refuse_charts("chat.postMessage")
    assert post(message).ok
    assert [chart_count(call_blocks(c)) for c in slack.posts()] == [1, 1, 0]
    assert slack.posts()[-1].body["text"] == message.text
    assert post(message).ok  # refused once: left out from now on
    assert [chart_count(call_blocks(c)) for c in slack.posts()] == [1, 1, 0, 0]
    assert sum(REFUSAL in r.getMessage() for r in caplog.records) == 1

    slack.reset()
    too_many = Message("x", [*message.blocks, *message.blocks[1:] * 2])  # three charts: over Slack's limit
    monkeypatch.setattr(chart_fallback, "CHARTS", ChartGate())
    assert make_poster(WebClient(token=BOT_TOKEN, base_url=slack.api_url), "C0DIGEST1")(too_many).ok
    assert "at most 2 charts in a message" in slack.chart_refusals[0][1]


def test_charts_off_leaves_them_out_everywhere(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60", BALANCE_CHARTS="off")
    bot.command("history", slack.response_url("week"))
    reply = slack.wait_response("week").body
    assert chart_count(reply["blocks"]) == 0 and has_sparkline(reply["blocks"])
    bot.open_home("U0TRADER1")
    ((_, view),) = slack.wait_for(lambda s: s.published_views())
    assert chart_count(view["blocks"]) == 0 and "$1,234.56" in json.dumps(view)
    assert "charts are off (BALANCE_CHARTS=off)" in bot.logs()


# -- the digest: the job passes the week's history ------------------------------------------------------

DIGEST = "C0DIGEST1"


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M:%S")


@pytest.mark.slow(3)
def test_digest_carries_the_chart_and_goes_again_without_it_when_refused(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    prefill(tmp_path)
    slack.refuse_charts("chat.postMessage")
    bot = start_bot(BALANCE_DIGEST_TIME=at(3), BALANCE_DIGEST_CHANNEL=DIGEST, BALANCE_HISTORY_INTERVAL="2")

    def digest_posts(s: FakeSlack) -> list[Call]:
        return [c for c in s.posts() if c.body.get("channel") == DIGEST]

    posts = slack.wait_for(lambda s: len(digest_posts(s)) >= 2 and digest_posts(s), 20)  # refused, again
    wait_log(bot, REFUSAL)  # logged once the post without the chart went out
    assert [chart_count(call_blocks(c)) for c in posts] == [1, 0]
    assert "$1,234.56" in posts[1].body["text"] and bot.logs().count(REFUSAL) == 1
