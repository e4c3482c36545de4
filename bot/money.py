"""Money as text: integer cents in, dollars out, and dollars typed by a person back to cents.

Never through float: every step is integer arithmetic (or Decimal for parsing).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def format_cents(cents: int) -> str:
    """``123456`` -> ``"$1,234.56"``, ``-1234`` -> ``"-$12.34"``, ``5`` -> ``"$0.05"``."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, not {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    dollars, rem = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rem:02d}"


_DOLLARS = re.compile(r"\$?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?")  # ASCII digits only


class AmountError(ValueError):
    """A dollar amount typed by a person that we cannot accept; the message says why."""


def parse_dollars(text: str, *, maximum_cents: int = 100_000_000_00) -> int:
    """``"250"``, ``"250.00"``, ``"$1,000"`` -> cents. Refuses negatives, exponents and sub-cent amounts."""
    raw = text.strip()
    if not raw:
        raise AmountError("an amount in dollars is needed, for example 250 or $1,000.50")
    if raw.startswith("-"):
        raise AmountError("the amount must be positive")
    if not _DOLLARS.fullmatch(raw):
        raise AmountError(
            "the amount must be dollars and at most two decimals, for example 250, 250.00 or $1,000"
        )
    try:
        value = Decimal(raw.lstrip("$").replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise AmountError("the amount is not a number") from exc
    cents = int(value * 100)
    if cents > maximum_cents:
        raise AmountError(f"the amount is larger than the largest allowed, {format_cents(maximum_cents)}")
    return cents
