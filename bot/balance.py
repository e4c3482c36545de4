"""The one read path for balances, used by /balance (and ``sub N`` / ``all``), the Refresh button, the
alert monitor and the CLI.

- Keyed single flight: concurrent reads of the same view (the account, one subaccount, all subaccounts)
  share one in-flight Kalshi request, and its error too: each reader raises its own copy of that
  error, chained to it (``__cause__``), so no exception object (and its traceback) is raised in
  several threads at once.
- Freshness: figures younger than the window are served without a new request; errors are not kept.
- ``fresh=True`` (Refresh) skips the window but still joins a request already in flight.
- :meth:`BalanceReader.invalidate` (a fill, pushed by Kalshi's WebSocket) drops every cached figure, and a
  request already in flight then neither fills the cache nor serves a reader who comes after the call:
  the next read asks Kalshi again, so it never shows the balance from before the fill.
- When a read fails as an outage does (5xx, timeout, refused connection; after the client's retries),
  the flight asks Kalshi's exchange status once and marks the error as maintenance when the exchange is
  paused, so every surface can say so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar, cast

from bot.kalshi.errors import KalshiError, Maintenance
from bot.kalshi.models import Balance, ExchangeStatus, SubaccountBalances

log = logging.getLogger(__name__)


class BalanceSource(Protocol):
    def get_balance(self, subaccount: int | None = None) -> Balance: ...

    def get_subaccount_balances(self) -> SubaccountBalances: ...

    def get_exchange_status(self) -> ExchangeStatus: ...


@dataclass(frozen=True)
class Reading:
    """A balance: the account's as the key sees it (``subaccount`` None), or one subaccount's."""

    balance: Balance
    fetched_at: float  # monotonic seconds, for ages
    fetched_wall: float  # unix seconds, for people
    subaccount: int | None = None

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


@dataclass(frozen=True)
class SubaccountsReading:
    """Every subaccount's balance (``/balance all``)."""

    subaccounts: SubaccountBalances
    fetched_at: float
    fetched_wall: float

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


@dataclass(frozen=True)
class Kept:
    """Any other figures read through the same single flight (see :meth:`BalanceReader.shared`)."""

    value: Any
    fetched_at: float

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


R = TypeVar("R", Reading, SubaccountsReading, Kept)
T = TypeVar("T")
ALL: Hashable = ("all",)


