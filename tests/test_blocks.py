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
from bot.slack.blocks import alerts, balance, base, notices
from bot.slack.blocks.base import Message


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
    status = alerts.AlertStatus(
        channel="C0ALERTS1",
        warning_cents=25000,
        critical_cents=5000,
        watch="total",
        mentions=("S0TRADERS", "here"),  # users are shown as <@U…>, tested below
        state="critical",
        low_since=1763990000.0,
        critical_since=1763995000.0,
        last_check_at=1764000000.0,
        last_balance_cents=cents,
        last_portfolio_cents=cents,
        last_error=text,
        recovery_cents=25500,
        critical_recovery_cents=5100,
    )
    off = alerts.AlertStatus("C0ALERTS1", None, None, "available", (), "ok")
    one_level = alerts.AlertStatus(
        "C0ALERTS1", 25000, None, "available", (), "warning", ignored_critical_cents=30000
    )
    return [
        balance.balance_message(reading(cents, cents), demo=False, now=10.5),
        balance.balance_message(reading(cents, -cents), demo=True, now=99.0),
        balance.error_message(error, demo=True),
        balance.error_message(KalshiTimeout()),
        notices.unexpected_error_message(),
        notices.usage_message(),
        notices.usage_message(unknown=text),
        notices.refusal_message(),
        notices.alerts_off_message(),
        alerts.low_balance_message(crossing(cents, "warning")),
        alerts.low_balance_message(crossing(cents, "critical", demo=True), reminder=True),
        alerts.above_critical_message(crossing(cents, "warning", watch="total")),
        alerts.recovered_message(crossing(cents, "ok")),
        alerts.alert_cleared_message(crossing(cents, "ok", demo=True)),
        alerts.alert_read_failure_message(error, 3),
        alerts.alert_reading_again_message(cents),
        alerts.alert_status_message(status),
        alerts.alert_status_message(off),
        alerts.alert_status_message(one_level),
    ]


def crossing(cents: int, level: str, watch: str = "available", demo: bool = False) -> alerts.Crossing:
    return alerts.Crossing(
        balance=Balance(cents, cents // 3, 1764000000),
        watch=watch,
        level=level,
        level_cents=5000 if level == "critical" else 25000,
        warning_cents=25000,
        recovery_cents=25500,
        at=1764000000.0,
        low_since=1763990000.0,
        demo=demo,
    )


def test_mentions_are_markup_only_in_critical_alerts_and_never_in_status() -> None:
    tags = ("U0DESK001", "W0GRID001", "S0TRADERS", "here", "channel")
    critical = alerts.low_balance_message(crossing(100, "critical"), tags)
    validate(critical)
    for markup in ["<@U0DESK001>", "<@W0GRID001>", "<!subteam^S0TRADERS>", "<!here>", "<!channel>"]:
        assert markup in critical.text and markup in str(critical.blocks)
    status = alerts.AlertStatus("C0ALERTS1", 25000, 5000, "available", tags, "critical")
    shown = alerts.alert_status_message(status)
    assert "<!here>" not in str(shown) and "<!subteam" not in str(shown) and "@here" in shown.text
    assert "U0DESK001" in shown.text


def test_durations() -> None:
    assert alerts.duration_text(0) == "under a minute"
    assert alerts.duration_text(-5) == "under a minute"
    assert alerts.duration_text(7500) == "2 h 5 min"
    assert alerts.duration_text(3600) == "1 h"
    assert alerts.duration_text(200000) == "2 d 7 h"
    assert alerts.duration_text(86400 * 3) == "3 d"


@pytest.mark.parametrize("index", range(19))
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
    assert base.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert base.clip("a" * 10, 5) == "aaaa…"
    assert base.clip("abc&amp;def", 7) == "abc…"  # never cuts an escape in half


def test_balance_fields_and_fallback_agree() -> None:
    message = balance.balance_message(reading(123456, 50000), demo=False, now=10.2)
    fields: list[dict[str, Any]] = message.blocks[1]["fields"]
    for f, figure in zip(fields, ["$1,234.56", "$500.00", "$1,734.56"], strict=True):
        assert figure in f["text"] and figure in message.text
