"""``/balance alert`` and its changes: show the levels, set or clear the warning and critical levels.

- ``/balance alert``: both levels, the watched figure, the mentions, the state;
- ``/balance alert 250`` (or ``alert warning 250``), ``/balance alert off``: the warning level;
- ``/balance alert critical 50``, ``/balance alert critical off``: the critical level.

Only admins change anything; bad input changes nothing and says why; a critical level at or above the
warning level is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Concatenate, ParamSpec

from bot.domain.alert_state import CRITICAL, AlertConfig, AlertStatus
from bot.domain.levels import Levels, Policy, levels_in_force, status_of
from bot.domain.money import AmountError, format_cents, parse_dollars
from bot.slack.blocks import alerts as blocks
from bot.slack.blocks.alert_status import alert_status_message
from bot.slack.blocks.base import COMMAND, Message, escape
from bot.slack.blocks.notices import notice_message
from bot.store import AlertStore, StoreUnavailable

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
            return notice_message(
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

    def levels(self) -> Levels:
        return levels_in_force(self.policy, self.store.load_config())

    def status(self) -> AlertStatus:
        """The alert as data: levels in force, watched figure, mentions, state, last check."""
        return status_of(self.policy, self.store.load_state(), self.levels())

    @_store_reachable
    def describe(self) -> Message:
        return alert_status_message(self.status())

    def _refusal(self, user_id: str) -> Message | None:
        if user_id in self.admins:
            return None
        log.info("refused an alert change by %s (not in BALANCE_ADMIN_USERS)", user_id)
        return notice_message("Only the bot's admins can change the alert.", ":no_entry:")

    def _config(self, user_id: str) -> AlertConfig:
        """The record to change: the one set from Slack, else the levels of the environment."""
        config = self.store.load_config()
        if config is None:
            config = AlertConfig(self.policy.default_threshold_cents, user_id, 0.0)
        return replace(config, updated_by=user_id, updated_at=self.wall())

    @_store_reachable
    def set_threshold(self, amount: str, user_id: str, *, level: str = "warning") -> Message:
        """``/balance alert 250`` (the warning level) or ``/balance alert critical 50``."""
        refusal = self._refusal(user_id)
        if refusal is not None:
            return refusal
        critical = level == CRITICAL
        example = f"`{COMMAND} alert critical 50`" if critical else f"`{COMMAND} alert 250`"
        off = f"`{COMMAND} alert critical off`" if critical else f"`{COMMAND} alert off`"
        if not amount.isascii():
            return _nothing_changed(f"the amount must be written with the digits 0-9. Try {example}.")
        try:
            cents = parse_dollars(amount, maximum_cents=MAX_THRESHOLD_CENTS)
        except AmountError as exc:
            return _nothing_changed(f"{escape(str(exc))}. Try {example}.")
        name = "critical level" if critical else "warning level"
        if cents == 0:
            return _nothing_changed(f"a {name} of $0.00 would never alert. Use {off}.")
        levels = self.levels()
        if critical:
            if levels.warning_cents is None:
                return _nothing_changed(
                    f"the alert is off. Set the warning level first, for example `{COMMAND} alert 250`."
                )
            if cents >= levels.warning_cents:
                warning = format_cents(levels.warning_cents)
                return _nothing_changed(f"the critical level must be below the warning level, {warning}.")
            config = replace(self._config(user_id), critical_cents=cents, critical_set=True)
        else:
            if levels.critical_cents is not None and cents <= levels.critical_cents:
                return _nothing_changed(
                    f"the warning level must be above the critical level, "
                    f"{format_cents(levels.critical_cents)}. Lower the critical level first, or clear it "
                    f"with `{COMMAND} alert critical off`."
                )
            config = replace(self._config(user_id), threshold_cents=cents)
        self.store.save_config(config)
        log.info("alert %s set to %s by %s", name, format_cents(cents), user_id)
        watched = blocks.watch_label(self.policy.watch)
        what = "a critical alert" if critical else "an alert"
        return notice_message(
            f"Done: {what} goes to <#{self.policy.channel}> when the {watched} falls below "
            f"{format_cents(cents)}. It takes effect at the next check.",
            ":white_check_mark:",
        )

    @_store_reachable
    def turn_off(self, user_id: str, *, level: str = "warning") -> Message:
        """``/balance alert off`` (every alert) or ``/balance alert critical off`` (the critical level)."""
        refusal = self._refusal(user_id)
        if refusal is not None:
            return refusal
        if level == CRITICAL:
            self.store.save_config(replace(self._config(user_id), critical_cents=None, critical_set=True))
            log.info("alert critical level cleared by %s", user_id)
            return notice_message(
                f"Done: no critical level; the warning level stays. `{COMMAND} alert critical 50` sets one.",
                ":white_check_mark:",
            )
        self.store.save_config(replace(self._config(user_id), threshold_cents=None))
        log.info("alert turned off by %s", user_id)
        return notice_message(
            f"Done: the low-balance alert is off. `{COMMAND} alert 250` turns it back on.",
            ":white_check_mark:",
        )


def _nothing_changed(why: str) -> Message:
    """``why`` must already be escaped where it holds user input."""
    return notice_message(f"Nothing changed: {why}", ":warning:")
