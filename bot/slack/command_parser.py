"""What the text after ``/balance`` asks for."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.alert_state import CRITICAL, WARNING
from bot.domain.numbers import whole_number

SUBACCOUNT_WORDS = frozenset({"sub", "subaccount"})


@dataclass(frozen=True)
class ShowBalance:
    subaccount: int | None = None  # None: the account as the key sees it; 0..63: that subaccount


@dataclass(frozen=True)
class ShowAll:
    """Every subaccount's balance and the sum."""


@dataclass(frozen=True)
class Help:
    unknown: str | None = None  # the text we did not understand, if that is why


@dataclass(frozen=True)
class ShowAlert:
    pass


@dataclass(frozen=True)
class SetAlert:
    amount: str  # dollars as typed; validated where the level is set
    level: str = WARNING  # WARNING or CRITICAL


@dataclass(frozen=True)
class AlertOff:
    level: str = WARNING  # WARNING: every alert off; CRITICAL: the critical level cleared


@dataclass(frozen=True)
class ShowHistory:
    days: int = 7


@dataclass(frozen=True)
class ShowWhy:
    """What moved the balance over the period: ``/balance why [24h|7d|30d]``, ``/balance sub N why …``."""

    period: str = "24h"
    subaccount: int | None = None


Command = ShowBalance | ShowAll | Help | ShowAlert | SetAlert | AlertOff | ShowHistory | ShowWhy

HISTORY_PERIODS = {"7d": 7, "30d": 30, "90d": 90, "7": 7, "30": 30, "90": 90}
WHY_PERIODS = ("24h", "7d", "30d")  # as bot.why.PERIODS


def parse(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        return ShowBalance()
    head = words[0].lower()
    if head in {"help", "-h", "--help", "?"}:
        return Help()
    if head == "all" and len(words) == 1:
        return ShowAll()
    if head in SUBACCOUNT_WORDS and len(words) >= 2:
        number = whole_number(words[1]) if len(words[1]) <= 2 else None  # ASCII digits only
        if number is not None and number <= 63:  # else the usage reply, and Kalshi is not asked
            if len(words) == 2:
                return ShowBalance(subaccount=number)
            why = _why(words[2:], number)
            if why is not None:
                return why
    if head == "why":
        why = _why(words, None)
        if why is not None:
            return why
    if head == "alert":
        args = words[1:]
        level = WARNING
        if args and args[0].lower() in {WARNING, CRITICAL}:
            level, args = args[0].lower(), args[1:]
        rest = " ".join(args)
        if not rest and level == WARNING and len(words) == 1:
            return ShowAlert()
        if rest.lower() == "off":
            return AlertOff(level)
        return SetAlert(rest, level)
    if head == "history" and len(words) <= 2:
        days = HISTORY_PERIODS.get(words[1].lower() if len(words) == 2 else "7d")
        if days is not None:
            return ShowHistory(days)
    return Help(unknown=(text or "").strip())


def _why(words: list[str], subaccount: int | None) -> ShowWhy | None:
    """``why`` and an optional period; ``None`` for anything else (the usage reply)."""
    if words[0].lower() != "why" or len(words) > 2:
        return None
    period = words[1].lower() if len(words) == 2 else "24h"
    return ShowWhy(period, subaccount) if period in WHY_PERIODS else None
