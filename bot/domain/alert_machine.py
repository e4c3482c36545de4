"""The alert state machine (OK / WARNING / CRITICAL), pure: a state, a reading and the levels in, the
next state and at most one event out. No I/O: the alert job (:mod:`bot.jobs.alerts`) reads, asks
:func:`step`, hands the event to a notifier, and saves the next state only once the event was delivered.

One event per level entered: OK -> WARNING a warning, -> CRITICAL a critical alert (straight from OK
too: one event, not two), CRITICAL -> WARNING once back at the end of the critical state
(:attr:`Levels.critical_end_cents`), and one recovery once back above the warning level plus the margin.
A recovery that is not one is said as such: the levels were changed from Slack during the episode and
the reading before was already above them, or the watched figure (BALANCE_ALERT_ON) changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain.alert_state import CRITICAL, OK, WARNING, AlertState
from bot.domain.levels import Levels

ENTERED = "entered"  # a level entered: a warning or a critical alert
REMINDER = "reminder"  # still at the level after BALANCE_ALERT_REPEAT (hours)
NO_LONGER_CRITICAL = "no_longer_critical"
RECOVERED = "recovered"
CLEARED = "cleared"  # the episode ended because the levels or the watched figure changed
LEVELS_CHANGED = "levels"
WATCH_CHANGED = "watch"


@dataclass(frozen=True)
class AlertEvent:
    """What is to be said; the figures and who to mention are the notifier's."""

    kind: str
    level: str  # the level the balance is in once this is said: "ok", "warning" or "critical"
    level_cents: int  # the level in question (the one entered, left or reminded of)
    warning_cents: int
    recovery_cents: int  # where the low episode ends: the warning level plus the margin
    leaves_at_cents: int  # where the balance leaves ``level``: the recovery, or the critical state's end
    value_cents: int  # the watched figure read
    watch: str  # "available" or "total"
    at: float
    low_since: float
    mention: bool = False  # the people of BALANCE_ALERT_MENTION are to be mentioned
    cleared_because: str | None = None  # CLEARED: LEVELS_CHANGED or WATCH_CHANGED

    @property
    def below_level(self) -> bool:
        """False for a reminder inside the re-arm band: above the level, not yet recovered."""
        return self.value_cents < self.level_cents


@dataclass(frozen=True)
class Check:
    """One successful reading, as the machine needs it."""

    value_cents: int  # the watched figure now
    watch: str
    at: float
    previous_cents: int | None = None  # the watched figure of the reading before, under the same watch
    levels_changed_at: float | None = None  # when the levels were last set from Slack
    repeat_seconds: float | None = None  # BALANCE_ALERT_REPEAT (hours); None: no reminders


def step(state: AlertState, check: Check, levels: Levels) -> tuple[AlertState, AlertEvent | None]:
    """The next state and what to say about it (at most one event). The caller keeps ``state`` when the
    event is not delivered, so the same event is due again at the next check."""
    warning, critical = levels.warning_cents, levels.critical_cents
    recovery, critical_end = levels.recovery_cents, levels.critical_end_cents
    if warning is None or recovery is None:  # alerts off: nothing to say, nothing to recover from
        return replace(state, state=OK, low_since=None, critical_since=None), None
    value, now = check.value_cents, check.at
    low_since = state.low_since if state.low_since is not None else now

    def event(
        kind: str,
        level: str,
        level_cents: int,
        leaves_at: int,
        *,
        mention: bool = False,
        cleared_because: str | None = None,
    ) -> AlertEvent:
        return AlertEvent(
            kind=kind,
            level=level,
            level_cents=level_cents,
            warning_cents=warning,
            recovery_cents=recovery,
            leaves_at_cents=leaves_at,
            value_cents=value,
            watch=check.watch,
            at=now,
            low_since=low_since,
            mention=mention,
            cleared_because=cleared_because,
        )

    def mentioned(level: str) -> bool:
        return level == CRITICAL or levels.single

    if state.state == OK:
        if critical is not None and critical_end is not None and value < critical:
            nxt = replace(state, state=CRITICAL, low_since=now, critical_since=now, last_notified_at=now)
            return nxt, event(ENTERED, CRITICAL, critical, critical_end, mention=mentioned(CRITICAL))
        if value < warning:
            nxt = replace(state, state=WARNING, low_since=now, last_notified_at=now)
            return nxt, event(ENTERED, WARNING, warning, recovery, mention=mentioned(WARNING))
        return state, None
    if value >= recovery:
        because = _cleared_because(state, check, recovery)
        nxt = replace(state, state=OK, low_since=None, critical_since=None)
        if because is not None:
            return nxt, event(CLEARED, OK, warning, recovery, cleared_because=because)
        return nxt, event(RECOVERED, OK, warning, recovery)
    if state.state == WARNING and critical is not None and critical_end is not None and value < critical:
        nxt = replace(state, state=CRITICAL, critical_since=now, last_notified_at=now)
        return nxt, event(ENTERED, CRITICAL, critical, critical_end, mention=mentioned(CRITICAL))
    if state.state == CRITICAL and (critical is None or critical_end is None):
        # the critical level was cleared (or is ignored) mid-episode: still low, nothing new to say
        return replace(state, state=WARNING, critical_since=None), None
    if (
        state.state == CRITICAL
        and critical is not None
        and critical_end is not None
        and value >= critical_end
    ):
        nxt = replace(state, state=WARNING, critical_since=None, last_notified_at=now)
        return nxt, event(NO_LONGER_CRITICAL, WARNING, critical, recovery)
    repeat = check.repeat_seconds
    if repeat is not None and now - (state.last_notified_at or 0) >= repeat:
        if state.state == CRITICAL and critical is not None and critical_end is not None:
            level, level_cents, leaves_at = CRITICAL, critical, critical_end
        else:
            level, level_cents, leaves_at = WARNING, warning, recovery
        return replace(state, last_notified_at=now), event(
            REMINDER, level, level_cents, leaves_at, mention=mentioned(level)
        )
    return state, None


def _cleared_because(state: AlertState, check: Check, recovery: int) -> str | None:
    """Why the episode ends though the balance need not have risen: the watched figure changed, or the
    warning level was lowered during the episode and the reading before was already above it."""
    if state.watching is not None and state.watching != check.watch:
        return WATCH_CHANGED
    moved = (
        check.levels_changed_at is not None
        and state.low_since is not None
        and check.levels_changed_at > state.low_since
        and check.previous_cents is not None
        and check.previous_cents >= recovery
    )
    return LEVELS_CHANGED if moved else None
