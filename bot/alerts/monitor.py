"""The alert monitor: a state machine (OK / LOW) over balance reads, and the loop that runs it.

Hygiene after Prometheus Alertmanager: one alert per low episode, one recovery with a re-arm margin
(hysteresis), optional reminders, a failed read never counts as a balance, and a notice is recorded as
sent only after Slack accepted it. Delivery is *at least once*: state is committed right after Slack
accepts a post, so a crash in the instant between the two can repeat that one message; it can never
lose one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.alerts.store import LOW, OK, AlertState, AlertStore, SenderLock, StoreUnavailable
from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiError
from bot.slack import blocks
from bot.slack.blocks import Message
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
    def __init__(
        self,
        policy: Policy,
        reader: BalanceReader,
        store: AlertStore,
        post: Post,
        *,
        lock: SenderLock | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.reader = reader
        self.store = store
        self.post = post
        self.lock = lock
        self.wall = wall
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
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
        config = self.store.load_config()
        threshold = self.policy.default_threshold_cents if config is None else config.threshold_cents
        changed_at = config.updated_at if config is not None else None  # the threshold set from Slack
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
        return self._on_balance(state, reading.balance.balance_cents, threshold, now, changed_at)

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
        self, state: AlertState, cents: int, threshold: int, now: float, changed_at: float | None = None
    ) -> float:
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
            # The threshold changed during the episode: the balance may never have moved, so say what did.
            moved = changed_at is not None and state.low_since is not None and changed_at > state.low_since
            if moved:
                message = blocks.alert_cleared_message(cents, threshold, now, state.low_since, demo=p.demo)
            else:
                message = blocks.recovered_message(cents, threshold, now, state.low_since, demo=p.demo)
            if self._send(message, "alert-cleared message" if moved else "recovery message"):
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

    # -- the loop ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="alert-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the loop; ``True`` once its thread has stopped. The thread lets the alert lock go itself,
        on its way out: a tick that outlasts ``timeout`` (a slow read and two slow posts) keeps the lock
        until it ends, or until the process exits, so no other process can take over and post twice."""
        self._stop.set()
        thread = self._thread
        if thread is None:
            if self.lock is not None:
                self.lock.release()
            return True
        if thread is not threading.current_thread():
            thread.join(timeout)
        if thread.is_alive():
            log.warning(
                "an alert check is still running after %gs; the alert lock is kept until it ends", timeout
            )
            return False
        return True

    def close(self) -> None:
        """Close the store; call after :meth:`stop` and after the answers that use the store went out."""
        if self._thread is not None and self._thread.is_alive():
            return  # the check still under way uses it; the process exit closes it
        self.store.close()

    def run(self) -> None:
        try:
            self._loop()
        finally:
            if self.lock is not None:
                self.lock.release()

    def _loop(self) -> None:
        announced = ""  # the role the log last reported
        outages = 0  # checks in a row that could not reach the store
        while not self._stop.is_set():
            try:
                delay, announced = self._turn(announced)
                outages = 0
            except StoreUnavailable as exc:  # a database down: one line per retry, backing off
                outages += 1
                interval = self.policy.interval_seconds
                delay = min(interval * 2 ** min(outages - 1, 10), max(interval, MAX_BACKOFF_SECONDS))
                log.warning("alert store unreachable (%s); trying again in %gs", exc.reason, delay)
            self._stop.wait(delay)

    def _turn(self, announced: str) -> tuple[float, str]:
        """Take or confirm the sender role and, as sender, check once: the delay and the role."""
        delay = self.policy.interval_seconds
        sender = self.lock is None or self.lock.try_acquire()
        role = "sender" if sender else "standby"
        if role != announced:
            if sender:
                log.info("this process sends the alerts (a check every %gs)", delay)
            else:
                log.info("another process holds the alert lock; standing by")
        if sender:
            try:
                delay = self.tick()
            except StoreUnavailable:
                raise
            except Exception:  # the loop must outlive any one bad tick
                log.exception("alert check failed unexpectedly; trying again next interval")
        return delay, role
