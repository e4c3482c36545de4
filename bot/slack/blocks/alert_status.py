"""``/balance alert``'s status reply, also shown in the digest and on the Home tab."""

from __future__ import annotations

from bot.domain.alert_state import CRITICAL, AlertStatus
from bot.domain.money import format_cents
from bot.slack.blocks.alerts import watch_label, when
from bot.slack.blocks.base import Message, build, clip, code, context, escape, section, utc_text


def mention_label(mention: str) -> str:
    """The same entry for a status reply: names users, never notifies anyone."""
    if mention in {"here", "channel"}:
        return f"@{mention}"
    if mention.startswith("S"):
        return f"user group {mention}"
    return f"<@{mention}>"


def quiet_label(mention: str) -> str:
    """The same entry for a channel message that must not notify anyone (the digest): as code, unparsed."""
    if mention in {"here", "channel"}:
        return code(f"@{mention}")
    return code(mention)


def alert_status_message(s: AlertStatus, *, quiet: bool = False) -> Message:
    """``/balance alert``'s status; ``quiet``: for a channel message (the digest), naming the people the
    alerts mention without notifying them."""
    if s.warning_cents is None:
        head = f"Low-balance alert is *off* (channel <#{s.channel}>)."
        plain = "Low-balance alert is off."
        lines: list[str] = []
        plain_mentions = ""
    else:
        state = s.state.upper()
        warning = format_cents(s.warning_cents)
        critical = format_cents(s.critical_cents) if s.critical_cents is not None else None
        levels = f"warning below *{warning}*"
        plain_levels = f"warning below {warning}"
        if critical is not None:
            levels += f", critical below *{critical}*"
            plain_levels += f", critical below {critical}"
        else:
            plain_levels += ", no critical level"
        watched = watch_label(s.watch)
        head = f"Low-balance alert: {levels}, on the {watched}, posted in <#{s.channel}>. State: *{state}*."
        plain = f"Low-balance alert: {plain_levels}, on the {watched}, state {state}."
        lines = []
        if s.recovery_cents is not None:
            lines.append(f"recovery at {format_cents(s.recovery_cents)}")
        if s.critical_recovery_cents is not None:
            lines.append(f"no longer critical at {format_cents(s.critical_recovery_cents)}")
        if s.ignored_critical_cents is not None:
            lines.append(
                f"critical level {format_cents(s.ignored_critical_cents)} ignored: "
                "it is not below the warning level"
            )
        who = ", ".join((quiet_label if quiet else mention_label)(m) for m in s.mentions)
        lines.append(f"mentions: {who}" if who else "mentions: nobody")
        plain_who = ", ".join(m if m[0].isupper() else f"@{m}" for m in s.mentions)
        plain_mentions = f"mentions: {plain_who}" if plain_who else "mentions: nobody"
        if s.state != "ok" and s.low_since is not None:
            lines.append(f"low since {when(s.low_since)}")
        if s.state == CRITICAL and s.critical_since is not None:
            lines.append(f"critical since {when(s.critical_since)}")
    plain_lines = [ln if not ln.startswith("mentions:") else plain_mentions for ln in lines]
    plain_lines = [ln for ln in plain_lines if "<" not in ln]
    if s.last_check_at is not None:
        lines.append(f"Last check {when(s.last_check_at)}")
        plain_lines.append(f"last check {utc_text(s.last_check_at)}")
    if s.last_balance_cents is not None:
        lines.append(f"last balance {format_cents(s.last_balance_cents)}")
        plain_lines.append(lines[-1])
    if s.last_portfolio_cents is not None:
        lines.append(f"portfolio value {format_cents(s.last_portfolio_cents)}")
        plain_lines.append(lines[-1])
    if s.last_error:
        lines.append(f"last error: {clip(escape(s.last_error), 300)}")
        plain_lines.append(lines[-1])
    if s.last_check_at is None:
        lines.append("no check yet")
        plain_lines.append(lines[-1])
    text = f"{plain} {'; '.join(plain_lines)}."
    return Message(text, build(section(head), context(" · ".join(lines))))
