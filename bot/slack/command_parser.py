"""What the text after ``/balance`` asks for."""

from __future__ import annotations

from dataclasses import dataclass

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
    amount: str  # dollars as typed; validated where the threshold is set


@dataclass(frozen=True)
class AlertOff:
    pass


Command = ShowBalance | ShowAll | Help | ShowAlert | SetAlert | AlertOff


def parse(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        return ShowBalance()
    head = words[0].lower()
    if head in {"help", "-h", "--help", "?"}:
        return Help()
    if head == "all" and len(words) == 1:
        return ShowAll()
    if head in SUBACCOUNT_WORDS and len(words) == 2:
        number = words[1]
        # ASCII digits only (str.isdigit also takes other scripts' digits), 0..63: else the usage reply
        if number.isascii() and number.isdigit() and len(number) <= 2 and int(number) <= 63:
            return ShowBalance(subaccount=int(number))
    if head == "alert":
        rest = " ".join(words[1:])
        if not rest:
            return ShowAlert()
        if rest.lower() == "off":
            return AlertOff()
        return SetAlert(rest)
    return Help(unknown=(text or "").strip())
