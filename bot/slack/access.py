"""Who may see the balance: allowed users and channels (empty sets mean everyone)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    users: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()

    @property
    def open_to_everyone(self) -> bool:
        return not self.users and not self.channels

    def allows(self, user_id: str | None, channel_id: str | None) -> bool:
        """Both lists must admit the request when both are set."""
        if self.users and user_id not in self.users:
            return False
        return not (self.channels and channel_id not in self.channels)


ALERT_CHANNEL_OUTSIDE = (
    "BALANCE_ALERT_CHANNEL is not one of BALANCE_ALLOWED_CHANNELS: the alerts post balance figures in a "
    "channel where /balance is refused; add it to BALANCE_ALLOWED_CHANNELS, or choose a channel that is"
)


def alert_channel_warning(alert_channel: str | None, access: Access) -> str | None:
    """A warning when alerts post figures to a channel the allow list keeps /balance out of."""
    if alert_channel is None or not access.channels or alert_channel in access.channels:
        return None
    return ALERT_CHANNEL_OUTSIDE
