"""``/balance alert``, ``/balance alert 250``, ``/balance alert off``: show and change the threshold."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec

from bot.alerts.monitor import Policy, rearm_margin
from bot.alerts.store import AlertConfig, AlertStore, StoreUnavailable
from bot.money import AmountError, format_cents, parse_dollars
from bot.slack import blocks
from bot.slack.blocks import Message

log = logging.getLogger(__name__)

MAX_THRESHOLD_CENTS = 1_000_000_000  # $10,000,000: above this a threshold is a typo
P = ParamSpec("P")


def _store_reachable(
    method: Callable[Concatenate[AlertAdmin, P], Message],
) -> Callable[Concatenate[AlertAdmin, P], Message]:
    """A sentence instead of an error when the alert store (a database) cannot be reached."""

    def wrapper(admin: AlertAdmin, /, *args: P.args, **kwargs: P.kwargs) -> Message:
        try:
            return method(admin, *args, **kwargs)
        except StoreUnavailable as exc:
            log.warning("alert command not done: alert store unreachable (%s)", exc.reason)
            return blocks.notice_message(
                f"The alert settings can't be reached right now: the alert store is unreachable "
                f"({exc.reason}). Nothing changed; try again in a minute.",
                ":warning:",
            )

    return wrapper


class AlertAdmin:
    def __init__(
        self, policy: Policy, store: AlertStore, admins: frozenset[str], wall: Callable[[], float] = time.time
    ) -> None:
        self.policy = policy
        self.store = store
        self.admins = admins
        self.wall = wall

    def _threshold(self) -> int | None:
        config = self.store.load_config()
        return self.policy.default_threshold_cents if config is None else config.threshold_cents

    @_store_reachable
    def describe(self) -> Message:
        state = self.store.load_state()
        threshold = self._threshold()
        return blocks.alert_status_message(
            blocks.AlertStatus(
                channel=self.policy.channel,
                threshold_cents=threshold,
                state=state.state,
                last_check_at=state.last_check_at,
                last_balance_cents=state.last_balance_cents,
                last_error=state.last_error,
                rearm_cents=rearm_margin(threshold, self.policy.rearm_cents)
                if threshold is not None
                else None,
            )
        )

    def _refusal(self, user_id: str) -> Message | None:
        if user_id in self.admins:
            return None
        log.info("refused an alert change by %s (not in BALANCE_ADMIN_USERS)", user_id)
        return blocks.notice_message("Only the bot's admins can change the alert.", ":no_entry:")

    @_store_reachable
    def set_threshold(self, amount: str, user_id: str) -> Message:
        refusal = self._refusal(user_id)
        if refusal is not None:
            return refusal
        try:
            cents = parse_dollars(amount, maximum_cents=MAX_THRESHOLD_CENTS)
        except AmountError as exc:
            return blocks.notice_message(
                f"Nothing changed: {blocks.escape(str(exc))}. Try `/balance alert 250`.", ":warning:"
            )
        if cents == 0:
            return blocks.notice_message(
                "Nothing changed: a threshold of $0.00 would never alert. Use `/balance alert off`.",
                ":warning:",
            )
        self.store.save_config(AlertConfig(cents, user_id, self.wall()))
        log.info("alert threshold set to %s by %s", format_cents(cents), user_id)
        return blocks.notice_message(
            f"Done: an alert goes to <#{self.policy.channel}> when the available balance falls below "
            f"{format_cents(cents)}. It takes effect at the next check.",
            ":white_check_mark:",
        )

    @_store_reachable
    def turn_off(self, user_id: str) -> Message:
        refusal = self._refusal(user_id)
        if refusal is not None:
            return refusal
        self.store.save_config(AlertConfig(None, user_id, self.wall()))
        log.info("alert turned off by %s", user_id)
        return blocks.notice_message(
            "Done: the low-balance alert is off. `/balance alert 250` turns it back on.", ":white_check_mark:"
        )
