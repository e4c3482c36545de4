from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import (
    INT64_MAX,
    INT64_MIN,
    AmountError,
    cents_to_dollars,
    format_cents,
    format_dollars,
    parse_dollars,
    parse_fixed_point,
    parse_plain_dollars,
    plain_dollars,
)


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (123456, "$1,234.56"),
        (-1234, "-$12.34"),
        (5, "$0.05"),
        (0, "$0.00"),
        (-5, "-$0.05"),
        (100, "$1.00"),
        (INT64_MAX, "$92,233,720,368,547,758.07"),
        (INT64_MIN, "-$92,233,720,368,547,758.08"),
    ],
)
def test_examples(cents: int, text: str) -> None:
    assert format_cents(cents) == text


def oracle(cents: int) -> str:
    value = Decimal(cents).scaleb(-2)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@given(st.integers(min_value=INT64_MIN, max_value=INT64_MAX))
def test_matches_decimal_oracle_over_int64(cents: int) -> None:
    assert format_cents(cents) == oracle(cents)


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_round_trips_formatted_text(cents: int) -> None:
    assert parse_dollars(format_cents(cents), maximum_cents=10**12) == cents


def test_rejects_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        format_cents(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_cents(True)


@pytest.mark.parametrize(
    ("text", "cents"), [("250", 25000), ("250.00", 25000), ("$1,000", 100000), ("0.5", 50)]
)
def test_parse_dollars(text: str, cents: int) -> None:
    assert parse_dollars(text) == cents


@pytest.mark.parametrize(
    "text", ["abc", "-5", "1e9", "12.345", "", "  ", "1,00", "$", "99999999999999999999"]
)
def test_parse_dollars_refuses(text: str) -> None:
    with pytest.raises(AmountError):
        parse_dollars(text)


@pytest.mark.parametrize(
    "text",
    [
        "\uff12\uff15\uff10",
        "$\uff11,\uff10\uff10\uff10",
        "\u0662\u0665\u0660",
        "25\uff10.00",
        "\u00b2",
        "250.\u0660\u0660",
        "\U0001d7d0\U0001d7d3\U0001d7ce",
    ],
)
def test_only_ascii_digits_are_dollars(text: str) -> None:
    with pytest.raises(AmountError):
        parse_dollars(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("12.3456", "$12.3456"),
        ("12.3400", "$12.34"),
        ("12.340001", "$12.340001"),
        ("1234567.5", "$1,234,567.50"),
        ("0.000001", "$0.000001"),
        ("0", "$0.00"),
        ("-0.5600", "-$0.56"),
        ("-1234.567", "-$1,234.567"),
        ("999999999999999999.999999", "$999,999,999,999,999,999.999999"),
    ],
)
def test_fixed_point_dollars_round_trip_exactly(text: str, shown: str) -> None:
    assert format_dollars(parse_fixed_point(text)) == shown


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.2345678",
        "1e3",
        "NaN",
        "Infinity",
        "+1",
        " 1",
        "1.",
        ".5",
        "1,000",
        "\u0661\u0662",
        "\uff11\uff12",
    ],
)
def test_fixed_point_refuses_what_kalshi_does_not_send(text: str) -> None:
    with pytest.raises(ValueError):
        parse_fixed_point(text)


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1), st.integers(min_value=0, max_value=6))
def test_fixed_point_keeps_every_digit(units: int, places: int) -> None:
    value = Decimal(units).scaleb(-places)
    text = f"{value:f}"
    assert parse_fixed_point(text) == value
    shown = format_dollars(parse_fixed_point(text))
    assert Decimal(shown.replace("$", "").replace(",", "")) == value


@given(st.integers(min_value=INT64_MIN, max_value=INT64_MAX))
def test_cents_as_dollars_agree_with_format_cents(cents: int) -> None:
    assert format_dollars(cents_to_dollars(cents)) == format_cents(cents)


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_plain_dollars_round_trip_exactly(cents: int) -> None:
    assert parse_plain_dollars(plain_dollars(cents)) == cents


def test_plain_dollars_for_files() -> None:
    assert plain_dollars(123456) == "1234.56" and plain_dollars(-5) == "-0.05" and plain_dollars(0) == "0.00"
    assert parse_plain_dollars("1234.5") == 123450 and parse_plain_dollars("7") == 700
    for bad in ("12.345", "12.340", "1,234.56", "$12", "12.", ".5", "1e3", "+1", " - 1", "\uff11"):
        with pytest.raises(AmountError):
            parse_plain_dollars(bad)
