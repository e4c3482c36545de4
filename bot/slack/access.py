"""Who may see the balance: allowed users and channels (empty sets mean everyone)."""

from __future__ import annotations

from collections.abc import Mapping
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

    def allows_home(self, user_id: str | None) -> bool:
        """The Home tab belongs to no channel: the user list decides. With only a channel list, nobody
        sees figures there, since who may see them depends on where they ask."""
        if self.users:
            return user_id in self.users
        return not self.channels


def posting_channel_warnings(posting: Mapping[str, str], access: Access) -> list[str]:
    """A warning for each channel the bot posts figures to on its own (``posting``: the variable that
    names it -> the channel id) where the allow list refuses /balance."""
    if not access.channels:
        return []
    return [
        f"{name} is not one of BALANCE_ALLOWED_CHANNELS: the bot posts balance figures in a channel where "
        "/balance is refused; add it to BALANCE_ALLOWED_CHANNELS, or choose a channel that is"
        for name, channel in posting.items()
        if channel not in access.channels
    ]
