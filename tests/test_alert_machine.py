"""The alert state machine on data alone: random walks of readings and level changes against a reference
model written independently here, with no database, no HTTP and no Slack."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.alert_machine import (
    CLEARED,
    ENTERED,
    NO_LONGER_CRITICAL,
    RECOVERED,
    REMINDER,
    WATCH_CHANGED,
    Check,
    step,
)
from bot.domain.alert_state import CRITICAL, OK, WARNING, AlertState
from bot.domain.levels import Levels

REARM = 10_00


@dataclass
class Reference:
    """What a person expects, said plainly: below a level you are in it; you leave the critical state
    at the critical level plus the margin, but never above the warning level; you recover at the warning
    level plus the margin."""

    level: str = OK

    def feed(self, value: int, warning: int, critical: int | None) -> str | None:
        recovery = warning + REARM
        end = None if critical is None else min(critical + REARM, warning)
        if self.level == OK:
            if critical is not None and value < critical:
                self.level = CRITICAL
                return "enter critical"
            if value < warning:
                self.level = WARNING
                return "enter warning"
            return None
        if value >= recovery:
            self.level = OK
            return "recover"
        if self.level == WARNING and critical is not None and value < critical:
            self.level = CRITICAL
            return "enter critical"
        if self.level == CRITICAL and critical is None:
            self.level = WARNING
            return None
        if self.level == CRITICAL and end is not None and value >= end:
            self.level = WARNING
            return "leave critical"
        return None


def said(kind: str, level: str) -> str:
    return {
        ENTERED: f"enter {level}",
        NO_LONGER_CRITICAL: "leave critical",
        RECOVERED: "recover",
        CLEARED: "recover",
    }[kind]


readings = st.integers(min_value=0, max_value=400_00)
level_sets = st.tuples(
    st.integers(min_value=1_00, max_value=300_00),
    st.one_of(st.none(), st.integers(min_value=1, max_value=300_00)),
)
walks = st.lists(st.tuples(readings, st.one_of(st.none(), level_sets)), min_size=1, max_size=80)


@settings(max_examples=300, deadline=None)
@given(walks)
def test_random_walks_agree_with_the_reference_model(
    walk: list[tuple[int, tuple[int, int | None] | None]],
) -> None:
    state, reference = AlertState(), Reference()
    warning, critical = 250_00, 100_00
    now = 1_800_000_000.0
    for value, new_levels in walk:
        if new_levels is not None:
            warning, critical = new_levels
        effective_critical = critical if critical is not None and critical < warning else None
        levels = Levels(warning, effective_critical, rearm_cents=REARM)
        now += 60
        state, event = step(state, Check(value, "available", now), levels)
        expected = reference.feed(value, warning, effective_critical)
        assert (None if event is None else said(event.kind, event.level)) == expected, (value, levels)
        assert state.state == reference.level
        if event is not None:
            assert event.kind != REMINDER
            # a reminder-free walk never says "below by" a negative amount: entering means below
            if event.kind == ENTERED:
                assert event.value_cents < event.level_cents
            # the critical state never ends above the warning level
            if event.kind == NO_LONGER_CRITICAL:
                assert event.value_cents <= warning + REARM


@settings(max_examples=200, deadline=None)
@given(st.lists(readings, min_size=1, max_size=40))
def test_undelivered_events_are_due_again_and_delivered_ones_are_not(values: list[int]) -> None:
    """The caller keeps the old state when the event was not delivered: the same event comes again."""
    levels = Levels(250_00, 100_00, rearm_cents=REARM)
    state = AlertState()
    now = 1_800_000_000.0
    for value in values:
        now += 60
        nxt, event = step(state, Check(value, "available", now), levels)
        if event is None:
            state = nxt
            continue
        _, same = step(state, Check(value, "available", now + 1), levels)  # refused: kept the old one
        assert same is not None and (same.kind, same.level) == (event.kind, event.level)
        state = nxt
        _, after = step(state, Check(value, "available", now + 2), levels)  # delivered: nothing new
        assert after is None


def test_a_reminder_inside_the_re_arm_band_is_above_its_level_and_says_where_it_recovers() -> None:
    levels = Levels(250_00, None, rearm_cents=5_00)
    state = AlertState(state=WARNING, low_since=0.0, last_notified_at=0.0, watching="available")
    _, event = step(state, Check(252_00, "available", 7200.0, repeat_seconds=3600), levels)
    assert event is not None and event.kind == REMINDER
    assert not event.below_level and event.leaves_at_cents == 255_00


def test_a_critical_level_close_to_the_warning_level_ends_at_the_warning_level() -> None:
    levels = Levels(250_00, 249_50, rearm_cents=None)  # 2% of $249.50 would reach $254.49
    assert levels.critical_end_cents == 250_00
    state = AlertState(state=CRITICAL, low_since=0.0, critical_since=0.0, last_notified_at=0.0)
    nxt, event = step(state, Check(254_00, "available", 60.0), levels)
    assert event is not None and event.kind == NO_LONGER_CRITICAL and nxt.state == WARNING


def test_a_change_of_the_watched_figure_clears_instead_of_recovering() -> None:
    levels = Levels(250_00, None, rearm_cents=REARM)
    state = AlertState(state=WARNING, low_since=0.0, last_notified_at=0.0, watching="available")
    nxt, event = step(state, Check(300_00, "total", 60.0, previous_cents=300_00), levels)
    assert event is not None and event.kind == CLEARED and event.cleared_because == WATCH_CHANGED
    assert nxt.state == OK
    # the same figure rising is a recovery
    _, event = step(state, Check(300_00, "available", 60.0, previous_cents=200_00), levels)
    assert event is not None and event.kind == RECOVERED
