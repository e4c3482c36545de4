"""``/balance why`` end to end: the bot as a process, requests signed as Slack signs them, the fake Kalshi
serving the activity in pages (signatures checked), the bot's own history for the starting balance."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.activity import Ends, explain
from bot.kalshi.activity_models import ActivityRead, Fill, KindRead, Settlement
from bot.kalshi.errors import KalshiAPIError, KalshiTimeout, Maintenance
from bot.slack.blocks.why import why_message
from tests.bot_process import BotProcess
from tests.fakes.kalshi import FakeKalshi, Reply, subaccount_row
from tests.fakes.kalshi_activity import DEPOSITS, FILLS, TRANSFERS, fill, transfer
from tests.fakes.slack import FakeSlack
from tests.test_blocks import validate
from tests.test_why_cli import a_day_with_history, add_activity

StartBot = Callable[..., BotProcess]


def whole(reply: dict) -> str:
    return reply["text"] + json.dumps(reply["blocks"], ensure_ascii=False)


def test_why_explains_the_change_from_the_history_to_the_last_digit(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    a_day_with_history(tmp_path, kalshi)
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    assert bot.command("why", slack.response_url("why")).status_code == 200
    reply = slack.wait_response("why").body
    assert reply["response_type"] == "ephemeral"
    text = reply["text"]
    assert text.startswith("Why the balance changed, last 24 h: then $1,000.00 (")
    assert "now $1,234.56, change +$234.56." in text
    assert "Trades +$32.36 (bought $41.00 · sold $74.56 · fees $1.20; 3 fills on 2 markets)." in text
    assert "Deposits +$199.00 ($200.00 · fees $1.00; 1 applied)." in text  # the pending one is not
    assert "Withdrawals -$5.00" in text and "Transfers +$8.20 (in $8.20 · out $0.00; 1 transfer)." in text
    assert "Sum of the activity +$234.56; not explained by the activity above: $0.00." in text
    assert "KXRAIN-1 moved $115.76: net +$33.36, fees $1.20, 2 fills" in text
    blocks = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "*Not explained by the activity above:* $0.00" in blocks and "`KXRAIN-1`" in blocks
    assert all(r.verified for r in kalshi.requests)


def test_why_without_history_shows_the_activity_and_says_the_start_is_unknown(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    add_activity(kalshi, time.time())
    bot = start_bot()
    bot.command("why 7d", slack.response_url("nohist"))
    text = slack.wait_response("nohist").body["text"]
    assert text.startswith(
        "Why the balance changed, last 7 days: now $1,234.56. The starting balance is unknown:"
    )
    assert "this bot keeps no balance history" in text
    assert "Sum of the activity +$234.56; not explained by the activity above: unknown" in text


def test_a_failed_kind_is_named_in_plain_words_and_the_rest_shown(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    a_day_with_history(tmp_path, kalshi)
    body = {"code": "forbidden", "message": "this key may not read fills", "service": "api"}
    kalshi.route(FILLS, Reply(403, body))
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.command("why", slack.response_url("err"))
    reply = slack.wait_response("err").body
    text = reply["text"]
    assert (
        "Trades couldn't be read: Kalshi said: this key may not read fills (HTTP 403, code `forbidden`)"
        in text
    )
    assert "Deposits +$199.00" in text and "Transfers +$8.20" in text  # the rest is shown
    assert "not explained by the activity above: unknown, since the fills could not be read" in text
    blocks = json.dumps(reply["blocks"])
    assert ":warning: couldn't be read (below)" in blocks and "Service: api" in blocks
    assert "Traceback" not in whole(reply)


@pytest.mark.slow(3)
def test_everyone_asking_at_once_shares_one_read(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    add_activity(kalshi, time.time())
    kalshi.latency = 0.2
    bot = start_bot()
    for i in range(6):
        assert bot.command("why", slack.response_url(f"s{i}"), user=f"U0TRADER{i}").status_code == 200
    texts = {slack.wait_response(f"s{i}").body["text"].split(": ", 1)[1] for i in range(6)}
    assert len(texts) == 1  # the same figures for everyone
    assert len(kalshi.seen(FILLS)) == 1 and len(kalshi.seen(DEPOSITS)) == 1
    bot.command("why 30d", slack.response_url("month"))  # another window: its own read
    slack.wait_response("month")
    assert len(kalshi.seen(FILLS)) == 2


def test_sub_n_why_reads_that_subaccount(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    now = int(time.time())
    kalshi.set_subaccounts(subaccount_row(3, "50.0000"))
    kalshi.activity.add(FILLS, fill("KX-3", now - 60, subaccount=3, fee="0.0123"))
    kalshi.activity.add(TRANSFERS, transfer(0, 3, 5_000, now - 120))
    bot = start_bot(BALANCE_HISTORY_INTERVAL="60")
    bot.command("sub 3 why 7d", slack.response_url("sub"))
    reply = slack.wait_response("sub").body
    assert reply["blocks"][0]["text"]["text"] == "Why the balance changed · last 7 days · Subaccount 3"
    text = reply["text"]
    assert "now $50.00. The starting balance is unknown: the bot's history is the account's" in text
    assert "Trades -$0.5723" in text and "Transfers +$50.00" in text and "Deposits" not in text
    assert kalshi.seen(FILLS)[0].query["subaccount"] == ["3"] and not kalshi.seen(DEPOSITS)


def test_why_is_refused_where_balance_is_and_listed_in_help(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot(BALANCE_ALLOWED_USERS="U0TRADER1")
    refused = bot.command("why", slack.response_url("no"), user="U0STRANGER")
    assert "isn't available to you" in refused.json()["text"]
    assert not kalshi.seen(FILLS)
    help_text = bot.command("help", slack.response_url("help")).json()["text"]
    assert "`/balance why [24h|7d|30d]`" in help_text
    assert "I don't know `why 1y`" in bot.command("why 1y", slack.response_url("bad")).json()["text"]


def test_the_why_message_keeps_slacks_limits_and_escapes_kalshis_text() -> None:
    hostile = "<!channel> `x` <https://evil|click> &amp;" * 5
    fills = tuple(
        Fill(
            f"f{i}",
            f"{hostile}{i}",
            i % 2 == 0,
            "yes",
            Decimal("3.00"),
            Decimal("0.123456"),
            Decimal("0.0001"),
            1,
        )
        for i in range(8)
    )
    settled = KindRead((Settlement(hostile, "no", 12345, Decimal("0.01"), 2),))
    error = KalshiAPIError(hostile, status=500, code=hostile, details=hostile, service=hostile)
    error.maintenance = Maintenance(1764003600)
    read = ActivityRead(
        0, 3600, 0, KindRead(fills), settled, KindRead(error=error), None, KindRead(partial=True)
    )
    ends = Ends(then=Decimal("10"), then_at=0, now=Decimal("12.3456"), now_error=None)
    for e in (
        explain(read, ends, None),
        explain(read, Ends(then_unknown=hostile, now_error=KalshiTimeout()), 63),
    ):
        for demo in (False, True):
            message = why_message(e, period="30d", demo=demo)
            validate(message)
            assert "<!channel>" not in json.dumps(message.blocks) and "<!channel>" not in message.text
    assert (
        "Kalshi is under maintenance" in why_message(explain(read, ends, None), period="24h", demo=False).text
    )
