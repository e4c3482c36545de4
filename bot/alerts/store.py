"""Alert state and the two things every store provides: durable state, and the lock that makes one
process the sender. Implementations: :mod:`bot.alerts.sqlite` (default) and :mod:`bot.alerts.postgres`
(when DATABASE_URL is set).

Two records, each written by one side only, so neither overwrites the other: the alert *state* by the
monitor, the alert *config* (threshold set from Slack) by ``/balance alert``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

OK = "ok"
LOW = "low"


@dataclass
class AlertState:
    """What the monitor knows between ticks and across restarts. Times are unix seconds."""

    state: str = OK
    low_since: float | None = None
    last_notified_at: float | None = None  # the last low alert or reminder that Slack accepted
    failures: int = 0  # failed reads in a row
    failure_notice_sent: bool = False
    last_error: str | None = None
    last_balance_cents: int | None = None
    last_balance_at: float | None = None
    last_check_at: float | None = None


@dataclass(frozen=True)
class AlertConfig:
    """The threshold as set from Slack; ``None`` from :meth:`AlertStore.load_config` means never set."""

    threshold_cents: int | None  # None: alerts turned off
    updated_by: str
    updated_at: float


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
