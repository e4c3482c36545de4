"""What the jobs hand over to be said, and the one thing they need of whoever says it.

A job never knows Slack: it builds a notice (data) and calls :meth:`Notifier.notify`, which answers
whether it was delivered. The Slack side (its notifier module) turns notices into messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from bot.balance import Reading
from bot.domain.activity import Explanation
from bot.domain.alert_machine import AlertEvent
from bot.domain.alert_state import AlertStatus
from bot.domain.chart_series import ChartHistory
from bot.domain.trend import Trend
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import Balance


@dataclass(frozen=True)
class Delivery:
    """Whether the notice was accepted, and how long to wait before the next (Slack's Retry-After)."""

    ok: bool
    retry_after: float | None = None
    error: str | None = None  # Slack's error code on a refusal (invalid_blocks: see the chart fallback)


@dataclass(frozen=True)
class AlertNotice:
    """An alert event, with the figures read."""

    event: AlertEvent
    balance: Balance
    why: Explanation | None = None  # what moved the balance since the reading before (a level entered)


@dataclass(frozen=True)
class ReadFailingNotice:
    """The alert checks cannot read the balance: ``failures`` checks in a row failed."""

    error: KalshiError
    failures: int


@dataclass(frozen=True)
class ReadingAgainNotice:
    """The alert checks read the balance again after a failing notice."""

    balance: Balance


@dataclass(frozen=True)
class DigestNotice:
    """The day's digest: the figures, the trend, the alert's status and the subaccounts."""

    reading: Reading
    day: str
    trend: Trend | None
    alert: AlertStatus | None  # None: no alert set up on this bot
    subaccounts: Sequence[tuple[int, Decimal]] | None = None
    chart: ChartHistory | None = None  # the last 7 days, for a chart; None: the digest goes without
    why: Explanation | None = None  # where the day went; None: it could not be read


Notice = AlertNotice | ReadFailingNotice | ReadingAgainNotice | DigestNotice


class Notifier(Protocol):
    def notify(self, notice: Notice) -> Delivery: ...
