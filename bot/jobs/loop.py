"""The bot's own checks: one loop per process that runs the background jobs when their time comes.

The jobs, in this order within one pass: the alert check (:class:`bot.jobs.alerts.AlertMonitor`), the
history sample (:class:`bot.jobs.history.HistoryRecorder`, which takes the alert check's reading)
and the daily digest (:class:`bot.jobs.digest.DigestJob`). Each ``tick()`` returns the seconds until it
wants to run again.

The loop exists when alerts or the digest are on, or BALANCE_HISTORY_INTERVAL is set. Only the holder
of the sender lock (one process per store, see :mod:`bot.store`) runs the jobs; the others
stand by and take over when the holder dies, or when its passes keep failing on the store: after
GIVE_UP_AFTER such passes in a row it lets the lock go (unless something it posted still waits to be
recorded, see :mod:`bot.jobs.unsaved`), and competes for it again at its next pass. A process that
lost the lock while something it posted waited records it all the same, as a standby.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.store import SenderLock, StoreUnavailable

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600.0  # the longest wait between tries of a store that cannot be reached
GIVE_UP_AFTER = 3  # passes in a row failing on the store before the sender lets another process send


class Job(Protocol):
    name: str

    def tick(self) -> float: ...

    def settle(self) -> str | None:
        """Record what this job posted and could not record yet; what still waits (``None``: nothing)."""
        ...


class BackgroundChecks:
    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        standby_seconds: float,
        lock: SenderLock | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = list(jobs)
        self.standby_seconds = standby_seconds  # how often a standby tries the lock
        self.lock = lock
        self.clock = clock
        self._due = [0.0] * len(self.jobs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.role = ""  # "sender" or "standby", as the log last said
        self._pass = threading.Lock()  # one pass at a time: the loop's, or one run now (a fill)
        self._sender = False
        self.on_role: Callable[[bool], None] | None = (
            None  # told when this process becomes or stops being the sender
        )

    def run_now(self, names: frozenset[str]) -> bool:
        """Run the named jobs now (Kalshi pushed a fill), in the caller's thread, one pass at a time with
        the loop's; only in the sender process. ``False`` when not the sender or the store is unreachable
        (the loop's own passes then back off as usual)."""
        with self._pass:
            if not self._sender:
                return False
            for i, job in enumerate(self.jobs):
                if job.name not in names:
                    continue
                try:
                    delay = job.tick()
                except StoreUnavailable:
                    return False
                except Exception:  # the caller (the real-time refresh) must outlive any one bad tick
                    log.exception("%s failed unexpectedly; trying again later", job.name)
                    continue
                self._due[i] = self.clock() + delay
        return True

    def describe(self) -> str:
        return ", ".join(job.name for job in self.jobs)

    def run_due(self) -> float:
        """Run every job whose time has come; the seconds until the next one is due."""
        for i, job in enumerate(self.jobs):
            if self._due[i] <= self.clock():
                try:
                    delay = job.tick()
                except StoreUnavailable:
                    raise  # the loop backs off as a whole: no job can run without its store
                except Exception:  # the loop must outlive any one bad tick
                    log.exception("%s failed unexpectedly; trying again later", job.name)
                    delay = self.standby_seconds
                self._due[i] = self.clock() + delay
        return max(0.0, min(self._due, default=self.standby_seconds) - self.clock())

    # -- the loop ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="background-checks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the loop; ``True`` once its thread has stopped. The thread lets the sender lock go itself,
        on its way out: a pass that outlasts ``timeout`` (a slow read and two slow posts) keeps the lock
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
            log.warning("a check is still running after %gs; the sender lock is kept until it ends", timeout)
            return False
        return True

    def run(self) -> None:
        try:
            self._loop()
        finally:
            for what in self._unsaved():
                log.error("stopping with %s posted but not recorded: it may be posted again", what)
            self._set_role(False)
            if self.lock is not None:
                self.lock.release()

    def _loop(self) -> None:
        outages = 0  # passes in a row that could not reach the store
        while not self._stop.is_set():
            try:
                delay = self._turn()
                outages = 0
            except StoreUnavailable as exc:  # a database down: one line per retry, backing off
                outages += 1
                interval = self.standby_seconds
                delay = min(interval * 2 ** min(outages - 1, 10), max(interval, MAX_BACKOFF_SECONDS))
                log.warning("store unreachable (%s); trying again in %gs", exc.reason, delay)
                if outages >= GIVE_UP_AFTER:
                    self._give_up(outages, exc.reason)
                self._stop.wait(delay)
                continue
            self._stop.wait(min(delay, self.standby_seconds))

    def _turn(self) -> float:
        """Take or confirm the sender role and, as sender, run what is due: the delay until the next."""
        sender = self.lock is None or self.lock.try_acquire()
        role = "sender" if sender else "standby"
        if role != self.role:
            if sender:
                log.info("this process sends the alerts and runs the checks: %s", self.describe())
            else:
                log.info("another process holds the alert lock; standing by")
            self.role = role
        self._set_role(sender)
        if not sender:
            self._unsaved()  # posted as the sender, and the lock lost since: recorded all the same
            return self.standby_seconds
        with self._pass:
            return self.run_due()

    def _set_role(self, sender: bool) -> None:
        if sender != self._sender:
            self._sender = sender
            if self.on_role is not None:
                self.on_role(sender)

    def _unsaved(self) -> list[str]:
        """Record what the jobs posted and could not record yet; what still waits."""
        waiting = []
        for job in self.jobs:
            try:
                what = job.settle()
            except Exception:  # the loop must let the lock go whatever happens here
                log.exception("%s could not say what it posted and has not recorded", job.name)
                what = job.name
            if what is not None:
                waiting.append(what)
        return waiting

    def _give_up(self, outages: int, reason: str) -> None:
        """Let another process send: this one's passes keep failing on the store."""
        if self.lock is None or self.role != "sender":
            return
        waiting = self._unsaved()
        if waiting:  # another sender would not know it was posted, and post it again
            log.warning(
                "keeping the sender role despite %d failed passes: %s waits to be recorded",
                outages,
                ", ".join(waiting),
            )
            return
        with self._pass:
            self._set_role(False)
            self.lock.release()
        self.role = ""
        log.warning(
            "%d passes in a row failed on the store (%s): this process gives up the sender role so "
            "that another process can take it; it competes again at its next pass",
            outages,
            reason,
        )
