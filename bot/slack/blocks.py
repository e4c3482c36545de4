"""Every message the bot sends, rendered in one place: Block Kit blocks plus a plain ``text`` fallback.

Blocks are built with slack_sdk's block models, whose ``to_dict()`` validates Slack's limits. Any text
that came from a person or from Kalshi goes through :func:`escape` (and :func:`clip`) first, so no
mention, ``<!channel>`` or link can come out of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.balance import Reading
from bot.kalshi.errors import KalshiError
from bot.money import format_cents

REFRESH_ACTION = "balance_refresh"
COMMAND = "/balance"


@dataclass(frozen=True)
class Message:
    """What Slack gets: ``text`` (notifications, screen readers) beside ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]

    def ephemeral(self) -> dict[str, Any]:
        """Keyword arguments for ``ack()`` / ``respond()``: seen only by the person who asked."""
        return {"text": self.text, "blocks": self.blocks, "response_type": "ephemeral"}

    def post(self) -> dict[str, Any]:
        """Keyword arguments for ``chat.postMessage``."""
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """Slack's three control characters, so user and Kalshi text is shown, never interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters, marking the cut, without breaking an ``&amp;`` escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _build(*blocks: Block) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _context(*lines: str) -> ContextBlock:
    return ContextBlock(elements=[_mrkdwn(clip(line, 2000)) for line in lines])


def slack_date(ts: int, fmt: str = "{date_short_pretty} at {time}") -> str:
    """Slack's date formatting, shown in the reader's own time zone, with a UTC fallback."""
    try:
        fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return f"unix time {ts}"
    return f"<!date^{ts}^{fmt}|{fallback}>"


def utc_text(ts: float) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return f"unix time {int(ts)}"


def freshness(age_seconds: float) -> str:
    if age_seconds < 1:
        return "fetched just now"
    return f"fetched {age_seconds:.0f} s ago"


def _refresh_button(label: str = "Refresh") -> ActionsBlock:
    return ActionsBlock(
        block_id="balance_actions",
        elements=[ButtonElement(text=label, action_id=REFRESH_ACTION, value="refresh")],
    )


def balance_message(reading: Reading, *, demo: bool, now: float) -> Message:
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
    context = [f"Updated by Kalshi {slack_date(b.updated_ts)} · {fresh}"]
    if demo:
        context.insert(0, ":test_tube: *DEMO* account: demo-api figures, not real money")
    blocks = _build(
        HeaderBlock(text=PlainTextObject(text=f"Kalshi balance{demo_tag}", emoji=True)),
        SectionBlock(
            fields=[
                _mrkdwn(f"*Available balance*\n{available}"),
                _mrkdwn(f"*Portfolio value*\n{portfolio}"),
                _mrkdwn(f"*Total*\n{total}"),
            ]
        ),
        _context(*context),
        _refresh_button(),
    )
    return Message(text, blocks)


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
    blocks: list[Block] = [SectionBlock(text=_mrkdwn(f":warning: {text}"))]
    if lines:
        blocks.append(_context(*lines))
    blocks.append(_refresh_button("Try again"))
    return Message(text, _build(*blocks))


def unexpected_error_message() -> Message:
    text = "Something went wrong on our side while reading the balance. The bot's log has the details."
    return Message(text, _build(SectionBlock(text=_mrkdwn(f":warning: {text}"))))


USAGE = (
    f"*{COMMAND}* shows your Kalshi balance, only to you.\n"
    f"• `{COMMAND}`: available balance, portfolio value and total\n"
    f"• `{COMMAND} alert`: the low-balance alert: threshold, channel, state\n"
    f"• `{COMMAND} alert 250`: alert when the balance falls below $250 (admins)\n"
    f"• `{COMMAND} alert off`: turn the alert off (admins)\n"
    f"• `{COMMAND} help`: this help"
)


def usage_message(unknown: str | None = None) -> Message:
    intro = ""
    if unknown is not None:
        intro = f"I don't know `{clip(escape(unknown), 100)}`. "
    text = intro + USAGE
    return Message(text, _build(SectionBlock(text=_mrkdwn(text))))


def refusal_message() -> Message:
    text = (
        "Sorry, the Kalshi balance isn't available to you here. "
        "Ask whoever runs this bot to allow your user or this channel."
    )
    return Message(text, _build(SectionBlock(text=_mrkdwn(f":no_entry: {text}"))))


def alerts_off_message() -> Message:
    text = "Low-balance alerts are not set up on this bot (its operator sets BALANCE_ALERT_CHANNEL)."
    return Message(text, _build(SectionBlock(text=_mrkdwn(text))))
