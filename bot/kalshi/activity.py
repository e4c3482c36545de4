"""Reads the activity of one window from Kalshi: every page of each kind, up to a bound, politely.

- ``GET /portfolio/fills`` and ``/portfolio/settlements`` take ``min_ts``/``max_ts`` and ``subaccount``
  (left out, they return every subaccount's), so they are asked for the window and the subaccount.
- ``GET /portfolio/deposits``, ``/portfolio/withdrawals`` and ``/portfolio/subaccounts/transfers`` take
  only ``limit`` and ``cursor``: they are paged from the newest until a page reaches older than the
  window (deposits and withdrawals: a week older, since one made earlier may be applied inside it), and
  filtered here.
- Every kind follows ``cursor`` up to a bound (10,000 fills, …). Past it the kind is marked partial,
  never silently cut. One kind's failure is kept as its error and the other kinds are still read.
- Every request of every activity read in the process goes through one token bucket (:class:`Pacer`),
  so however many people ask, these reads stay far inside Kalshi's read budget; a deadline bounds the
  whole read (the alerts give it 2 s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from bot.kalshi.activity_models import (
    ActivityRead,
    Fill,
    Funding,
    Kind,
    KindRead,
    Settlement,
    Transfer,
    page,
)
from bot.kalshi.client import RetryPolicy
from bot.kalshi.errors import KalshiBadResponse, KalshiError, KalshiTimeout

log = logging.getLogger(__name__)

FILLS = "portfolio/fills"
SETTLEMENTS = "portfolio/settlements"
DEPOSITS = "portfolio/deposits"
WITHDRAWALS = "portfolio/withdrawals"
TRANSFERS = "portfolio/subaccounts/transfers"

PAGE_LIMITS: dict[Kind, int] = {  # Kalshi's largest page for each (kalshi-python-sync 3.34)
    "trades": 1000,
    "settlements": 1000,
    "deposits": 500,
    "withdrawals": 500,
    "transfers": 1000,
}
BOUNDS: dict[Kind, int] = {  # items read at most per window; past that the kind is partial
    "trades": 10_000,
    "settlements": 10_000,
    "deposits": 2_000,
    "withdrawals": 2_000,
    "transfers": 5_000,
}
FUNDING_LOOKBACK = 7 * 86_400  # a deposit made up to a week before the window may be applied inside it
PACE_PER_SECOND = 2.0  # activity requests a second, after a burst of PACE_BURST: 20 tokens/s at 10 each
PACE_BURST = 8

T = TypeVar("T", Fill, Settlement, Funding, Transfer)


@runtime_checkable
class ActivitySource(Protocol):
    """What the reads need of :class:`bot.kalshi.client.KalshiClient`."""

    retry: RetryPolicy

    def get_json(
        self, path: str, params: dict[str, str] | None = None, *, retry: RetryPolicy | None = None
    ) -> Any: ...


class Pacer:
    """A token bucket: at most ``rate`` requests a second after a burst of ``burst``; thread-safe."""

    def __init__(
        self,
        rate: float = PACE_PER_SECOND,
        burst: int = PACE_BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._at = clock()

    def take(self, deadline: float | None = None) -> bool:
        """Wait for a token; ``False`` (and no token taken) when it would come after ``deadline``."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
            self._at = now
            wait = max(0.0, (1.0 - self._tokens) / self.rate)
            if deadline is not None and wait > 0 and now + wait > deadline:
                return False
            self._tokens -= 1.0  # reserved: whoever comes next waits behind it
        if wait:
            self._sleep(wait)
        return True


PACER = Pacer()
"""The process's one bucket for activity reads (the balance reads have their own single flight)."""

ALERT_PACER = Pacer(rate=0.5, burst=10)
"""The alerts' own bucket: two alerts' reads at once (a warning, then a critical one), then one alert's
every 10 s; so /balance why and the digest never use up what an alert needs, and the process's
activity reads stay within 2.5 requests a second in all."""


@dataclass
class _Budget:
    deadline: float | None
    patient: bool = True  # False: no waiting for the pacer's tokens (an alert does not wait for the budget)
    requests: int = 0


