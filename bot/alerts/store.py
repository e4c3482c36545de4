"""Alert state and the two things every store provides: durable state, and the lock that makes one
process the sender. Implementations: :mod:`bot.alerts.sqlite` (default) and :mod:`bot.alerts.postgres`
(when DATABASE_URL is set).

Two records, each written by one side only, so neither overwrites the other: the alert *state* by the
monitor, the alert *config* (levels set from Slack) by ``/balance alert``.

The state is a level: ``ok``, ``warning`` (below the warning level, BALANCE_ALERT_THRESHOLD) or
``critical`` (below the optional critical level). Releases before the critical level stored ``low``,
which is read as ``warning``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

from bot.kalshi.models import Balance

OK = "ok"
WARNING = "warning"
CRITICAL = "critical"
LEVELS = (OK, WARNING, CRITICAL)
AVAILABLE = "available"  # BALANCE_ALERT_ON: the figure watched
TOTAL = "total"  # available + portfolio value
WATCHES = (AVAILABLE, TOTAL)
LEGACY_LOW = "low"  # the single-level state of earlier releases: below the one threshold


def watched_cents(balance: Balance, watch: str) -> int:
    """The figure the alert watches: the available balance, or the total with the portfolio value."""
    return balance.total_cents if watch == TOTAL else balance.balance_cents


@dataclass
class AlertState:
    """What the monitor knows between ticks and across restarts. Times are unix seconds."""

    state: str = OK  # OK, WARNING or CRITICAL
    low_since: float | None = None  # when the balance went below the warning level (either level)
    last_notified_at: float | None = None  # the last alert or reminder of the current level Slack accepted
    failures: int = 0  # failed reads in a row
    failure_notice_sent: bool = False
    last_error: str | None = None
    last_balance_cents: int | None = None
    last_balance_at: float | None = None
    last_check_at: float | None = None
    critical_since: float | None = None  # when the balance went below the critical level
    last_portfolio_cents: int | None = None  # the portfolio value of the last read, beside its balance

    def __post_init__(self) -> None:
        if self.state == LEGACY_LOW:  # written by an earlier release (a process not yet upgraded)
            self.state = WARNING


@dataclass(frozen=True)
class AlertConfig:
    """The levels as set from Slack; ``None`` from :meth:`AlertStore.load_config` means never set.

    Once a record exists its warning level wins over BALANCE_ALERT_THRESHOLD; its critical level wins
    over BALANCE_ALERT_CRITICAL only once ``critical_set`` (``/balance alert critical …`` was used).
    """

    threshold_cents: int | None  # the warning level; None: alerts turned off
    updated_by: str
    updated_at: float
    critical_cents: int | None = None  # None: no critical level (when critical_set)
    critical_set: bool = False  # False: the critical level is BALANCE_ALERT_CRITICAL's


class StoreUnavailable(Exception):
    """The store cannot be reached (a database down or refusing us); ``reason`` says why in a few words,
    never with the connection URL or the server's own message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AlertStore(Protocol):
    def load_state(self) -> AlertState: ...

    def save_state(self, state: AlertState) -> None: ...

    def load_config(self) -> AlertConfig | None: ...

    def save_config(self, config: AlertConfig) -> None: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class SenderLock(Protocol):
    """Held by exactly one process at a time; released by the system when the holder dies."""

    def try_acquire(self) -> bool:
        """Whether this process holds the lock; raises :class:`StoreUnavailable` when it cannot tell."""
        ...

    def release(self) -> None: ...


STATE_COLUMNS = [f.name for f in fields(AlertState)]
CONFIG_COLUMNS = [f.name for f in fields(AlertConfig)]
