"""What the text after ``/balance`` asks for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowBalance:
    pass


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


Command = ShowBalance | Help | ShowAlert | SetAlert | AlertOff


def parse(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        return ShowBalance()
    head = words[0].lower()
    if head in {"help", "-h", "--help", "?"}:
        return Help()
    if head == "alert":
        rest = " ".join(words[1:])
        if not rest:
            return ShowAlert()
        if rest.lower() == "off":
            return AlertOff()
        return SetAlert(rest)
    return Help(unknown=(text or "").strip())
