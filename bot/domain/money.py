"""Money as text: integer cents in, dollars out; Kalshi's fixed-point dollar strings in and out; and
dollars typed by a person back to cents.

Never through float: every step is integer arithmetic or Decimal, exact to the last digit Kalshi sent.
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


def format_dollars(amount: Decimal) -> str:
    """Exact dollars, cents always shown, sub-cent digits kept only when there are any.

    ``Decimal("12.3456")`` -> ``"$12.3456"``, ``Decimal("12.3400")`` -> ``"$12.34"``,
    ``Decimal("-1234.5")`` -> ``"-$1,234.50"``.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError("amount must be a finite Decimal")
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{sign}${int(whole):,}.{frac}"


def cents_to_dollars(cents: int) -> Decimal:
    """Integer cents as an exact Decimal of dollars."""
    return Decimal(cents).scaleb(-2)


# Kalshi's fixed-point dollar strings ("0.5600", "-12.345678"): ASCII digits, at most 6 decimals.
_FIXED_POINT = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,6})?")


def parse_fixed_point(text: str) -> Decimal:
    """A fixed-point dollar string as Kalshi sends it, exactly; ValueError when it is not one."""
    if not isinstance(text, str) or not _FIXED_POINT.fullmatch(text):
        raise ValueError("not a fixed-point dollar amount with at most 6 decimals")
    return Decimal(text)


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


def plain_dollars(cents: int) -> str:
    """Integer cents as plain dollars for files and spreadsheets: ``123456`` -> ``"1234.56"``,
    ``-5`` -> ``"-0.05"`` (no currency sign, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    dollars, rem = divmod(abs(cents), 100)
    return f"{sign}{dollars}.{rem:02d}"


_PLAIN = re.compile(r"(-?)([0-9]{1,16})(?:\.([0-9]*))?")  # ASCII digits only; the decimals checked apart


def parse_plain_dollars(text: str) -> int:
    """``"1234.56"``, ``"1234.5"``, ``"1234"``, ``"-0.05"`` -> cents; :class:`AmountError` for anything else,
    more than two decimals included (``"12.345"``, even ``"12.340"``): nothing is rounded."""
    match = _PLAIN.fullmatch(text.strip())
    if match is None:
        raise AmountError("not a plain dollar amount like 1234.56")
    sign, whole, decimals = match.groups()
    if decimals is not None and len(decimals) > 2:
        raise AmountError(f"more than 2 decimals ({len(decimals)})")
    if decimals == "":
        raise AmountError("not a plain dollar amount like 1234.56")
    cents = int(whole) * 100 + int((decimals or "").ljust(2, "0"))
    return -cents if sign else cents
