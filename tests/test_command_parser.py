"""What the text after /balance asks for, the alert commands in particular."""

from __future__ import annotations

import pytest

from bot.slack.command_parser import AlertOff, Help, SetAlert, ShowAlert, ShowBalance, ShowWhy, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ShowBalance()),
        ("alert", ShowAlert()),
        ("ALERT", ShowAlert()),
        ("alert 250", SetAlert("250", "warning")),
        ("alert warning $1,000", SetAlert("$1,000", "warning")),
        ("alert off", AlertOff("warning")),
        ("alert warning off", AlertOff("warning")),
        ("alert critical 50", SetAlert("50", "critical")),
        ("alert Critical  50.00", SetAlert("50.00", "critical")),
        ("alert critical off", AlertOff("critical")),
        ("alert critical OFF", AlertOff("critical")),
        ("alert critical", SetAlert("", "critical")),  # refused where it is set: an amount is needed
        ("alert warning", SetAlert("", "warning")),
        ("alert critical 5 0", SetAlert("5 0", "critical")),
        ("help", Help()),
        ("what", Help(unknown="what")),
    ],
)
def test_parse(text: str, command: object) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("why", ShowWhy("24h")),
        ("WHY 7D", ShowWhy("7d")),
        ("why 30d", ShowWhy("30d")),
        ("why 24h", ShowWhy("24h")),
        ("sub 3 why", ShowWhy("24h", 3)),
        ("subaccount 0 why 7d", ShowWhy("7d", 0)),
        ("why 90d", Help(unknown="why 90d")),
        ("why 7d now", Help(unknown="why 7d now")),
        ("sub 64 why", Help(unknown="sub 64 why")),
        ("sub 3 what", Help(unknown="sub 3 what")),
        ("sub \uff13 why", Help(unknown="sub \uff13 why")),
        ("why \uff17d", Help(unknown="why \uff17d")),
    ],
)
def test_parse_why(text: str, command: object) -> None:
    assert parse(text) == command
