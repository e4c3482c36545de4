"""What the alert monitor posts to the alert channel, and the ``/balance alert`` status reply."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kalshi.errors import KalshiError
from bot.money import format_cents
from bot.slack.blocks.base import (
    Message,
    build,
    clip,
    context,
    escape,
    fields,
    header,
    section,
    slack_date,
    utc_text,
)


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
        build(
            header(f":warning: {title}{demo_tag}"),
            fields(
                f"*Available balance*\n{balance}",
                f"*Threshold*\n{threshold}",
                f"*Shortfall*\n{shortfall}",
            ),
            context(f"Checked {_when(at)}"),
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
    notes = [f"Checked {_when(at)}"]
    if low_since is not None:
        notes.append(f"low since {_when(low_since)}")
    return Message(
        text,
        build(
            header(f":white_check_mark: Kalshi balance recovered{demo_tag}"),
            fields(f"*Available balance*\n{balance}", f"*Threshold*\n{threshold}"),
            context(" · ".join(notes)),
        ),
    )


def alert_read_failure_message(error: KalshiError, failures: int, *, demo: bool = False) -> Message:
    sentence = clip(escape(error.sentence()), 1000)
    notice, slack_notice = error.maintenance_notice(), error.maintenance_notice(when=_when)
    demo_tag = " (DEMO)" if demo else ""
    lead = (
        f"Cannot read the Kalshi balance{demo_tag} for low-balance alerts: {failures} checks in a row failed."
    )
    text = f"{lead} {notice + ' ' if notice else ''}{sentence}"
    shown = f"{lead} {slack_notice + ' ' if slack_notice else ''}{sentence}"
    lines = [f"Code: `{clip(escape(error.code), 100)}`"] if error.code else []
    hint = error.hint()
    if hint:
        lines.append(f":bulb: {escape(hint)}")
    lines.append("Alerts resume by themselves when reads succeed; one message will say so.")
    emoji = ":construction:" if error.maintenance is not None else ":x:"
    return Message(text, build(section(f"{emoji} {shown}"), context(*lines)))


def alert_reading_again_message(balance_cents: int, *, demo: bool = False) -> Message:
    demo_tag = " (DEMO)" if demo else ""
    text = (
        f"Reading the Kalshi balance{demo_tag} again: available balance {format_cents(balance_cents)}. "
        "Low-balance alerts are back on watch."
    )
    return Message(text, build(section(f":arrows_counterclockwise: {text}")))


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
    return Message(text, build(section(head), context(" · ".join(lines))))
