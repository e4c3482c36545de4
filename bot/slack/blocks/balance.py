"""The ``/balance`` and ``/balance sub N`` reply: the figures with a Refresh button, or why they could
not be read. The Refresh button carries the view it refreshes (see :func:`refresh_value`)."""

from __future__ import annotations

from typing import Literal

from bot.balance import Reading
from bot.domain.numbers import whole_number
from bot.domain.trend import Trend
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import SUBACCOUNTS
from bot.slack.blocks.base import (
    DEMO_NOTE,
    Block,
    Message,
    build,
    context,
    error_emoji,
    error_lines,
    error_parts,
    error_tags,
    fields,
    figure_lines,
    figure_texts,
    freshness,
    header,
    section,
    slack_date,
    utc_text,
)
from bot.slack.blocks.history import trend_lines, trend_unavailable_lines

REFRESH_ACTION = "balance_refresh"

View = int | None | Literal["all"]
"""What a reply shows and its Refresh reads again: the account (None), subaccount N, or ``"all"``."""


def refresh_value(view: View) -> str:
    if view == "all":
        return "all"
    if view is None:
        return "refresh"
    return f"sub:{view}"


def view_of(value: object) -> View:
    """The view a Refresh button's value names; anything unexpected refreshes the account."""
    if value == "all":
        return "all"
    if isinstance(value, str) and value.startswith("sub:") and len(value) <= 6:
        number = whole_number(value[4:])
        if number is not None and number in SUBACCOUNTS:
            return number
    return None


def subaccount_label(subaccount: int) -> str:
    return "Subaccount 0 (primary)" if subaccount == 0 else f"Subaccount {subaccount}"


def refresh_button(view: View = None, label: str = "Refresh") -> Block:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": REFRESH_ACTION,
        "value": refresh_value(view),
    }
    return {"type": "actions", "block_id": "balance_actions", "elements": [button]}


def balance_message(
    reading: Reading,
    *,
    demo: bool,
    now: float,
    trend: Trend | None = None,
    history_unavailable: str | None = None,
) -> Message:
    """``history_unavailable``: why the history could not be read (the figures go without the trend)."""
    b = reading.balance
    available, portfolio, total = figure_texts(b)
    demo_tag = " (DEMO)" if demo else ""
    sub = reading.subaccount
    title = "Kalshi balance" if sub is None else f"Kalshi balance · {subaccount_label(sub)}"
    lead = "Kalshi balance" if sub is None else f"Kalshi balance, {subaccount_label(sub).lower()}"
    fresh = freshness(reading.age(now))
    text = (
        f"{lead}{demo_tag}: available {available}, portfolio value {portfolio}, "
        f"total {total}. Updated {utc_text(b.updated_ts)}, {fresh}."
    )
    notes = [f"Updated by Kalshi {slack_date(b.updated_ts)} · {fresh}"]
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks = [
        header(f"{title}{demo_tag}"),
        fields(*figure_lines(b)),
    ]
    lines = trend_lines(trend)
    if lines is None and history_unavailable is not None:
        lines = trend_unavailable_lines(history_unavailable)
    if lines is not None:
        blocks.append(context(lines[0]))
        text += f" {lines[1].rstrip('.')}."
    blocks += [context(*notes), refresh_button(sub)]
    return Message(text, build(*blocks))


def _slack_when(ts: int) -> str:
    return slack_date(ts, "{date_short_pretty} at {time}")


def error_message(error: KalshiError, *, demo: bool = False, view: View = None) -> Message:
    tag_text = error_tags(error)
    plain, shown = error_parts(error, _slack_when)
    lines = error_lines(error)
    demo_tag = " (DEMO)" if demo else ""
    what = "your Kalshi balance"
    if view == "all":
        what = "your Kalshi subaccount balances"
    elif view is not None:
        what = f"the Kalshi balance of {subaccount_label(view).lower()}"
    text = f"Couldn't read {what}{demo_tag}. {plain}{tag_text}"
    blocks: list[Block] = [section(f"{error_emoji(error)} Couldn't read {what}{demo_tag}. {shown}{tag_text}")]
    if lines:
        blocks.append(context(*lines))
    blocks.append(refresh_button(view, "Try again"))
    return Message(text, build(*blocks))
