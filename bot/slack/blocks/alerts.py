"""What the alert monitor posts to the alert channel, and the ``/balance alert`` status reply."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.alert_machine import WATCH_CHANGED, AlertEvent
from bot.domain.alert_state import AVAILABLE, CRITICAL, TOTAL, watched_cents
from bot.domain.money import format_cents
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import Balance
from bot.slack.blocks.base import (
    Message,
    build,
    code,
    context,
    error_emoji,
    error_lines,
    error_parts,
    fields,
    figure_lines,
    figure_texts,
    header,
    section,
    slack_date,
    utc_text,
)


def when(ts: float) -> str:
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


def low_balance_message(
    c: Crossing, mentions: tuple[str, ...] = (), *, reminder: bool = False, why: str | None = None
) -> Message:
    """A warning or a critical alert (or its reminder); ``mentions`` are validated entries; ``why``: one
    line on what moved the balance since the reading before the drop."""
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
    if why is not None:
        text += f" {why}."
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
    if why is not None:
        body.append(context(why))  # our words, Kalshi's counts and amounts, a Slack date: no person's text
    if tags:
        body.append(section(tags))
    body.append(context(f"Checked {when(c.at)} · watching the {watch_label(c.watch)}"))
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
    body.append(context(f"Checked {when(c.at)} · watching the {watch_label(c.watch)}"))
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
            context(f"Checked {when(c.at)} · watching the {watch_label(c.watch)}"),
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
            context(f"Checked {when(c.at)} · low since {when(c.low_since)}"),
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
            context(f"Checked {when(c.at)} · low since {when(c.low_since)}"),
        ),
    )


def alert_read_failure_message(error: KalshiError, failures: int, *, demo: bool = False) -> Message:
    plain, shown = error_parts(error, when)
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
