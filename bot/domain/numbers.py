"""Numbers typed by people or sent by servers, read with ASCII digits only.

Python's ``int()``, ``float()``, ``str.isdigit()`` and regex ``\\d`` also take other scripts' digits
(fullwidth, Arabic-Indic, even superscript two for ``isdigit``), so fullwidth "250" would become 250
and a superscript would pass ``isdigit`` and then fail ``int()``. Everything the bot reads as a number
goes through here instead.
"""

from __future__ import annotations

import re

_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")


def whole_number(text: str) -> int | None:
    """``"42"`` -> 42; ``None`` for anything but ASCII digits (no sign, no spaces)."""
    return int(text) if _WHOLE.fullmatch(text) else None


def seconds_number(text: str) -> float | None:
    """``"1.5"`` -> 1.5; ``None`` for anything but ASCII digits with at most one decimal point.

    A float, for durations (seconds, hours) only: money is never a float (see :mod:`bot.domain.money`)."""
    return float(text) if _DECIMAL.fullmatch(text) else None
