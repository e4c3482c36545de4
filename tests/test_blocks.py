"""Every message against slack_sdk's block models (which enforce Slack's limits), with hostile input."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.balance import Reading, SubaccountsReading
from bot.domain.alert_state import AlertStatus
from bot.domain.money import INT64_MAX, INT64_MIN
from bot.domain.trend import Trend
from bot.kalshi.errors import KalshiAPIError, KalshiTimeout, Maintenance
from bot.kalshi.models import Balance, SubaccountBalance, SubaccountBalances
from bot.slack.blocks import alerts, balance, base, digest, home, notices, subaccounts
from bot.slack.blocks.alert_status import alert_status_message
from bot.slack.blocks.base import Message
from tests.fakes.chart_rules import assert_valid_blocks


def validate(message: Message) -> None:
    assert message.text.strip(), "a text fallback is always there"
    assert 1 <= len(message.blocks) <= 50
    assert_valid_blocks(
        message.blocks
    )  # slack_sdk's models raise when a limit is broken; charts: Slack's rules


def reading(balance: int = 123456, portfolio: int = 50000, ts: int = 1764000000) -> Reading:
    return Reading(Balance(balance, portfolio, ts), fetched_at=10.0, fetched_wall=1764000000.0)


def all_messages(text: str = "x", cents: int = 123456) -> list[Message]:
    error = KalshiAPIError(text, status=400, code=text, details=text, service=text)
    status = AlertStatus(
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
    off = AlertStatus("C0ALERTS1", None, None, "available", (), "ok")
    one_level = AlertStatus(
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
        alerts.alert_reading_again_message(Balance(cents, 0, 1764000000)),
        alert_status_message(status),
        alert_status_message(off),
        alert_status_message(one_level),
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
    status = AlertStatus("C0ALERTS1", 25000, 5000, "available", tags, "critical")
    shown = alert_status_message(status)
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


def every_subaccount(places: int = 6) -> SubaccountsReading:
    rows = tuple(
        SubaccountBalance(n, Decimal(10**12 + n).scaleb(-places) * (-1 if n % 5 == 0 else 1), 1764000000 + n)
        for n in range(64)
    )
    return SubaccountsReading(SubaccountBalances(rows), fetched_at=10.0, fetched_wall=1764000000.0)


def maintenance_error(resume: int | None) -> KalshiTimeout:
    error = KalshiTimeout()
    error.maintenance = Maintenance(resume)
    return error


def test_subaccount_views_are_valid_block_kit() -> None:
    sub = Reading(Balance(1234, 0, 1764000000, Decimal("12.345678")), 10.0, 1764000000.0, subaccount=0)
    messages = [
        balance.balance_message(sub, demo=True, now=11.0),
        subaccounts.subaccounts_message(every_subaccount(), demo=True, now=10.0),
        subaccounts.subaccounts_message(every_subaccount(2), demo=False, now=10.0),
        subaccounts.subaccounts_message(
            SubaccountsReading(SubaccountBalances(()), 10.0, 1764000000.0), demo=False, now=10.0
        ),
        balance.error_message(maintenance_error(1795750200), view="all"),
        balance.error_message(maintenance_error(None), view=3),
        alerts.alert_read_failure_message(maintenance_error(1795750200), 3),
    ]
    for message in messages:
        validate(message)
    assert "Subaccount 0 (primary)" in messages[0].blocks[0]["text"]["text"]
    assert "available $12.345678" in messages[0].text
    table = next(b for b in messages[1].blocks if b["type"] == "table")
    assert len(table["rows"]) == 66  # heading, 64 subaccounts, total: inside Slack's 100
    assert table["rows"][1][1]["text"] == "-$1,000,000.00"  # subaccount 0: -(10**12) millionths
    assert table["rows"][2][1]["text"] == "$1,000,000.000001"
    for message in messages[4:]:
        assert "<!date^1795750200^" in json.dumps(message.blocks) or "no time" in message.text
        assert "under maintenance" in message.text and "<!date" not in message.text


def test_refresh_values_round_trip_and_refuse_junk() -> None:
    for view in (None, 0, 7, 63, "all"):
        assert balance.view_of(balance.refresh_value(view)) == view
    for junk in ("sub:64", "sub:-1", "sub:\uff13", "sub:", "sub:007", None, 3, "ALL"):
        assert balance.view_of(junk) is None


EXACT = Balance(123456, 50000, 1764000000, Decimal("1234.5678"))  # Kalshi sent sub-cent digits


def exact_surfaces() -> dict[str, tuple[str, str]]:
    """Every surface that shows the figures, as (fallback text, blocks as JSON)."""
    read = Reading(EXACT, fetched_at=10.0, fetched_wall=1764000000.0)
    trend = Trend("+$1.00 (+0.1%)", "▁▂▃")
    messages = {
        "balance": balance.balance_message(read, demo=False, now=10.5, trend=trend),
        "digest": digest.digest_message(read, day="2026-11-26", trend=trend, alert=None),
        "reading again": alerts.alert_reading_again_message(EXACT),
    }
    for watch in ("available", "total"):
        c = alerts.Crossing(EXACT, watch, "warning", 200000, 200000, 200500, 1764000000.0, 1763990000.0)
        messages[f"low {watch}"] = alerts.low_balance_message(c)
        messages[f"recovered {watch}"] = alerts.recovered_message(c)
        messages[f"cleared {watch}"] = alerts.alert_cleared_message(c)
        messages[f"no longer critical {watch}"] = alerts.above_critical_message(c)
    for message in messages.values():
        validate(message)
    shown = {name: (m.text, json.dumps(m.blocks, ensure_ascii=False)) for name, m in messages.items()}
    view = home.home_view(read, now=10.5, trend=trend, history_kept=True, alert=None)
    for raw in view["blocks"]:
        assert Block.parse(raw) is not None and Block.parse(raw).to_dict() == raw  # type: ignore[union-attr]
    shown["home"] = ("", json.dumps(view["blocks"], ensure_ascii=False))
    return shown


def test_every_surface_shows_the_digits_kalshi_sent() -> None:
    assert base.figure_texts(EXACT) == ("$1,234.5678", "$500.00", "$1,734.5678")
    for name, (text, blocks) in exact_surfaces().items():
        for where in (text, blocks) if text else (blocks,):
            assert "$1,234.5678" in where or "$1,734.5678" in where, name
            assert not re.search(r"\$1,[27]34\.56(?!78)", where), f"{name} rounded a figure to the cent"
        if name in ("balance", "digest", "home") or name.startswith(
            ("low", "recovered", "cleared", "no longer")
        ):
            for figure in base.figure_texts(EXACT):
                assert figure in blocks, (name, figure)


def test_alert_text_names_the_watched_figure_exactly_and_levels_in_cents() -> None:
    surfaces = exact_surfaces()
    assert (
        "available balance $1,234.5678 is below the $2,000.00 warning level by $765.44"
        in (surfaces["low available"][0])
    )
    assert "(available + portfolio value) $1,734.5678 is below the $2,000.00" in surfaces["low total"][0]
    assert "*Total* (watched)\\n$1,734.5678" in surfaces["low total"][1]


def test_backticks_in_echoed_text_cannot_close_the_code_span() -> None:
    typed = "x` *bold* <!here> `y"
    reply = notices.usage_message(unknown=typed)
    validate(reply)
    head = reply.blocks[0]["text"]["text"].split(". ", 1)[0]
    assert head == "I don't know `x\u02cb *bold* &lt;!here&gt; \u02cby`"
    assert head.count("`") == 2
    error = KalshiAPIError("no", status=400, code="bad`*code*`", details=None, service=None)
    for message in (balance.error_message(error), alerts.alert_read_failure_message(error, 3)):
        validate(message)
        whole = json.dumps(message.blocks, ensure_ascii=False)
        assert "`bad\u02cb*code*\u02cb`" in whole and "bad`" not in whole


def test_kalshi_error_surfaces_share_the_sentence_details_and_hint() -> None:
    error = KalshiAPIError("slow <down>", status=429, code="rate", details="try & wait", service="ex")
    error.maintenance = Maintenance(1795750200)
    shown = [
        json.dumps(balance.error_message(error).blocks),
        json.dumps(alerts.alert_read_failure_message(error, 3).blocks),
        json.dumps(home.home_error_view(error, alert=None)["blocks"]),
    ]
    for whole in shown:
        assert "Kalshi said: slow &lt;down&gt;" in whole and "under maintenance" in whole
        assert "<!date^1795750200^" in whole and ":construction:" in whole
        assert "Details: try &amp; wait" in whole and "Service: ex" in whole and ":bulb:" in whole
