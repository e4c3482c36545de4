"""Every message against slack_sdk's block models (which enforce Slack's limits), with hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.balance import Reading
from bot.kalshi.errors import KalshiAPIError, KalshiTimeout
from bot.kalshi.models import Balance
from bot.money import INT64_MAX, INT64_MIN
from bot.slack import blocks
from bot.slack.blocks import Message


def validate(message: Message) -> None:
    assert message.text.strip(), "a text fallback is always there"
    assert 1 <= len(message.blocks) <= 50
    for raw in message.blocks:
        model = Block.parse(raw)
        assert model is not None, raw
        assert model.to_dict() == raw  # to_dict() raises when a limit is broken


def reading(balance: int = 123456, portfolio: int = 50000, ts: int = 1764000000) -> Reading:
    return Reading(Balance(balance, portfolio, ts), fetched_at=10.0, fetched_wall=1764000000.0)


def all_messages(text: str = "x", cents: int = 123456) -> list[Message]:
    error = KalshiAPIError(text, status=400, code=text, details=text, service=text)
    status = blocks.AlertStatus("C0ALERTS1", 25000, "low", 1764000000.0, cents, text, 500)
    return [
        blocks.balance_message(reading(cents, cents), demo=False, now=10.5),
        blocks.balance_message(reading(cents, -cents), demo=True, now=99.0),
        blocks.error_message(error, demo=True),
        blocks.error_message(KalshiTimeout()),
        blocks.unexpected_error_message(),
        blocks.usage_message(),
        blocks.usage_message(unknown=text),
        blocks.refusal_message(),
        blocks.alerts_off_message(),
        blocks.low_balance_message(cents, 25000, 1764000000.0),
        blocks.low_balance_message(cents, 25000, 1764000000.0, demo=True, reminder=True),
        blocks.recovered_message(cents, 25000, 1764000000.0, 1763990000.0),
        blocks.alert_cleared_message(cents, 25000, 1764000000.0, 1763990000.0, demo=True),
        blocks.alert_read_failure_message(error, 3),
        blocks.alert_reading_again_message(cents),
        blocks.alert_status_message(status),
        blocks.alert_status_message(blocks.AlertStatus("C0ALERTS1", None, "ok", None, None, None, None)),
    ]


@pytest.mark.parametrize("index", range(17))
def test_every_message_is_valid_block_kit(index: int) -> None:
    validate(all_messages()[index])


@pytest.mark.parametrize("cents", [0, 5, -5, INT64_MAX // 2, INT64_MIN // 2])
def test_extreme_amounts_render(cents: int) -> None:
    for message in all_messages(cents=cents):
        validate(message)


@given(st.text(min_size=0, max_size=5000))
def test_hostile_text_stays_inside_limits_and_escaped(text: str) -> None:
    for message in all_messages(text or "x"):
        validate(message)
        whole = message.text + repr(message.blocks)
        for bad in ("<!channel>", "<!here>", "<@U", "<http"):
            if bad in whole:
                # only our own <!date^…> and <#C…> markup may contain '<'
                pytest.fail(f"unescaped markup {bad!r} in {message.text[:80]!r}")


def test_escape_and_clip() -> None:
    assert blocks.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert blocks.clip("a" * 10, 5) == "aaaa…"
    assert blocks.clip("abc&amp;def", 7) == "abc…"  # never cuts an escape in half


def test_balance_fields_and_fallback_agree() -> None:
    message = blocks.balance_message(reading(123456, 50000), demo=False, now=10.2)
    fields: list[dict[str, Any]] = message.blocks[1]["fields"]
    for f, figure in zip(fields, ["$1,234.56", "$500.00", "$1,734.56"], strict=True):
        assert figure in f["text"] and figure in message.text
