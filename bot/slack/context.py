"""What every listener is handed: the one read path, the access rules, the answer pool, the alert admin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from bot.balance import BalanceReader
from bot.domain.alert_state import AlertStatus
from bot.history import HistoryView
from bot.slack.access import Access
from bot.slack.answer_pool import AnswerPool
from bot.slack.blocks.base import Message


class AlertControl(Protocol):
    """What ``/balance alert …`` needs from the alert monitor (see bot.slack.alert_admin)."""

    def status(self) -> AlertStatus: ...

    def describe(self) -> Message: ...

    def set_threshold(self, amount: str, user_id: str, *, level: str = ...) -> Message: ...

    def turn_off(self, user_id: str, *, level: str = ...) -> Message: ...


Subaccounts = Callable[[], Sequence[tuple[int, Decimal]]]
"""(subaccount number, its exact balance in dollars) for each subaccount, sorted; shown when there are
several. Wired to :meth:`bot.balance.BalanceReader.subaccount_rows` (the one read path)."""


@dataclass
class BotContext:
    reader: BalanceReader
    access: Access
    demo: bool
    background: AnswerPool  # where answers that need Kalshi or the store are prepared and sent (bounded)
    alerts: AlertControl | None = None
    history: HistoryView | None = None  # None: the bot keeps no history (no checks of its own)
    subaccounts: Subaccounts | None = None  # None: the surfaces go without the subaccount line