class _Flight(Generic[R]):
    def __init__(self, generation: int) -> None:
        self.generation = generation  # the reader's generation when it took off (see invalidate)
        self.done = threading.Event()
        self.reading: R | None = None
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
        self._flights: dict[Hashable, _Flight[Any]] = {}
        self._last: dict[Hashable, Reading | SubaccountsReading | Kept] = {}
        self._generation = 0  # bumped by invalidate(): flights of an older one are out of date
        self.requests = 0  # Kalshi reads started (status checks not counted), for the benchmark and tests

    # -- the account, or one subaccount -----------------------------------------------------------------
    def cached(self, subaccount: int | None = None) -> Reading | None:
        """The last figures if still inside the freshness window, without any request."""
        cached = self._cached(("balance", subaccount))
        return cached if isinstance(cached, Reading) else None

    def read(self, *, fresh: bool = False, subaccount: int | None = None) -> Reading:
        """The balance; ``subaccount`` 0..63 asks for that subaccount (``?subaccount=N``)."""

        def fetch() -> Reading:
            if subaccount is None:
                balance = self.source.get_balance()
            else:
                balance = self.source.get_balance(subaccount=subaccount)
            return Reading(balance, self.clock(), self._wall(), subaccount)

        return self._read(("balance", subaccount), fetch, fresh)

    def latest(self) -> Reading | None:
        """The account's last figures, however old (the background checks reuse the alert check's read)."""
        last = self._last.get(("balance", None))
        return last if isinstance(last, Reading) else None

    # -- every subaccount -------------------------------------------------------------------------------
    def cached_all(self) -> SubaccountsReading | None:
        cached = self._cached(ALL)
        return cached if isinstance(cached, SubaccountsReading) else None

    def read_all(self, *, fresh: bool = False) -> SubaccountsReading:
        """Every subaccount's balance (0 = primary), one entry each, summed over exchange indexes."""

        def fetch() -> SubaccountsReading:
            return SubaccountsReading(self.source.get_subaccount_balances(), self.clock(), self._wall())

        return self._read(ALL, fetch, fresh)

    def subaccount_rows(self) -> list[tuple[int, Decimal]]:
        """(number, exact dollars) for each subaccount, sorted, through :meth:`read_all` (the digest and
        the Home tab show them as one line)."""
        return [(s.subaccount, s.balance_dollars) for s in self.read_all().subaccounts.subaccounts]

    def invalidate(self) -> None:
        """Kalshi's figures have moved (a fill): forget every cached figure, and let no request already in
        flight fill the cache or be joined by a later reader."""
        with self._lock:
            self._generation += 1
            self._last.clear()

    # -- anything else read from Kalshi -------------------------------------------------------------------
    def shared(self, key: Hashable, fetch: Callable[[], T], *, keep_seconds: float) -> T:
        """``fetch()`` through the same single flight: everyone asking for ``key`` while it runs, or within
        ``keep_seconds`` after, shares its one result (the activity behind ``/balance why``); an error is
        shared by its flight and never kept."""

        def kept() -> Kept:
            return Kept(fetch(), self.clock())

        return cast(T, self._read(("shared", key), kept, False, keep_seconds).value)

    # -- the single flight -------------------------------------------------------------------------------
    def _cached(
        self, key: Hashable, window: float | None = None
    ) -> Reading | SubaccountsReading | Kept | None:
        last = self._last.get(key)
        window = self.freshness_seconds if window is None else window
        if last is not None and last.age(self.clock()) <= window:
            return last
        return None

    def _read(self, key: Hashable, fetch: Callable[[], R], fresh: bool, window: float | None = None) -> R:
        with self._lock:
            if not fresh:
                cached = self._cached(key, window)
                if cached is not None:
                    return cast(R, cached)
            flight: _Flight[R] | None = self._flights.get(key)
            if flight is not None and flight.generation != self._generation:
                flight = None  # it took off before the figures moved: its answer may predate them
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(self._generation)
                self.requests += 1
        if leader:
            self._fly(key, flight, fetch)
        else:
            flight.done.wait()
        if flight.error is not None:
            own = _own_copy(flight.error)
            if own is flight.error:
                raise own
            raise own from flight.error
        assert flight.reading is not None
        return flight.reading

    def _fly(self, key: Hashable, flight: _Flight[R], fetch: Callable[[], R]) -> None:
        try:
            flight.reading = fetch()
        except KalshiError as exc:
            if exc.outage:
                exc.maintenance = self._maintenance()
            flight.error = exc
        except BaseException as exc:  # noqa: BLE001 - handed to every reader of this flight, re-raised there
            flight.error = exc
        finally:
            with self._lock:
                if flight.reading is not None and flight.generation == self._generation:
                    self._last[key] = flight.reading
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    def mark_maintenance(self, errors: Iterable[KalshiError]) -> None:
        """For errors caught outside a flight (one kind of activity each): when any failed as an outage
        does, ask the exchange status once and mark them all, as a failed balance read is marked."""
        outages = [e for e in errors if e.outage]
        if outages:
            maintenance = self._maintenance()
            for error in outages:
                error.maintenance = maintenance

    def _maintenance(self) -> Maintenance | None:
        """Ask Kalshi's exchange status once; any failure of that leaves the original error as it is."""
        try:
            status = self.source.get_exchange_status()
        except Exception as exc:  # noqa: BLE001 - it only explains an error: it may never replace it
            log.info(
                "exchange status unavailable too: %s",
                exc if isinstance(exc, KalshiError) else type(exc).__name__,
            )
            return None
        if status.exchange_active:
            return None
        log.warning(
            "Kalshi's exchange status says maintenance (estimated resume %s)", status.estimated_resume_ts
        )
        return Maintenance(status.estimated_resume_ts)


def subaccount_line_rows(
    read: Callable[[], Sequence[tuple[int, Decimal]]] | None, *, surface: str
) -> list[tuple[int, Decimal]] | None:
    """The rows of a surface's subaccount line (the digest, the Home tab); ``None`` when the bot reads no
    subaccounts or the read failed: the surface goes without the line, and the log says why."""
    if read is None:
        return None
    try:
        return list(read())
    except KalshiError as exc:
        log.warning("%s goes without the subaccounts: %s", surface, exc)
        return None


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
