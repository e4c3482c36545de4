"""/balance sub N, /balance all and maintenance end to end: the bot as a process, requests signed as
Slack signs them, the fake Kalshi serving the current shapes and verifying signatures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest

from tests import keys
from tests.bot_process import BotProcess
from tests.fakes.kalshi import (
    BALANCE,
    EXCHANGE_STATUS,
    SUBACCOUNT_BALANCES,
    FakeKalshi,
    Reply,
    exchange_status_body,
    subaccount_row,
)
from tests.fakes.slack import FakeSlack

StartBot = Callable[..., BotProcess]

THREE = (
    subaccount_row(0, "1000.0000", 1764000000),
    subaccount_row(1, "12.3456", 1764000100, index=0),
    subaccount_row(1, "0.0044", 1764000200, index=1),  # a second exchange index: summed
    subaccount_row(3, "250.5000", 1764000300),
)


@pytest.fixture
def bot(start_bot: StartBot) -> Iterator[BotProcess]:
    yield start_bot(KALSHI_TIMEOUT_SECONDS="1.5")


def whole(reply: dict) -> str:
    return reply["text"] + json.dumps(reply["blocks"])


@pytest.mark.parametrize("key", ["rsa", "ed25519"])
def test_sub_n_reads_that_subaccount_and_names_it(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, key: str
) -> None:
    extra = {}
    if key == "ed25519":
        extra = {
            "KALSHI_API_KEY_ID": keys.ED25519_KEY_ID,
            "KALSHI_PRIVATE_KEY": keys.ed25519_pem().replace("\n", "\\n"),
        }
    bot = start_bot(**extra)
    kalshi.set_subaccounts(*THREE)
    bot.command("sub 1", slack.response_url("s1"))
    reply = slack.wait_response("s1").body
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Kalshi balance, subaccount 1: available $12.35,")
    assert reply["blocks"][0]["text"]["text"] == "Kalshi balance · Subaccount 1"
    seen = kalshi.seen(BALANCE)[-1]
    assert seen.query == {"subaccount": ["1"]} and seen.verified
    button = reply["blocks"][-1]["elements"][0]
    assert button["action_id"] == "balance_refresh" and button["value"] == "sub:1"


def test_sub_n_shows_sub_cent_digits_kalshi_sent(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_subaccounts(subaccount_row(2, "12.3456"))
    bot.command("sub 2", slack.response_url("cents"))
    reply = slack.wait_response("cents").body
    assert "available $12.3456" in reply["text"] and "*Available balance*\\n$12.3456" in json.dumps(
        reply["blocks"]
    )


@pytest.mark.parametrize(
    "text", ["sub 64", "sub -1", "sub x", "sub", "sub 1 2", "sub \uff13", "sub \u0663", "sub 1.0"]
)
def test_a_bad_subaccount_gets_the_usage_and_kalshi_is_not_asked(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack, text: str
) -> None:
    body = bot.command(text, slack.response_url("bad")).json()
    assert body["response_type"] == "ephemeral" and "/balance sub 3" in body["text"]
    time.sleep(0.1)
    assert kalshi.count == 0


def test_all_lists_every_subaccount_exactly_with_the_sum(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_subaccounts(*THREE)
    bot.command("all", slack.response_url("all"))
    reply = slack.wait_response("all").body
    text = reply["text"]
    assert "primary (0) $1,000.00" in text
    assert "1 $12.35 (updated 2025-11-24 16:03 UTC)" in text  # 12.3456 + 0.0044 on two exchange indexes
    assert "3 $250.50" in text and "Total $1,262.85 over 3 subaccounts" in text
    table = next(b for b in reply["blocks"] if b["type"] == "table")
    cells = [[c.get("text") for c in row] for row in table["rows"]]
    assert cells[0] == ["Subaccount", "Balance", "Updated"]
    assert [row[:2] for row in cells[1:]] == [
        ["Primary (0)", "$1,000.00"],
        ["1", "$12.35"],
        ["3", "$250.50"],
        ["Total", "$1,262.85"],
    ]
    date = table["rows"][2][2]["elements"][0]["elements"][0]
    assert date["type"] == "date" and date["timestamp"] == 1764000200
    assert reply["blocks"][-1]["elements"][0]["value"] == "all"
    assert kalshi.seen(SUBACCOUNT_BALANCES)[-1].verified


def test_all_keeps_sub_cent_digits(bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    kalshi.set_subaccounts(
        subaccount_row(0, "12.3456"), subaccount_row(0, "0.000001", index=1), subaccount_row(5, "12.3400")
    )
    bot.command("all", slack.response_url("sub-cent"))
    text = slack.wait_response("sub-cent").body["text"]
    assert "primary (0) $12.345601" in text and "5 $12.34 " in text and "Total $24.685601" in text


def test_refresh_on_a_subaccount_view_refreshes_that_view(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_subaccounts(subaccount_row(3, "10.00"))
    bot.command("sub 3", slack.response_url("r"))
    assert "available $10.00" in slack.wait_response("r").body["text"]
    kalshi.set_subaccounts(subaccount_row(3, "11.1111"))
    bot.click_refresh(slack.response_url("r"), value="sub:3")
    reply = slack.wait_response("r", count=2).body
    assert reply["replace_original"] is True and "subaccount 3: available $11.1111" in reply["text"]
    assert kalshi.seen(BALANCE)[-1].query == {"subaccount": ["3"]}

    bot.command("all", slack.response_url("ra"))
    slack.wait_response("ra")
    kalshi.set_subaccounts(subaccount_row(3, "12.00"))
    before = len(kalshi.seen(SUBACCOUNT_BALANCES))
    bot.click_refresh(slack.response_url("ra"), value="all")
    reply = slack.wait_response("ra", count=2).body
    assert reply["replace_original"] is True and "Total $12.00 over 1 subaccount," in reply["text"]
    assert len(kalshi.seen(SUBACCOUNT_BALANCES)) == before + 1


def test_a_forged_refresh_value_refreshes_the_account(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot.click_refresh(slack.response_url("odd"), value="sub:99")
    assert slack.wait_response("odd").body["text"].startswith("Kalshi balance: available $1,234.56")
    assert kalshi.seen(BALANCE)[-1].query == {}


def test_maintenance_reads_as_maintenance(bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    kalshi.default = Reply(503, {"code": "service_unavailable", "message": "service unavailable"})
    kalshi.route(EXCHANGE_STATUS, Reply(body=exchange_status_body(False, "2026-11-27T03:30:00Z")))
    bot.command("", slack.response_url("m"))
    reply = slack.wait_response("m", timeout=10).body
    assert "Kalshi is under maintenance" in reply["text"] and "2026-11-27 03:30 UTC" in reply["text"]
    blocks = json.dumps(reply["blocks"])
    assert "<!date^1795750200^" in blocks and "maintenance is over" in blocks
    assert kalshi.seen(EXCHANGE_STATUS), "the status was asked"


def test_an_outage_that_is_not_maintenance_says_no_maintenance(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.route(SUBACCOUNT_BALANCES, Reply(500, {"code": "internal", "message": "internal error"}))
    bot.command("all", slack.response_url("o"))
    reply = slack.wait_response("o", timeout=10).body
    assert "maintenance" not in whole(reply)
    assert reply["text"].startswith("Couldn't read your Kalshi subaccount balances")
    assert reply["blocks"][-1]["elements"][0]["value"] == "all"
    assert kalshi.seen(EXCHANGE_STATUS), "a 5xx makes the bot ask the exchange status"
