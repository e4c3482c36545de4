"""The alert's levels: which are in force, and where each episode ends (the re-arm margin).

One message per level entered, and one when it is left: a level is left only once the watched figure is
back above it plus the re-arm margin (hysteresis), so a balance hovering at a level does not flap. The
margin is BALANCE_ALERT_REARM, else 2% of the level and at least $1.

Where the critical episode ends is capped at the warning level: with a warning level of $250 and a
critical level of $249.50, the critical state ends at $250.00, never above it (a margin that reached past
the warning level would keep a balance of $254 "critical" though it is above both levels).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.alert_state import AVAILABLE, AlertConfig, AlertState, AlertStatus


@dataclass(frozen=True)
class Policy:
    """The alert as configured in the environment (BALANCE_ALERT_*)."""

    channel: str
    default_threshold_cents: int
    interval_seconds: float
    repeat_seconds: float | None
    rearm_cents: int | None
    failures_before_notice: int
    demo: bool = False
    default_critical_cents: int | None = None  # BALANCE_ALERT_CRITICAL; None: one level
    watch: str = AVAILABLE  # BALANCE_ALERT_ON: "available" or "total" (available + portfolio value)
    mentions: tuple[str, ...] = ()  # BALANCE_ALERT_MENTION, validated: U…/W…, S…, "here", "channel"


def rearm_margin(threshold_cents: int, configured: int | None) -> int:
    """Configured margin, else 2% of the level and at least $1."""
    if configured is not None:
        return configured
    return max(100, threshold_cents * 2 // 100)


@dataclass(frozen=True)
class Levels:
    """The levels in force: from Slack when set there, else from the environment."""

    warning_cents: int | None  # None: alerts off
    critical_cents: int | None  # None: one level
    ignored_critical_cents: int | None = None  # a critical level at or above the warning level
    rearm_cents: int | None = None  # BALANCE_ALERT_REARM; None: 2% of each level, at least $1

    @property
    def single(self) -> bool:
        return self.critical_cents is None

    @property
    def recovery_cents(self) -> int | None:
        """Where a low episode ends: the warning level plus its re-arm margin."""
        if self.warning_cents is None:
            return None
        return self.warning_cents + rearm_margin(self.warning_cents, self.rearm_cents)

    @property
    def critical_end_cents(self) -> int | None:
        """Where the critical state ends: the critical level plus its margin, capped at the warning level."""
        if self.critical_cents is None or self.warning_cents is None:
            return None
        margin = rearm_margin(self.critical_cents, self.rearm_cents)
        return min(self.critical_cents + margin, self.warning_cents)


def levels_in_force(policy: Policy, config: AlertConfig | None) -> Levels:
    warning: int | None
    if config is None:
        warning, critical = policy.default_threshold_cents, policy.default_critical_cents
    else:
        warning = config.threshold_cents
        critical = config.critical_cents if config.critical_set else policy.default_critical_cents
    if warning is None:
        return Levels(None, None, rearm_cents=policy.rearm_cents)
    if critical is not None and critical >= warning:
        return Levels(warning, None, ignored_critical_cents=critical, rearm_cents=policy.rearm_cents)
    return Levels(warning, critical, rearm_cents=policy.rearm_cents)


def status_of(policy: Policy, state: AlertState, levels: Levels) -> AlertStatus:
    """The alert as data: levels in force, watched figure, mentions, state, last check."""
    return AlertStatus(
        channel=policy.channel,
        warning_cents=levels.warning_cents,
        critical_cents=levels.critical_cents,
        watch=policy.watch,
        mentions=policy.mentions,
        state=state.state,
        low_since=state.low_since,
        critical_since=state.critical_since,
        last_check_at=state.last_check_at,
        last_balance_cents=state.last_balance_cents,
        last_portfolio_cents=state.last_portfolio_cents,
        last_error=state.last_error,
        recovery_cents=levels.recovery_cents,
        critical_recovery_cents=levels.critical_end_cents,
        ignored_critical_cents=levels.ignored_critical_cents,
    )
