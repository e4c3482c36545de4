"""The alert job: one balance read per check, the state machine of :mod:`bot.domain.alert_machine`,
and what it says handed to the notifier. Run as one job of the loop in :mod:`bot.jobs.loop`.

Hygiene after Prometheus Alertmanager: one alert per level entered, one recovery with a re-arm margin
(hysteresis), optional reminders of the current level, a failed read never counts as a balance, and a
notice is recorded as sent only after it was delivered. Delivery is *at least once*: state is
committed right after Slack accepts a post, so a crash in the instant between the two can repeat that
one message; it can never lose one. When the store does not take that commit, the new state is kept
in memory and committed at the start of the next check, before anything else
(:mod:`bot.jobs.unsaved`): a store outage of any length repeats nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from bot.balance import BalanceReader
from bot.domain.activity import Explanation
from bot.domain.alert_machine import ENTERED, AlertEvent, Check, step
from bot.domain.alert_state import CRITICAL, AlertState, watched_cents
from bot.domain.levels import Levels, Policy, levels_in_force
from bot.jobs.notifier import AlertNotice, Notice, Notifier, ReadFailingNotice, ReadingAgainNotice
from bot.jobs.unsaved import Unsaved
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import Balance
from bot.store import AlertStore

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600.0

Explain = Callable[[int, int], "Explanation | None"]

_WHAT = {  # the operator's name for each event, in log lines
    "entered": "low-balance alert",
    "reminder": "reminder",
    "no_longer_critical": "no-longer-critical message",
    "recovered": "recovery message",
    "cleared": "alert-cleared message",
}


def _what(event: AlertEvent) -> str:
    if event.kind == ENTERED and event.level == CRITICAL:
        return "critical alert"
    return _WHAT[event.kind]


class AlertMonitor:
    """One job of the background checks (:mod:`bot.jobs.loop`, which runs the loop and holds the lock)."""

    name = "alert check"

    def __init__(
        self,
        policy: Policy,
        reader: BalanceReader,
        store: AlertStore,
        notifier: Notifier,
        *,
        explain: Explain | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``explain(since, until)``: what moved the balance between two unix seconds, for the line an
        alert adds (read once per alert, within a deadline of its own; None: the alert goes without)."""
        self.policy = policy
        self.reader = reader
        self.store = store
        self.notifier = notifier
        self.explain = explain
        self.wall = wall
        self._wait = 0.0  # Retry-After from a refused notice during this tick
        # (the state before, the state after) a delivered notice, until the store takes it
        self._posted: Unsaved[tuple[AlertState, AlertState]] = Unsaved(self._record_posted)
        self._why: tuple[tuple[str, str, float], Explanation | None] | None = (
            None  # read for an undelivered alert
        )

    def levels(self) -> Levels:
        return levels_in_force(self.policy, self.store.load_config())

    def threshold_cents(self) -> int | None:
        """The warning level in force; None: alerts off."""
        return self.levels().warning_cents

    def tick(self) -> float:
        """Read once and send what is due; returns the seconds until the next tick, never sooner than
        Slack asked us to wait (Retry-After) when it refused a post."""
        self._wait = 0.0
        self._posted.flush()  # what was posted is recorded before anything else is decided
        return max(self._tick(), self._wait)

    def settle(self) -> str | None:
        return self._posted.settle()

    def _record_posted(self, change: tuple[AlertState, AlertState]) -> None:
        """Record the state after a delivered notice, unless another process changed the state since this
        one posted (it held the sender role meanwhile, and decided on its own)."""
        before, after = change
        current = self.store.load_state()
        if current == before:
            self.store.save_state(after)
        elif current != after:  # an earlier try's commit may have reached the store without its answer
            log.warning(
                "the alert state after a posted message was not recorded: another process changed it "
                "meanwhile (and may have posted it again)"
            )

    def _tick(self) -> float:
        config = self.store.load_config()
        levels = levels_in_force(self.policy, config)
        state = self.store.load_state()
        if levels.warning_cents is None:
            if state.state != "ok":  # turned off mid-episode: nothing to say, nothing to recover from
                self.store.save_state(step(state, Check(0, self.policy.watch, self.wall()), levels)[0])
            return self.policy.interval_seconds
        now = self.wall()
        try:
            reading = self.reader.read()
        except KalshiError as exc:
            return self._on_failure(state, exc, now)
        changed_at = config.updated_at if config is not None else None  # the levels set from Slack
        self._on_balance(state, reading.balance, levels, now, changed_at)
        return self.policy.interval_seconds

    def _on_failure(self, state: AlertState, exc: KalshiError, now: float) -> float:
        state.failures += 1
        state.last_check_at = now
        first_of_kind = state.failures == 1 or state.last_error != str(exc)
        state.last_error = str(exc)
        (log.warning if first_of_kind else log.info)(
            "alert check %d failed in a row: %s", state.failures, exc
        )
        self.store.save_state(state)
        due = state.failures >= self.policy.failures_before_notice and not state.failure_notice_sent
        if due and self._send(ReadFailingNotice(exc, state.failures), "cannot-read notice"):
            self._posted.record((state, replace(state, failure_notice_sent=True)), "the cannot-read notice")
        backoff: float = self.policy.interval_seconds * 2 ** min(state.failures - 1, 10)
        return min(backoff, max(self.policy.interval_seconds, MAX_BACKOFF_SECONDS))

    def _on_balance(
        self, state: AlertState, balance: Balance, levels: Levels, now: float, changed_at: float | None
    ) -> None:
        watch = self.policy.watch
        check = Check(
            value_cents=watched_cents(balance.balance_cents, balance.portfolio_value_cents, watch),
            watch=watch,
            at=now,
            previous_cents=state.last_watched_cents(watch),  # a balance that rose, or a level that moved
            levels_changed_at=changed_at,
            repeat_seconds=self.policy.repeat_seconds,
        )
        if state.failures:
            log.info("alert checks read the balance again after %d failure(s)", state.failures)
        read = replace(
            state,
            failures=0,
            last_error=None,
            last_balance_cents=balance.balance_cents,
            last_portfolio_cents=balance.portfolio_value_cents,
            last_balance_at=now,
            last_check_at=now,
        )
        self.store.save_state(read)
        if read.failure_notice_sent and self._send(ReadingAgainNotice(balance), "reading-again notice"):
            before, read = read, replace(read, failure_notice_sent=False)
            self._posted.record((before, read), "the reading-again notice")
        nxt, event = step(read, check, levels)
        nxt = replace(nxt, watching=watch)
        if event is None:
            if nxt != read:
                self.store.save_state(nxt)
            return
        why = self._explanation(event, state.last_balance_at) if event.kind == ENTERED else None
        if self._send(AlertNotice(event, balance, why), _what(event)):
            self._why = None
            self._posted.record((read, nxt), f"the {_what(event)}")
        # not delivered: the state stays, and the event is due again

    def _explanation(self, event: AlertEvent, before: float | None) -> Explanation | None:
        """What moved the balance since the reading before the drop: read once per alert, kept for its
        retries until it is delivered."""
        if self.explain is None:
            return None
        key = (event.kind, event.level, event.low_since)
        if self._why is None or self._why[0] != key:
            since = before if before is not None else event.at - self.policy.interval_seconds
            self._why = (key, self.explain(int(since), int(event.at)))
        return self._why[1]

    def _send(self, notice: Notice, what: str) -> bool:
        delivery = self.notifier.notify(notice)
        if delivery.ok:
            log.info("posted %s to %s", what, self.policy.channel)
        else:
            log.warning("%s not delivered; it will be tried again at the next check", what)
            self._wait = max(self._wait, delivery.retry_after or 0.0)
        return delivery.ok
