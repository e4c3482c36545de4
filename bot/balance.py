"""The one read path for the balance, used by /balance, the Refresh button and the alert monitor.

- Single flight: concurrent reads share one in-flight Kalshi request, and its error too: each reader
  raises its own copy of that error, chained to it (``__cause__``), so no exception object (and its
  traceback) is raised in several threads at once.
- Freshness: figures younger than the window are served without a new request; errors are not kept.
- ``fresh=True`` (Refresh) skips the window but still joins a request already in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.kalshi.models import Balance


class BalanceSource(Protocol):
    def get_balance(self) -> Balance: ...


@dataclass(frozen=True)
class Reading:
    balance: Balance
    fetched_at: float  # monotonic seconds, for ages
    fetched_wall: float  # unix seconds, for people

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.reading: Reading | None = None
        self.error: BaseException | None = None


class BalanceReader:
    def __init__(
        self,
        source: BalanceSource,
        freshness_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.freshness_seconds = freshness_seconds
        self.clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        self._last: Reading | None = None
        self.requests = 0  # Kalshi requests made, for the benchmark and tests

    def cached(self) -> Reading | None:
        """The last figures if still inside the freshness window, without any request."""
        last = self._last
        if last is not None and last.age(self.clock()) <= self.freshness_seconds:
            return last
        return None

    def latest(self) -> Reading | None:
        """The last figures read, however old (the background checks reuse the alert check's read)."""
        return self._last

    def read(self, *, fresh: bool = False) -> Reading:
        with self._lock:
            if not fresh:
                cached = self.cached()
                if cached is not None:
                    return cached
            flight = self._flight
            leader = flight is None
            if flight is None:
                flight = self._flight = _Flight()
                self.requests += 1
        if leader:
            self._fly(flight)
        else:
            flight.done.wait()
        if flight.error is not None:
            own = _own_copy(flight.error)
            if own is flight.error:
                raise own
            raise own from flight.error
        assert flight.reading is not None
        return flight.reading

    def _fly(self, flight: _Flight) -> None:
        try:
            balance = self.source.get_balance()
            flight.reading = Reading(balance, self.clock(), self._wall())
        except BaseException as exc:  # noqa: BLE001 - handed to every reader of this flight, re-raised there
            flight.error = exc
        finally:
            with self._lock:
                if flight.reading is not None:
                    self._last = flight.reading
                self._flight = None
            flight.done.set()


def _own_copy(error: BaseException) -> BaseException:
    """A new exception of the same type, arguments and attributes, without calling ``__init__`` (whose
    signature varies by type) and without the shared one's traceback; the error itself if it cannot be
    copied (an exception type with a ``__new__`` of its own)."""
    try:
        copy = type(error).__new__(type(error), *error.args)
    except Exception:  # noqa: BLE001 - then the shared object it is, as before
        return error
    copy.args = error.args
    copy.__dict__.update(
        {k: v for k, v in vars(error).items() if k not in {"__traceback__", "__cause__", "__context__"}}
    )
    return copy