class ActivityReads:
    """Reads one window's activity; thread-safe (no state but the shared :class:`Pacer`)."""

    def __init__(
        self, source: ActivitySource, *, pacer: Pacer = PACER, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.source = source
        self.pacer = pacer
        self._clock = clock

    def read(
        self,
        start: int,
        end: int,
        subaccount: int,
        *,
        deadline_seconds: float | None = None,
        patient: bool = True,
    ) -> ActivityRead:
        """The activity of subaccount ``subaccount`` (0: the primary account) from ``start`` to ``end``;
        ``patient=False``: a request the read budget cannot take at once fails its kind at once."""
        budget = _Budget(None if deadline_seconds is None else self._clock() + deadline_seconds, patient)
        window = {"min_ts": str(start), "max_ts": str(end), "subaccount": str(subaccount)}

        def funding(spec: _List[Funding]) -> Callable[[], tuple[list[Funding], bool]]:
            def read() -> tuple[list[Funding], bool]:
                rows, partial = self._pages(spec, {}, budget, older_than=start - FUNDING_LOOKBACK)
                return [r for r in rows if r.applied and start <= r.at <= end], partial

            return read

        def transfers() -> tuple[list[Transfer], bool]:
            rows, partial = self._pages(TRANSFER_LIST, {}, budget, older_than=start)
            mine = [t for t in rows if subaccount in {t.from_subaccount, t.to_subaccount}]
            return [t for t in mine if t.from_subaccount != t.to_subaccount and start <= t.at <= end], partial

        primary = subaccount == 0  # deposits and withdrawals carry no subaccount: they are the primary's
        return ActivityRead(
            start=start,
            end=end,
            subaccount=subaccount,
            trades=_kind("trades", lambda: self._pages(FILL_LIST, window, budget)),
            settlements=_kind("settlements", lambda: self._pages(SETTLEMENT_LIST, window, budget)),
            deposits=_kind("deposits", funding(DEPOSIT_LIST)) if primary else None,
            withdrawals=_kind("withdrawals", funding(WITHDRAWAL_LIST)) if primary else None,
            transfers=_kind("transfers", transfers),
            requests=budget.requests,
        )

    def _pages(
        self, spec: _List[T], params: dict[str, str], budget: _Budget, *, older_than: int | None = None
    ) -> tuple[list[T], bool]:
        """Follow ``cursor`` from the newest page to the last one or, for a list without a time filter,
        to a page reaching older than ``older_than``; at most the kind's bound (then ``partial``)."""
        limit = PAGE_LIMITS[spec.kind]
        items: list[T] = []
        seen: set[Hashable] = set()
        cursors: set[str] = set()
        cursor: str | None = None
        for _ in range(-(-BOUNDS[spec.kind] // limit)):
            query = {**params, "limit": str(limit)} | ({"cursor": cursor} if cursor else {})
            batch, cursor = page(self._get(spec.path, query, budget), spec.field, spec.item)
            for row in batch:
                if spec.key(row) not in seen:  # a later page may repeat one: counted once
                    seen.add(spec.key(row))
                    items.append(row)
            if cursor is None or not batch:
                return items, False
            if older_than is not None and min(map(spec.created, batch)) < older_than:
                return items, False
            if cursor in cursors:
                raise KalshiBadResponse("it sent the same page cursor twice")
            cursors.add(cursor)
        return items, True

    def _get(self, path: str, params: dict[str, str], budget: _Budget) -> Any:
        remaining = None if budget.deadline is None else budget.deadline - self._clock()
        until = budget.deadline if budget.patient else self._clock()
        if remaining is not None and remaining <= 0:
            raise KalshiTimeout()
        if not self.pacer.take(until):
            raise KalshiTimeout(
                "Kalshi did not answer in time."
                if budget.patient
                else "the bot's read budget for it is spent."
            )
        retry = self.source.retry
        if budget.deadline is not None:
            left = max(0.01, budget.deadline - self._clock())
            retry = replace(
                retry, deadline=min(retry.deadline, left), read_timeout=min(retry.read_timeout, left)
            )
        budget.requests += 1
        return self.source.get_json(path, params, retry=retry)


def _kind(kind: Kind, read: Callable[[], tuple[list[T], bool]]) -> KindRead[T]:
    try:
        items, partial = read()
    except KalshiError as exc:
        log.warning("the %s behind the balance could not be read: %s", kind, exc)
        return KindRead(error=exc)
    if partial:
        log.warning(
            "the %s behind the balance stop at the bound of %d: the figures are partial", kind, BOUNDS[kind]
        )
    return KindRead(tuple(items), partial)


@dataclass(frozen=True)
class _List(Generic[T]):
    """One of Kalshi's paged lists: where, which field holds the items, how each is read, what tells two
    apart, and when one was made (for lists without a time filter)."""

    path: str
    kind: Kind
    field: str
    item: Callable[[Any], T]
    key: Callable[[T], Hashable]
    created: Callable[[T], int]


FILL_LIST = _List(FILLS, "trades", "fills", Fill.from_json, attrgetter("fill_id"), attrgetter("at"))
SETTLEMENT_LIST = _List(
    SETTLEMENTS,
    "settlements",
    "settlements",
    Settlement.from_json,
    attrgetter("ticker", "at", "revenue_cents", "fee"),
    attrgetter("at"),
)
DEPOSIT_LIST = _List(
    DEPOSITS, "deposits", "deposits", Funding.from_json, attrgetter("id"), attrgetter("created_ts")
)
WITHDRAWAL_LIST = _List(
    WITHDRAWALS, "withdrawals", "withdrawals", Funding.from_json, attrgetter("id"), attrgetter("created_ts")
)
TRANSFER_LIST = _List(
    TRANSFERS, "transfers", "transfers", Transfer.from_json, attrgetter("id"), attrgetter("at")
)
