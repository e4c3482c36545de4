"""What the alert monitor posts to the alert channel, and the ``/balance alert`` status reply."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.alert_machine import WATCH_CHANGED, AlertEvent
from bot.domain.alert_state import AVAILABLE, CRITICAL, TOTAL, AlertStatus, watched_cents
from bot.domain.money import format_cents
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import Balance
from bot.slack.blocks.base import (
    Message,
    build,
    clip,
    code,
    context,
    error_emoji,
    error_lines,
    error_parts,
    escape,
    fields,
    figure_lines,
    figure_texts,
    header,
    section,
    slack_date,
    utc_text,
)


def _when(ts: float) -> str:
    return slack_date(int(ts), "{date_short_pretty} at {time}")


def duration_text(seconds: float) -> str:
    """``0`` -> "under a minute", ``7500`` -> "2 h 5 min", ``200000`` -> "2 d 7 h"."""
    minutes = int(max(0.0, seconds)) // 60
    if minutes < 1:
        return "under a minute"
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def mention_markup(mention: str) -> str:
    """A validated BALANCE_ALERT_MENTION entry as Slack markup that notifies: ``<@U…>``, ``<!subteam^S…>``,
    ``<!here>``, ``<!channel>``."""
    if mention in {"here", "channel"}:
        return f"<!{mention}>"
    if mention.startswith("S"):
        return f"<!subteam^{mention}>"
    return f"<@{mention}>"


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


def watch_label(watch: str) -> str:
    return "total (available + portfolio value)" if watch == TOTAL else "available balance"


@dataclass(frozen=True)
class Crossing:
    """What an alert about a level says: the figures read, the level in question, how long it is low."""

    balance: Balance
    watch: str  # "available" or "total"
    level: str  # the level the balance is in now: "warning" or "critical" ("ok" for a recovery)
    level_cents: int  # the level crossed
    warning_cents: int
    recovery_cents: int  # the warning level plus the re-arm margin
    at: float
    low_since: float  # below the warning level since
    demo: bool = False
    leaves_at_cents: int | None = None  # where the balance leaves its level (a reminder in the re-arm band)
    cleared_because: str | None = None  # an alert cleared: "levels" or "watch" (changed)

    @classmethod
    def of(cls, event: AlertEvent, balance: Balance, *, demo: bool = False) -> Crossing:
        return cls(
            balance=balance,
            watch=event.watch,
            level=event.level,
            level_cents=event.level_cents,
            warning_cents=event.warning_cents,
            recovery_cents=event.recovery_cents,
            at=event.at,
            low_since=event.low_since,
            demo=demo,
            leaves_at_cents=event.leaves_at_cents,
            cleared_because=event.cleared_because,
        )

    @property
    def watched_cents(self) -> int:
        return watched_cents(self.balance.balance_cents, self.balance.portfolio_value_cents, self.watch)

    @property
    def demo_tag(self) -> str:
        return " (DEMO)" if self.demo else ""

    @property
    def watched_text(self) -> str:
        """The watched figure as read, to the last digit Kalshi sent (the levels compare its cents)."""
        available, _, total = figure_texts(self.balance)
        return total if self.watch == TOTAL else available

    def figure_fields(self) -> list[str]:
        return figure_lines(self.balance, watched=TOTAL if self.watch == TOTAL else AVAILABLE)

    def low_for(self) -> str:
        return duration_text(self.at - self.low_since)


def low_balance_message(c: Crossing, mentions: tuple[str, ...] = (), *, reminder: bool = False) -> Message:
    """A warning or a critical alert (or its reminder); ``mentions`` are validated entries."""
    critical = c.level == CRITICAL
    level_name = "critical level" if critical else "warning level"
    watched, level = c.watched_text, format_cents(c.level_cents)
    if reminder and c.watched_cents >= c.level_cents:  # inside the re-arm band: above, not yet recovered
        return _not_yet_recovered_message(c, mentions, level_name)
    name = "critical" if critical else "low"
    title = f"Reminder: Kalshi balance still {name}" if reminder else f"Kalshi balance {name}"
    shortfall = format_cents(c.level_cents - c.watched_cents)
    low_for = c.low_for()
    tags = " ".join(mention_markup(m) for m in mentions)
    text = (
        f"{title}{c.demo_tag}: {watch_label(c.watch)} {watched} is below the {level} {level_name} "
        f"by {shortfall} ({utc_text(c.at)}). Low for {low_for}."
    )
    if tags:
        text += f" {tags}"
    emoji = ":rotating_light:" if critical else ":warning:"
    body = [
        header(f"{emoji} {title}{c.demo_tag}"),
        fields(
            *c.figure_fields(),
            f"*Level crossed*\n{level_name.capitalize()}, {level}",
            f"*Shortfall*\n{shortfall}",
            f"*Low for*\n{low_for}",
        ),
    ]
    if tags:
        body.append(section(tags))
    body.append(context(f"Checked {_when(c.at)} · watching the {watch_label(c.watch)}"))
    return Message(text, build(*body))


def _not_yet_recovered_message(c: Crossing, mentions: tuple[str, ...], level_name: str) -> Message:
    """A reminder while the watched figure is back above its level but short of where the episode ends
    (the level plus the re-arm margin): it has not recovered yet, and this says what it needs."""
    critical = c.level == CRITICAL
    leaves_at = format_cents(c.leaves_at_cents if c.leaves_at_cents is not None else c.recovery_cents)
    ends = "is no longer critical" if critical else "recovers"
    title = (
        "Reminder: Kalshi balance still critical"
        if critical
        else "Reminder: Kalshi balance not yet recovered"
    )
    watched, level, low_for = c.watched_text, format_cents(c.level_cents), c.low_for()
    tags = " ".join(mention_markup(m) for m in mentions)
    text = (
        f"{title}{c.demo_tag}: {watch_label(c.watch)} {watched} is back above the {level} {level_name} "
        f"but has not yet recovered: it {ends} at {leaves_at} ({utc_text(c.at)}). Low for {low_for}."
    )
    if tags:
        text += f" {tags}"
    body = [
        header(f":hourglass_flowing_sand: {title}{c.demo_tag}"),
        fields(
            *c.figure_fields(),
            f"*{level_name.capitalize()}*\n{level}",
            f"*{ends.capitalize()} at*\n{leaves_at}",
            f"*Low for*\n{low_for}",
        ),
    ]
    if tags:
        body.append(section(tags))
    body.append(context(f"Checked {_when(c.at)} · watching the {watch_label(c.watch)}"))
    return Message(text, build(*body))


def above_critical_message(c: Crossing) -> Message:
    """CRITICAL -> WARNING: back above the critical level (``c.level_cents``), still low."""
    watched, level = c.watched_text, format_cents(c.level_cents)
    recovery = format_cents(c.recovery_cents)
    text = (
        f"Kalshi balance no longer critical{c.demo_tag}: {watch_label(c.watch)} {watched} is back above "
        f"the {level} critical level; still low until it reaches {recovery}. Low for {c.low_for()}."
    )
    return Message(
        text,
        build(
            header(f":arrow_upper_right: Kalshi balance no longer critical{c.demo_tag}"),
            fields(
                *c.figure_fields(),
                f"*Critical level*\n{level}",
                f"*Recovered at*\n{recovery}",
                f"*Low for*\n{c.low_for()}",
            ),
            context(f"Checked {_when(c.at)} · watching the {watch_label(c.watch)}"),
        ),
    )


def recovered_message(c: Crossing) -> Message:
    """Back above the warning level plus the re-arm margin. Mentions nobody."""
    watched, level = c.watched_text, format_cents(c.warning_cents)
    text = (
        f"Kalshi balance recovered{c.demo_tag}: {watch_label(c.watch)} {watched} "
        f"is back above the {level} warning level. It was low for {c.low_for()}."
    )
    return Message(
        text,
        build(
            header(f":white_check_mark: Kalshi balance recovered{c.demo_tag}"),
            fields(*c.figure_fields(), f"*Warning level*\n{level}", f"*Was low for*\n{c.low_for()}"),
            context(f"Checked {_when(c.at)} · low since {_when(c.low_since)}"),
        ),
    )


def alert_cleared_message(c: Crossing) -> Message:
    """The levels were changed from Slack during a low episode and the balance is above the new warning
    level: the alert is cleared, without claiming the balance recovered. Mentions nobody."""
    watched, level = c.watched_text, format_cents(c.warning_cents)
    if c.cleared_because == WATCH_CHANGED:
        why = f"now watching the {watch_label(c.watch)}, {watched}, which is above the {level} warning level"
        text = f"Low-balance alert cleared{c.demo_tag}: {why}."
        said = f"Now watching the {watch_label(c.watch)} (BALANCE_ALERT_ON); it is above the {level} level."
    else:
        text = (
            f"Low-balance alert cleared{c.demo_tag}: the warning level was changed to {level}, and "
            f"{watch_label(c.watch)} {watched} is above it."
        )
        said = f"The warning level was changed to {level}; {watch_label(c.watch)} is above it."
    return Message(
        text,
        build(
            header(f":information_source: Low-balance alert cleared{c.demo_tag}"),
            section(said),
            fields(*c.figure_fields(), f"*Warning level*\n{level}"),
            context(f"Checked {_when(c.at)} · low since {_when(c.low_since)}"),
        ),
    )


def alert_read_failure_message(error: KalshiError, failures: int, *, demo: bool = False) -> Message:
    plain, shown = error_parts(error, _when)
    demo_tag = " (DEMO)" if demo else ""
    lead = (
        f"Cannot read the Kalshi balance{demo_tag} for low-balance alerts: {failures} checks in a row failed."
    )
    lines = [f"Code: {code(error.code)}"] if error.code else []
    lines += error_lines(error)
    lines.append("Alerts resume by themselves when reads succeed; one message will say so.")
    return Message(
        f"{lead} {plain}", build(section(f"{error_emoji(error, ':x:')} {lead} {shown}"), context(*lines))
    )


def alert_reading_again_message(balance: Balance, *, demo: bool = False) -> Message:
    demo_tag = " (DEMO)" if demo else ""
    available = figure_texts(balance)[0]
    text = (
        f"Reading the Kalshi balance{demo_tag} again: available balance {available}. "
        "Low-balance alerts are back on watch."
    )
    return Message(text, build(section(f":arrows_counterclockwise: {text}")))


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
            lines.append(f"low since {_when(s.low_since)}")
        if s.state == CRITICAL and s.critical_since is not None:
            lines.append(f"critical since {_when(s.critical_since)}")
    plain_lines = [ln if not ln.startswith("mentions:") else plain_mentions for ln in lines]
    plain_lines = [ln for ln in plain_lines if "<" not in ln]
    if s.last_check_at is not None:
        lines.append(f"Last check {_when(s.last_check_at)}")
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
