"""What was posted but not yet recorded: kept in memory and recorded as soon as the store answers.

A job posts (Slack says "ok"), then records what it posted (an alert's new state, the day's digest). When
that record fails (the store is down, locked, or did not answer in time), forgetting it would post the
same message again at the next pass, or count a posted digest as skipped. So the job keeps it here and
records it at the start of its next pass, before it decides anything else; the loop does not give up
the sender role while something waits here, and records it even after losing the lock
(:mod:`bot.jobs.loop`). The one window left is a crash of the process between Slack's "ok" and the
commit.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Unsaved(Generic[T]):
    def __init__(self, save: Callable[[T], None]) -> None:
        self._save = save
        self._value: T | None = None
        self.what = ""  # what waits, for log lines: "the state after the low-balance alert"

    def record(self, value: T, what: str) -> None:
        """Record what was just posted; when the store does not take it, keep it and raise."""
        self._value, self.what = value, what
        self.flush()

    def flush(self) -> None:
        """Record what waits, if anything; raises (keeping it) while the store does not take it."""
        if self._value is None:
            return
        try:
            self._save(self._value)
        except Exception:
            log.warning(
                "%s was posted but could not be recorded yet; it is kept in memory and recorded as soon "
                "as the store answers, before anything else is decided",
                self.what,
            )
            raise
        self._value = None

    def settle(self) -> str | None:
        """Try to record what waits (for :meth:`bot.jobs.loop.Job.settle`); what still waits."""
        with contextlib.suppress(Exception):  # logged by flush; it still waits
            self.flush()
        return self.waiting

    @property
    def waiting(self) -> str | None:
        """What was posted and waits to be recorded; ``None``: nothing."""
        return self.what if self._value is not None else None
