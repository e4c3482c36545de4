"""The bot's own checks: one loop per process that runs the background jobs when their time comes.

The jobs, in this order within one pass: the alert check (:class:`bot.alerts.monitor.AlertMonitor`), the
history sample (:class:`bot.history.recorder.HistoryRecorder`, which takes the alert check's reading)
and the daily digest (:class:`bot.digest.DigestJob`). Each ``tick()`` returns the seconds until it
wants to run again.

The loop exists when alerts or the digest are on, or BALANCE_HISTORY_INTERVAL is set. Only the holder
of the sender lock (one process per store, see :mod:`bot.alerts.store`) runs the jobs; the others
stand by and take over when the holder dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.alerts.store import SenderLock

log = logging.getLogger(__name__)


class Job(Protocol):
    name: str

    def tick(self) -> float: ...


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

    def describe(self) -> str:
        return ", ".join(job.name for job in self.jobs)

    def run_due(self) -> float:
        """Run every job whose time has come; the seconds until the next one is due."""
        for i, job in enumerate(self.jobs):
            if self._due[i] <= self.clock():
                try:
                    delay = job.tick()
                except Exception:  # the loop must outlive any one bad tick
                    log.exception("%s failed unexpectedly; trying again later", job.name)
                    delay = self.standby_seconds
                self._due[i] = self.clock() + delay
        return max(0.0, min(self._due, default=self.standby_seconds) - self.clock())

    # -- the loop ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="background-checks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop, then give up the lock; safe to call more than once."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self.lock is not None:
            self.lock.release()

    def run(self) -> None:
        announced = ""  # the role the log last reported
        while not self._stop.is_set():
            sender = self.lock is None or self.lock.try_acquire()
            role = "sender" if sender else "standby"
            if role != announced:
                if sender:
                    log.info("this process sends the alerts and runs the checks: %s", self.describe())
                else:
                    log.info("another process holds the alert lock; standing by")
                announced = role
            delay = self.run_due() if sender else self.standby_seconds
            self._stop.wait(min(delay, self.standby_seconds))
