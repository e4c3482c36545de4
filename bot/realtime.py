"""Real time: Kalshi's pushed fills turned into balance re-reads, never one read per fill.

Kalshi's WebSocket (:mod:`bot.kalshi.websocket`) calls ``on_activity()`` for every fill and position
change, hundreds a second when a strategy trades hard. :func:`activity_handler` makes that callback:

1. it drops the cached figures at once (:meth:`bot.balance.BalanceReader.invalidate`), so a ``/balance``
   right after a fill never shows the balance from before it;
2. it triggers a :class:`Coalescer`, which runs the refresh (re-read, feed the alert check, the history
   and the cache) in a thread of its own: at most one run in flight plus one queued, whatever the storm,
   and runs start at least ``min_gap`` seconds apart (the first at once), so a storm costs at most one
   read per ``min_gap`` and the last run always starts after the last fill.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiError

log = logging.getLogger(__name__)

MIN_GAP_SECONDS = 0.5
"""Runs start at least this far apart: at most 2 reads a second however hard the account trades (20 of
the Basic tier's 200 read tokens a second), and a fill waits at most this long for its read to start."""


class Coalescer:
    """Turns any number of :meth:`trigger` calls into runs of ``action``: one in flight plus one queued."""

    def __init__(
        self,
        action: Callable[[], object],
        *,
        min_gap: float = MIN_GAP_SECONDS,
        name: str = "realtime-refresh",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._action = action
        self.min_gap = min_gap
        self.name = name
        self._clock = clock
        self._cond = threading.Condition()
        self._pending = False  # a trigger not yet taken up by a run
        self._running = False
        self._stopped = False
        self._last_start: float | None = None
        self._thread: threading.Thread | None = None
        self.runs = 0  # runs started, for the benchmark and tests

    def start(self) -> Coalescer:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def trigger(self) -> None:
        """Ask for a run; returns at once. Triggers before a queued run starts are all served by it."""
        with self._cond:
            self._pending = True
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop taking triggers; ``True`` once the thread has ended (a run under way is let finish)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or running (tests, the benchmark); ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def _loop(self) -> None:
        while self._next():
            try:
                self._action()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any one run
                cause = exc if isinstance(exc, KalshiError) else type(exc).__name__
                log.warning("real-time refresh failed (%s); the next fill or poll reads again", cause)
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()

    def _next(self) -> bool:
        """Wait for a trigger and for the gap since the last run; ``False`` once stopped."""
        with self._cond:
            while not self._stopped:
                if not self._pending:
                    self._cond.wait()
                    continue
                wait = 0.0 if self._last_start is None else self._last_start + self.min_gap - self._clock()
                if wait > 0:
                    self._cond.wait(wait)  # triggers meanwhile join this run
                    continue
                self._pending, self._running = False, True
                self._last_start = self._clock()
                self.runs += 1
                return True
        return False


def activity_handler(reader: BalanceReader, refresh: Coalescer) -> Callable[[], None]:
    """The WebSocket's ``on_activity``: drop the cached figures at once, then ask for a coalesced refresh."""

    def on_activity() -> None:
        reader.invalidate()
        refresh.trigger()

    return on_activity
