"""What the text after ``/balance`` asks for."""

from __future__ import annotations

from dataclasses import dataclass

from bot.alerts.store import CRITICAL, WARNING


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
    amount: str  # dollars as typed; validated where the level is set
    level: str = WARNING  # WARNING or CRITICAL


@dataclass(frozen=True)
class AlertOff:
    level: str = WARNING  # WARNING: every alert off; CRITICAL: the critical level cleared


Command = ShowBalance | Help | ShowAlert | SetAlert | AlertOff


def parse(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        return ShowBalance()
    head = words[0].lower()
    if head in {"help", "-h", "--help", "?"}:
        return Help()
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
    return Help(unknown=(text or "").strip())
