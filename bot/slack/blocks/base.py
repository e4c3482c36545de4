"""What every surface's rendering shares: :class:`Message`, escaping, clipping and the block primitives.

Blocks are plain dicts (this is the hot path of every reply), kept inside Slack's limits by :func:`clip`
and checked against slack_sdk's block models in the tests. Any text that came from a person or from
Kalshi goes through :func:`escape` first, so no mention, ``<!channel>`` or link can come out of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.domain.money import format_cents, format_dollars

if TYPE_CHECKING:
    from bot.kalshi.errors import KalshiError
    from bot.kalshi.models import Balance

Block = dict[str, Any]
COMMAND = "/balance"
DEMO_NOTE = ":test_tube: *DEMO* account: demo-api figures, not real money"  # atop every demo surface


@dataclass(frozen=True)
class Message:
    """What Slack gets: ``text`` (notifications, screen readers) beside ``blocks``."""

    text: str
    blocks: list[Block]

    def ephemeral(self) -> dict[str, Any]:
        """Keyword arguments for ``ack()`` / ``respond()``: seen only by the person who asked."""
        return {"text": self.text, "blocks": self.blocks, "response_type": "ephemeral"}

    def post(self) -> dict[str, Any]:
        """Keyword arguments for ``chat.postMessage``."""
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """Slack's three control characters, so user and Kalshi text is shown, never interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


GRAVE = "\u02cb"  # looks like a backtick, closes no code span


def code(text: str, limit: int = 100) -> str:
    """Person's or Kalshi's text as an inline code span: escaped, clipped, and with its backticks turned
    into :data:`GRAVE` so it cannot close the span and format what follows."""
    return f"`{clip(escape(text.replace('`', GRAVE)), limit)}`"


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters, marking the cut, without breaking an ``&amp;`` escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


# Slack's limits: header text 150, section text 3000, a field 2000, 10 fields, 10 context elements.


def build(*blocks: Block) -> list[Block]:
    return list(blocks)


def mrkdwn(text: str, limit: int = 3000) -> Block:
    return {"type": "mrkdwn", "text": clip(text, limit), "verbatim": True}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [mrkdwn(t, 2000) for t in texts[:10]]}


def context(*lines: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(line, 2000) for line in lines[:10]]}


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


def figure_texts(balance: Balance) -> tuple[str, str, str]:
    """Available balance, portfolio value and total as every surface shows them: to the last digit
    Kalshi sent (sub-cent digits included), never rounded to the cent."""
    return (
        format_dollars(balance.available_dollars),
        format_cents(balance.portfolio_value_cents),
        format_dollars(balance.total_dollars),
    )


def figure_lines(balance: Balance, *, watched: str | None = None) -> list[str]:
    """The three figures as field texts; ``watched`` (``"available"`` or ``"total"``) marks the one a
    low-balance alert watches."""
    available, portfolio, total = figure_texts(balance)
    mark = " (watched)"
    return [
        f"*Available balance*{mark if watched == 'available' else ''}\n{available}",
        f"*Portfolio value*\n{portfolio}",
        f"*Total*{mark if watched == 'total' else ''}\n{total}",
    ]


def error_parts(error: KalshiError, when: Callable[[int], str]) -> tuple[str, str]:
    """What every surface says of a failed read, as (plain text, mrkdwn with Slack's dates): the
    maintenance notice when there is one, then the sentence (Kalshi's or ours, escaped and clipped)."""
    sentence = clip(escape(error.sentence()), 1000)
    notice = error.maintenance_notice()  # our own words: no escaping needed
    slack_notice = error.maintenance_notice(when=when)
    plain = f"{notice + ' ' if notice else ''}{sentence}"
    shown = f"{slack_notice + ' ' if slack_notice else ''}{sentence}"
    return plain, shown


def error_emoji(error: KalshiError, otherwise: str = ":warning:") -> str:
    return ":construction:" if error.maintenance is not None else otherwise


def error_tags(error: KalshiError) -> str:
    """`` (HTTP 500, code `x`)`` after a failed read's sentence, or nothing."""
    tags = []
    if error.status is not None:
        tags.append(f"HTTP {error.status}")
    if error.code:
        tags.append(f"code {code(error.code)}")
    return f" ({', '.join(tags)})" if tags else ""


def error_lines(error: KalshiError) -> list[str]:
    """The context lines under a failed read: Kalshi's details and service, and our hint."""
    lines = []
    if error.details:
        lines.append(f"Details: {clip(escape(error.details), 500)}")
    if error.service:
        lines.append(f"Service: {clip(escape(error.service), 100)}")
    hint = error.hint()
    if hint:
        lines.append(f":bulb: {escape(hint)}")
    return lines
