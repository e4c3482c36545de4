"""The ``/balance`` reply: the figures with a Refresh button, or why they could not be read."""

from __future__ import annotations

from bot.balance import Reading
from bot.history.trend import Trend
from bot.kalshi.errors import KalshiError
from bot.money import format_cents
from bot.slack.blocks.base import (
    Block,
    Message,
    build,
    clip,
    context,
    escape,
    fields,
    freshness,
    header,
    section,
    slack_date,
    utc_text,
)
from bot.slack.blocks.history import trend_lines

REFRESH_ACTION = "balance_refresh"


def _refresh_button(label: str = "Refresh") -> Block:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": REFRESH_ACTION,
        "value": "refresh",
    }
    return {"type": "actions", "block_id": "balance_actions", "elements": [button]}


def balance_message(reading: Reading, *, demo: bool, now: float, trend: Trend | None = None) -> Message:
    b = reading.balance
    available, portfolio, total = (
        format_cents(b.balance_cents),
        format_cents(b.portfolio_value_cents),
        format_cents(b.total_cents),
    )
    demo_tag = " (DEMO)" if demo else ""
    fresh = freshness(reading.age(now))
    text = (
        f"Kalshi balance{demo_tag}: available {available}, portfolio value {portfolio}, "
        f"total {total}. Updated {utc_text(b.updated_ts)}, {fresh}."
    )
    notes = [f"Updated by Kalshi {slack_date(b.updated_ts)} · {fresh}"]
    if demo:
        notes.insert(0, ":test_tube: *DEMO* account: demo-api figures, not real money")
    blocks = [
        header(f"Kalshi balance{demo_tag}"),
        fields(
            f"*Available balance*\n{available}",
            f"*Portfolio value*\n{portfolio}",
            f"*Total*\n{total}",
        ),
    ]
    lines = trend_lines(trend)
    if lines is not None:
        blocks.append(context(lines[0]))
        text += f" {lines[1]}."
    blocks += [context(*notes), _refresh_button()]
    return Message(text, build(*blocks))


def error_message(error: KalshiError, *, demo: bool = False) -> Message:
    sentence = clip(escape(error.sentence()), 1000)
    tags = []
    if error.status is not None:
        tags.append(f"HTTP {error.status}")
    if error.code:
        tags.append(f"code `{clip(escape(error.code), 100)}`")
    tag_text = f" ({', '.join(tags)})" if tags else ""
    lines = []
    if error.details:
        lines.append(f"Details: {clip(escape(error.details), 500)}")
    if error.service:
        lines.append(f"Service: {clip(escape(error.service), 100)}")
    hint = error.hint()
    if hint:
        lines.append(f":bulb: {escape(hint)}")
    demo_tag = " (DEMO)" if demo else ""
    text = f"Couldn't read your Kalshi balance{demo_tag}. {sentence}{tag_text}"
    blocks: list[Block] = [section(f":warning: {text}")]
    if lines:
        blocks.append(context(*lines))
    blocks.append(_refresh_button("Try again"))
    return Message(text, build(*blocks))
