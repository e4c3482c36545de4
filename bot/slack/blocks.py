"""Every message the bot sends, rendered in one place: Block Kit blocks plus a plain ``text`` fallback.

Blocks are plain dicts (this is the hot path of every reply), kept inside Slack's limits by :func:`clip`
and checked against slack_sdk's block models in the tests. Any text that came from a person or from
Kalshi goes through :func:`escape` first, so no mention, ``<!channel>`` or link can come out of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot.balance import Reading
from bot.kalshi.errors import KalshiError
from bot.money import format_cents

Block = dict[str, Any]
REFRESH_ACTION = "balance_refresh"
COMMAND = "/balance"


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


def _build(*blocks: Block) -> list[Block]:
    return list(blocks)


def _mrkdwn(text: str, limit: int = 3000) -> Block:
    return {"type": "mrkdwn", "text": clip(text, limit), "verbatim": True}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _fields(*texts: str) -> Block:
    return {"type": "section", "fields": [_mrkdwn(t, 2000) for t in texts[:10]]}


def _context(*lines: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(line, 2000) for line in lines[:10]]}


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


def _refresh_button(label: str = "Refresh") -> Block:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": REFRESH_ACTION,
        "value": "refresh",
    }
    return {"type": "actions", "block_id": "balance_actions", "elements": [button]}


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
        _header(f"Kalshi balance{demo_tag}"),
        _fields(
            f"*Available balance*\n{available}",
            f"*Portfolio value*\n{portfolio}",
            f"*Total*\n{total}",
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
    blocks: list[Block] = [_section(f":warning: {text}")]
    if lines:
        blocks.append(_context(*lines))
    blocks.append(_refresh_button("Try again"))
    return Message(text, _build(*blocks))


def unexpected_error_message() -> Message:
    text = "Something went wrong on our side while reading the balance. The bot's log has the details."
    return Message(text, _build(_section(f":warning: {text}")))


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
    return Message(text, _build(_section(text)))


def refusal_message() -> Message:
    text = (
        "Sorry, the Kalshi balance isn't available to you here. "
        "Ask whoever runs this bot to allow your user or this channel."
    )
    return Message(text, _build(_section(f":no_entry: {text}")))


def alerts_off_message() -> Message:
    return notice_message(
        "Low-balance alerts are not set up on this bot (its operator sets BALANCE_ALERT_CHANNEL)."
    )


# -- alerts ------------------------------------------------------------------------------------------


def _when(ts: float) -> str:
    return slack_date(int(ts), "{date_short_pretty} at {time}")


def low_balance_message(
    balance_cents: int, threshold_cents: int, at: float, *, demo: bool = False, reminder: bool = False
) -> Message:
    balance, threshold = format_cents(balance_cents), format_cents(threshold_cents)
    shortfall = format_cents(threshold_cents - balance_cents)
    demo_tag = " (DEMO)" if demo else ""
    title = "Reminder: Kalshi balance still low" if reminder else "Kalshi balance low"
    text = (
        f"{title}{demo_tag}: available balance {balance} is below the {threshold} threshold "
        f"by {shortfall} ({utc_text(at)})."
    )
    return Message(
        text,
        _build(
            _header(f":warning: {title}{demo_tag}"),
            _fields(
                f"*Available balance*\n{balance}",
                f"*Threshold*\n{threshold}",
                f"*Shortfall*\n{shortfall}",
            ),
            _context(f"Checked {_when(at)}"),
        ),
    )


def recovered_message(
    balance_cents: int, threshold_cents: int, at: float, low_since: float | None, *, demo: bool = False
) -> Message:
    balance, threshold = format_cents(balance_cents), format_cents(threshold_cents)
    demo_tag = " (DEMO)" if demo else ""
    text = (
        f"Kalshi balance recovered{demo_tag}: available balance {balance} "
        f"is back above the {threshold} threshold."
    )
    context = [f"Checked {_when(at)}"]
    if low_since is not None:
        context.append(f"low since {_when(low_since)}")
    return Message(
        text,
        _build(
            _header(f":white_check_mark: Kalshi balance recovered{demo_tag}"),
            _fields(f"*Available balance*\n{balance}", f"*Threshold*\n{threshold}"),
            _context(" · ".join(context)),
        ),
    )


def alert_cleared_message(
    balance_cents: int, threshold_cents: int, at: float, low_since: float | None, *, demo: bool = False
) -> Message:
    """The threshold was changed during a low episode and the balance is now above it: the alert is
    cleared, without claiming that the balance recovered."""
    balance, threshold = format_cents(balance_cents), format_cents(threshold_cents)
    demo_tag = " (DEMO)" if demo else ""
    text = (
        f"Low-balance alert cleared{demo_tag}: the alert threshold was changed to {threshold}, and the "
        f"available balance {balance} is above it."
    )
    context = [f"Checked {_when(at)}"]
    if low_since is not None:
        context.append(f"low since {_when(low_since)}")
    return Message(
        text,
        _build(
            _header(f":information_source: Low-balance alert cleared{demo_tag}"),
            _section(f"The alert threshold was changed to {threshold}; the available balance is above it."),
            _fields(f"*Available balance*\n{balance}", f"*Threshold*\n{threshold}"),
            _context(" · ".join(context)),
        ),
    )


def alert_read_failure_message(error: KalshiError, failures: int, *, demo: bool = False) -> Message:
    sentence = clip(escape(error.sentence()), 1000)
    demo_tag = " (DEMO)" if demo else ""
    text = (
        f"Cannot read the Kalshi balance{demo_tag} for low-balance alerts: "
        f"{failures} checks in a row failed. {sentence}"
    )
    lines = [f"Code: `{clip(escape(error.code), 100)}`"] if error.code else []
    hint = error.hint()
    if hint:
        lines.append(f":bulb: {escape(hint)}")
    lines.append("Alerts resume by themselves when reads succeed; one message will say so.")
    return Message(text, _build(_section(f":x: {text}"), _context(*lines)))


def alert_reading_again_message(balance_cents: int, *, demo: bool = False) -> Message:
    demo_tag = " (DEMO)" if demo else ""
    text = (
        f"Reading the Kalshi balance{demo_tag} again: available balance {format_cents(balance_cents)}. "
        "Low-balance alerts are back on watch."
    )
    return Message(text, _build(_section(f":arrows_counterclockwise: {text}")))


@dataclass(frozen=True)
class AlertStatus:
    channel: str
    threshold_cents: int | None
    state: str
    last_check_at: float | None
    last_balance_cents: int | None
    last_error: str | None
    rearm_cents: int | None


def alert_status_message(s: AlertStatus) -> Message:
    if s.threshold_cents is None:
        head = f"Low-balance alert is *off* (channel <#{s.channel}>)."
        plain = "Low-balance alert is off."
    else:
        state = "LOW" if s.state == "low" else "OK"
        rearm = f", recovery at {format_cents(s.threshold_cents + s.rearm_cents)}" if s.rearm_cents else ""
        head = (
            f"Low-balance alert: below *{format_cents(s.threshold_cents)}*{rearm}, posted in <#{s.channel}>. "
            f"State: *{state}*."
        )
        plain = f"Low-balance alert: below {format_cents(s.threshold_cents)}, state {state}."
    lines, plain_lines = [], []
    if s.last_check_at is not None:
        lines.append(f"Last check {_when(s.last_check_at)}")
        plain_lines.append(f"last check {utc_text(s.last_check_at)}")
    if s.last_balance_cents is not None:
        lines.append(f"last balance {format_cents(s.last_balance_cents)}")
        plain_lines.append(lines[-1])
    if s.last_error:
        lines.append(f"last error: {clip(escape(s.last_error), 300)}")
        plain_lines.append(lines[-1])
    if not lines:
        lines = plain_lines = ["no check yet"]
    text = f"{plain} {'; '.join(plain_lines)}."
    return Message(text, _build(_section(head), _context(" · ".join(lines))))


def notice_message(text: str, emoji: str = ":information_source:") -> Message:
    """A one-sentence reply; ``text`` must already be escaped where it holds user input."""
    return Message(text, _build(_section(f"{emoji} {text}")))
