"""The alert monitor: one state machine (OK / WARNING / CRITICAL) over balance reads, run as one job of
the loop in :mod:`bot.background`.

Levels: the warning level (BALANCE_ALERT_THRESHOLD or ``/balance alert 250``) and an optional critical
level below it. One message per level entered: OK -> WARNING a warning, -> CRITICAL a critical alert
(straight from OK too: one message, not two), CRITICAL -> WARNING once back above the critical level
plus the re-arm margin, and one recovery once back above the warning level plus the margin.

Hygiene after Prometheus Alertmanager: one alert per level entered, one recovery with a re-arm margin
(hysteresis), optional reminders of the current level, a failed read never counts as a balance, and a
notice is recorded as sent only after Slack accepted it. Delivery is *at least once*: state is
committed right after Slack accepts a post, so a crash in the instant between the two can repeat that
one message; it can never lose one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.alerts.store import (
    AVAILABLE,
    CRITICAL,
    OK,
    WARNING,
    AlertConfig,
    AlertState,
    AlertStore,
    watched_cents,
)
from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import Balance
from bot.slack.blocks import alerts as blocks
from bot.slack.blocks.base import Message
from bot.slack.poster import Delivery

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600.0

Post = Callable[[Message], Delivery]
"""Sends a message to the alert channel and says whether Slack accepted it."""


@dataclass(frozen=True)
class Policy:
    channel: str
    default_threshold_cents: int
    interval_seconds: float
    repeat_seconds: float | None
    rearm_cents: int | None
    failures_before_notice: int
    demo: bool = False
    default_critical_cents: int | None = None  # BALANCE_ALERT_CRITICAL; None: one level
    watch: str = AVAILABLE  # BALANCE_ALERT_ON: "available" or "total" (available + portfolio value)
    mentions: tuple[str, ...] = ()  # BALANCE_ALERT_MENTION, validated: U…/W…, S…, "here", "channel"


def rearm_margin(threshold_cents: int, configured: int | None) -> int:
    """Configured margin, else 2% of the level and at least $1."""
    if configured is not None:
        return configured
    return max(100, threshold_cents * 2 // 100)


@dataclass(frozen=True)
class Levels:
    """The levels in force: from Slack when set there, else from the environment."""

    warning_cents: int | None  # None: alerts off
    critical_cents: int | None  # None: one level
    ignored_critical_cents: int | None = None  # a critical level at or above the warning level

    @property
    def single(self) -> bool:
        return self.critical_cents is None


def levels_in_force(policy: Policy, config: AlertConfig | None) -> Levels:
    warning: int | None
    if config is None:
        warning, critical = policy.default_threshold_cents, policy.default_critical_cents
    else:
        warning = config.threshold_cents
        critical = config.critical_cents if config.critical_set else policy.default_critical_cents
    if warning is None:
        return Levels(None, None)
    if critical is not None and critical >= warning:
        return Levels(warning, None, ignored_critical_cents=critical)
    return Levels(warning, critical)


class AlertMonitor:
    """One job of the background checks (:mod:`bot.background`, which runs the loop and holds the lock)."""

    name = "alert check"

    def __init__(
        self,
        policy: Policy,
        reader: BalanceReader,
        store: AlertStore,
        post: Post,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.reader = reader
        self.store = store
        self.post = post
        self.wall = wall
        self._slack_wait = 0.0  # Retry-After from a refused post during this tick

    # -- the levels in force ---------------------------------------------------------------------------
    def levels(self) -> Levels:
        return levels_in_force(self.policy, self.store.load_config())

    def threshold_cents(self) -> int | None:
        """The warning level in force; None: alerts off."""
        return self.levels().warning_cents

    # -- one tick ---------------------------------------------------------------------------------------
    def tick(self) -> float:
        """Read once and send what is due; returns the seconds until the next tick, never sooner than
        Slack asked us to wait (Retry-After) when it refused a post."""
        self._slack_wait = 0.0
        return max(self._tick(), self._slack_wait)

    def _tick(self) -> float:
        config = self.store.load_config()
        levels = levels_in_force(self.policy, config)
        changed_at = config.updated_at if config is not None else None  # the levels set from Slack
        state = self.store.load_state()
        if levels.warning_cents is None:
            if state.state != OK:  # turned off mid-episode: nothing to say, nothing to recover from
                state.state, state.low_since, state.critical_since = OK, None, None
                self.store.save_state(state)
            return self.policy.interval_seconds
        now = self.wall()
        try:
            reading = self.reader.read()
        except KalshiError as exc:
            return self._on_failure(state, exc, now)
        return self._on_balance(state, reading.balance, levels, now, changed_at)

    def _on_failure(self, state: AlertState, exc: KalshiError, now: float) -> float:
        state.failures += 1
        state.last_check_at = now
        first_of_kind = state.failures == 1 or state.last_error != str(exc)
        state.last_error = str(exc)
        (log.warning if first_of_kind else log.info)(
            "alert check %d failed in a row: %s", state.failures, exc
        )
        self.store.save_state(state)
        if state.failures >= self.policy.failures_before_notice and not state.failure_notice_sent:
            message = blocks.alert_read_failure_message(exc, state.failures, demo=self.policy.demo)
            if self._send(message, "cannot-read notice"):
                state.failure_notice_sent = True
                self.store.save_state(state)
        backoff: float = self.policy.interval_seconds * 2 ** min(state.failures - 1, 10)
        return min(backoff, max(self.policy.interval_seconds, MAX_BACKOFF_SECONDS))

    def _on_balance(
        self, state: AlertState, balance: Balance, levels: Levels, now: float, changed_at: float | None = None
    ) -> float:
        cents = balance.balance_cents
        previous = (  # the last reading before this one, to tell a balance that rose from a level that moved
            None
            if state.last_balance_cents is None
            else watched_cents(
                Balance(state.last_balance_cents, state.last_portfolio_cents or 0, 0), self.policy.watch
            )
        )
        if state.failures:
            log.info("alert checks read the balance again after %d failure(s)", state.failures)
        state.failures = 0
        state.last_error = None
        state.last_balance_cents, state.last_balance_at, state.last_check_at = cents, now, now
        state.last_portfolio_cents = balance.portfolio_value_cents
        self.store.save_state(state)

        if state.failure_notice_sent:
            message = blocks.alert_reading_again_message(balance, demo=self.policy.demo)
            if self._send(message, "reading-again notice"):
                state.failure_notice_sent = False
                self.store.save_state(state)

        self._step(state, balance, levels, now, changed_at=changed_at, previous=previous)
        return self.policy.interval_seconds

    def _step(
        self,
        state: AlertState,
        balance: Balance,
        levels: Levels,
        now: float,
        *,
        changed_at: float | None = None,
        previous: int | None = None,
    ) -> None:
        """The transitions: at most one message per check, and the state moves only once it is sent.
        ``changed_at``: when the levels were last set from Slack; ``previous``: the watched figure of the
        reading before this one."""
        p = self.policy
        assert levels.warning_cents is not None
        warning, critical = levels.warning_cents, levels.critical_cents
        value = watched_cents(balance, p.watch)

        def crossing(level: str, level_cents: int) -> blocks.Crossing:
            return blocks.Crossing(
                balance=balance,
                watch=p.watch,
                level=level,
                level_cents=level_cents,
                warning_cents=warning,
                recovery_cents=warning + rearm_margin(warning, p.rearm_cents),
                at=now,
                low_since=state.low_since if state.low_since is not None else now,
                demo=p.demo,
            )

        def mentions(level: str) -> tuple[str, ...]:
            return p.mentions if level == CRITICAL or levels.single else ()

        if state.state == OK:
            if critical is not None and value < critical:  # straight to critical: one message
                message = blocks.low_balance_message(crossing(CRITICAL, critical), mentions(CRITICAL))
                if self._send(message, "critical alert"):
                    state.state, state.low_since, state.critical_since = CRITICAL, now, now
                    state.last_notified_at = now
                    self.store.save_state(state)
            elif value < warning:
                message = blocks.low_balance_message(crossing(WARNING, warning), mentions(WARNING))
                if self._send(message, "low-balance alert"):
                    state.state, state.low_since, state.last_notified_at = WARNING, now, now
                    self.store.save_state(state)
        elif value >= warning + rearm_margin(warning, p.rearm_cents):
            # The warning level was lowered during the episode and the reading before this one was already
            # above it: the balance did not rise, the level moved, so say that.
            moved = (
                changed_at is not None
                and state.low_since is not None
                and changed_at > state.low_since
                and previous is not None
                and previous >= warning + rearm_margin(warning, p.rearm_cents)
            )
            if moved:
                message, what = blocks.alert_cleared_message(crossing(OK, warning)), "alert-cleared message"
            else:
                message, what = blocks.recovered_message(crossing(state.state, warning)), "recovery message"
            if self._send(message, what):
                state.state, state.low_since, state.critical_since = OK, None, None
                self.store.save_state(state)
        elif state.state == WARNING and critical is not None and value < critical:
            message = blocks.low_balance_message(crossing(CRITICAL, critical), mentions(CRITICAL))
            if self._send(message, "critical alert"):
                state.state, state.critical_since, state.last_notified_at = CRITICAL, now, now
                self.store.save_state(state)
        elif state.state == CRITICAL and critical is None:
            # the critical level was cleared (or is ignored) mid-episode: still low, nothing new to say
            state.state, state.critical_since = WARNING, None
            self.store.save_state(state)
        elif (
            state.state == CRITICAL
            and critical is not None
            and value >= critical + rearm_margin(critical, p.rearm_cents)
        ):
            message = blocks.above_critical_message(crossing(WARNING, critical))
            if self._send(message, "no-longer-critical message"):
                state.state, state.critical_since, state.last_notified_at = WARNING, None, now
                self.store.save_state(state)
        elif p.repeat_seconds is not None and now - (state.last_notified_at or 0) >= p.repeat_seconds:
            level = state.state
            level_cents = critical if level == CRITICAL and critical is not None else warning
            message = blocks.low_balance_message(crossing(level, level_cents), mentions(level), reminder=True)
            if self._send(message, "reminder"):
                state.last_notified_at = now
                self.store.save_state(state)

    def _send(self, message: Message, what: str) -> bool:
        delivery = self.post(message)
        if delivery.ok:
            log.info("posted %s to %s", what, self.policy.channel)
        else:
            log.warning("%s not delivered; it will be tried again at the next check", what)
            self._slack_wait = max(self._slack_wait, delivery.retry_after or 0.0)
        return delivery.ok
