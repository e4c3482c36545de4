"""The alert's records: its *state* (written by the alert job) and its *config* (the levels set from
Slack, written by ``/balance alert``), each written by one side only, so neither overwrites the other.

The state is a level: ``ok``, ``warning`` (below the warning level, BALANCE_ALERT_THRESHOLD) or
``critical`` (below the optional critical level). Releases before the critical level stored ``low``,
which is read as ``warning``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

OK = "ok"
WARNING = "warning"
CRITICAL = "critical"
LEVELS = (OK, WARNING, CRITICAL)
AVAILABLE = "available"  # BALANCE_ALERT_ON: the figure watched
TOTAL = "total"  # available + portfolio value
WATCHES = (AVAILABLE, TOTAL)
LEGACY_LOW = "low"  # the single-level state of earlier releases: below the one threshold


def watched_cents(balance_cents: int, portfolio_value_cents: int, watch: str) -> int:
    """The figure the alert watches: the available balance, or the total with the portfolio value."""
    return balance_cents + portfolio_value_cents if watch == TOTAL else balance_cents


@dataclass
class AlertState:
    """What the alert job knows between checks and across restarts. Times are unix seconds."""

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
    watching: str | None = None  # the figure the state was judged on (BALANCE_ALERT_ON); None: older

    def __post_init__(self) -> None:
        if self.state == LEGACY_LOW:  # written by an earlier release (a process not yet upgraded)
            self.state = WARNING

    def last_watched_cents(self, watch: str) -> int | None:
        """The watched figure of the last successful read, or None before the first."""
        if self.last_balance_cents is None:
            return None
        return watched_cents(self.last_balance_cents, self.last_portfolio_cents or 0, watch)


@dataclass(frozen=True)
class AlertConfig:
    """The levels as set from Slack; ``None`` from the store's ``load_config`` means never set.

    Once a record exists its warning level wins over BALANCE_ALERT_THRESHOLD; its critical level wins
    over BALANCE_ALERT_CRITICAL only once ``critical_set`` (``/balance alert critical …`` was used).
    """

    threshold_cents: int | None  # the warning level; None: alerts turned off
    updated_by: str
    updated_at: float
    critical_cents: int | None = None  # None: no critical level (when critical_set)
    critical_set: bool = False  # False: the critical level is BALANCE_ALERT_CRITICAL's


@dataclass(frozen=True)
class AlertStatus:
    """Everything ``/balance alert`` shows, as data: also for the digest and the Home tab."""

    channel: str
    warning_cents: int | None  # None: alerts off
    critical_cents: int | None  # None: one level
    watch: str  # "available" or "total"
    mentions: tuple[str, ...]
    state: str  # "ok", "warning" or "critical"
    low_since: float | None = None
    critical_since: float | None = None
    last_check_at: float | None = None
    last_balance_cents: int | None = None
    last_portfolio_cents: int | None = None
    last_error: str | None = None
    recovery_cents: int | None = None  # warning level + re-arm margin
    critical_recovery_cents: int | None = None  # critical level + re-arm margin
    ignored_critical_cents: int | None = None  # set, but at or above the warning level


STATE_COLUMNS = [f.name for f in fields(AlertState)]
CONFIG_COLUMNS = [f.name for f in fields(AlertConfig)]
