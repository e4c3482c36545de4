"""The alert monitor: a state machine (OK / LOW) over balance reads, run by the loop of bot.background.

Hygiene after Prometheus Alertmanager: one alert per low episode, one recovery with a re-arm margin
(hysteresis), optional reminders, a failed read never counts as a balance, and a notice is recorded as
sent only after Slack accepted it. Delivery is *at least once*: state is committed right after Slack
accepts a post, so a crash in the instant between the two can repeat that one message; it can never
lose one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.alerts.store import LOW, OK, AlertState, AlertStore
from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiError
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


def rearm_margin(threshold_cents: int, configured: int | None) -> int:
    """Configured margin, else 2% of the threshold and at least $1."""
    if configured is not None:
        return configured
    return max(100, threshold_cents * 2 // 100)


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

    # -- the threshold in force ------------------------------------------------------------------------
    def threshold_cents(self) -> int | None:
        config = self.store.load_config()
        return self.policy.default_threshold_cents if config is None else config.threshold_cents

    # -- one tick ---------------------------------------------------------------------------------------
    def tick(self) -> float:
        """Read once and send what is due; returns the seconds until the next tick, never sooner than
        Slack asked us to wait (Retry-After) when it refused a post."""
        self._slack_wait = 0.0
        return max(self._tick(), self._slack_wait)

    def _tick(self) -> float:
        threshold = self.threshold_cents()
        state = self.store.load_state()
        if threshold is None:
            if state.state == LOW:
                state.state, state.low_since = OK, None
                self.store.save_state(state)
            return self.policy.interval_seconds
        now = self.wall()
        try:
            reading = self.reader.read()
        except KalshiError as exc:
            return self._on_failure(state, exc, now)
        return self._on_balance(state, reading.balance.balance_cents, threshold, now)

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

    def _on_balance(self, state: AlertState, cents: int, threshold: int, now: float) -> float:
        if state.failures:
            log.info("alert checks read the balance again after %d failure(s)", state.failures)
        state.failures = 0
        state.last_error = None
        state.last_balance_cents, state.last_balance_at, state.last_check_at = cents, now, now
        self.store.save_state(state)

        if state.failure_notice_sent:
            message = blocks.alert_reading_again_message(cents, demo=self.policy.demo)
            if self._send(message, "reading-again notice"):
                state.failure_notice_sent = False
                self.store.save_state(state)

        p = self.policy
        if state.state == OK and cents < threshold:
            if self._send(
                blocks.low_balance_message(cents, threshold, now, demo=p.demo), "low-balance alert"
            ):
                state.state, state.low_since, state.last_notified_at = LOW, now, now
                self.store.save_state(state)
        elif state.state == LOW and cents >= threshold + rearm_margin(threshold, p.rearm_cents):
            message = blocks.recovered_message(cents, threshold, now, state.low_since, demo=p.demo)
            if self._send(message, "recovery message"):
                state.state, state.low_since = OK, None
                self.store.save_state(state)
        elif (
            state.state == LOW
            and p.repeat_seconds is not None
            and now - (state.last_notified_at or 0) >= p.repeat_seconds
        ):
            message = blocks.low_balance_message(cents, threshold, now, demo=p.demo, reminder=True)
            if self._send(message, "reminder"):
                state.last_notified_at = now
                self.store.save_state(state)
        return p.interval_seconds

    def _send(self, message: Message, what: str) -> bool:
        delivery = self.post(message)
        if delivery.ok:
            log.info("posted %s to %s", what, self.policy.channel)
        else:
            log.warning("%s not delivered; it will be tried again at the next check", what)
            self._slack_wait = max(self._slack_wait, delivery.retry_after or 0.0)
        return delivery.ok
