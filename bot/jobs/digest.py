"""The daily digest: the background job that posts it exactly once a day.

- The day's digest is recorded in the store (``digest_log``, one row per day in BALANCE_DIGEST_TZ).
  A restart reads it back, and only the holder of the sender lock runs this job (bot.jobs.loop), so
  with several processes one posts.
- It is recorded as sent right after Slack accepts the post, never before: a refused post is tried
  again at the next check (not sooner than Slack's Retry-After) and never recorded as sent. When the
  store does not take that record, it is kept in memory and recorded at the start of the next check,
  before anything else (:mod:`bot.jobs.unsaved`): an outage of any length neither posts it twice nor
  records it as skipped. The one window in which it could repeat is a crash in the instant between
  Slack's "ok" and that commit; we chose that over recording first, which could lose the day's digest.
- Missed: when the process was not running (or Slack kept refusing) at the digest time, it is sent
  when the job runs within the hour after; later than that the day is recorded as skipped and logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from bot.balance import BalanceReader, subaccount_line_rows
from bot.config import DigestSettings
from bot.domain.activity import Explanation
from bot.domain.alert_state import AlertStatus
from bot.domain.chart_series import ChartHistory
from bot.domain.history import SENT, SKIPPED
from bot.domain.schedule import GRACE_SECONDS, Schedule, Slot
from bot.history import HistoryView
from bot.jobs.notifier import DigestNotice, Notifier
from bot.jobs.unsaved import Unsaved
from bot.kalshi.errors import KalshiError
from bot.store import DigestLog, StoreUnavailable

log = logging.getLogger(__name__)

Subaccounts = Callable[[], Sequence[tuple[int, Decimal]]]


def digest_schedule(settings: DigestSettings) -> Schedule:
    return Schedule(
        zone=settings.zone,
        hour=settings.hour,
        minute=settings.minute,
        second=settings.second,
        text=settings.time_text,
    )


class DigestJob:
    name = "daily digest"

    def __init__(
        self,
        *,
        schedule: Schedule,
        reader: BalanceReader,
        log_store: DigestLog,
        history: HistoryView,
        notifier: Notifier,
        channel: str,
        retry_seconds: float,
        alert_status: Callable[[], AlertStatus] | None = None,
        subaccounts: Subaccounts | None = None,
        explain: Callable[[], Explanation | None] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``explain()``: where the last 24 h went (trades, fees, settlements, deposits, withdrawals),
        within a deadline of its own; None: the digest goes without that line."""
        self.schedule = schedule
        self.reader = reader
        self.log_store = log_store
        self.history = history
        self.notifier = notifier
        self.channel = channel
        self.retry_seconds = retry_seconds
        self.alert_status = alert_status
        self.subaccounts = subaccounts
        self.explain = explain
        self.wall = wall
        self._settled: str | None = None  # the last day known recorded: spares the store a query a tick
        self._posted: Unsaved[tuple[str, float]] = Unsaved(self._record_sent)  # (day, when) posted

    def settle(self) -> str | None:
        return self._posted.settle()

    def tick(self) -> float:
        self._posted.flush()  # a posted digest is recorded before anything else is decided
        now = self.wall()
        slot = self.schedule.latest(now)
        if slot.day != self._settled:
            retry = self._due(slot, now)
            if retry is not None:
                return retry
        return max(0.05, self.schedule.next(now).at - now)

    def _chart(self) -> ChartHistory | None:
        """The last 7 days for the digest's chart; without it when the history cannot be read."""
        try:
            return self.history.chart(7, self.schedule.zone)
        except StoreUnavailable as exc:
            log.warning("the daily digest goes without its chart: history store unreachable (%s)", exc.reason)
            return None

    def _due(self, slot: Slot, now: float) -> float | None:
        """Post or skip the digest of ``slot``; the seconds until a retry, or None when settled."""
        if self.log_store.digest_status(slot.day) is not None:
            self._settled = slot.day
            return None
        late = now - slot.at
        if late > GRACE_SECONDS:
            if self.log_store.record_digest(slot.day, SKIPPED, now):
                log.warning(
                    "skipped the daily digest of %s: it was not sent within an hour of %s (the bot was "
                    "not running, or Slack refused it); the next one is due %s",
                    slot.day,
                    self.schedule.text,
                    self.schedule.local_text(self.schedule.next(now).at),
                )
            self._settled = slot.day
            return None
        try:
            reading = self.reader.read()
        except KalshiError as exc:
            log.warning("daily digest of %s waits: the balance read failed (%s)", slot.day, exc)
            return self.retry_seconds
        notice = DigestNotice(
            reading,
            day=slot.day,
            trend=self.history.trend(reading.balance.balance_cents),
            alert=self.alert_status() if self.alert_status is not None else None,
            subaccounts=subaccount_line_rows(self.subaccounts, surface="the digest"),
            chart=self._chart(),
            why=self.explain() if self.explain is not None else None,
        )
        delivery = self.notifier.notify(notice)
        if not delivery.ok:
            log.warning("daily digest of %s not delivered; it will be tried again", slot.day)
            return max(self.retry_seconds, delivery.retry_after or 0.0)
        self._posted.record((slot.day, self.wall()), f"the daily digest of {slot.day}")
        return None

    def _record_sent(self, posted: tuple[str, float]) -> None:
        day, at = posted
        if self.log_store.record_digest(day, SENT, at):
            log.info("posted the daily digest of %s to %s", day, self.channel)
        else:  # another process posted it too (the sender lock was lost mid-post), or a lost answer
            log.warning(
                "posted the daily digest of %s, which was already recorded (%s)",
                day,
                self.log_store.digest_status(day),
            )
        self._settled = day
