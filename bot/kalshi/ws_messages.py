"""What goes over Kalshi's WebSocket API v2 (its AsyncAPI document, docs.kalshi.com/asyncapi.yaml).

Commands: ``{"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}``.
Kalshi answers one ``{"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 1}}`` per channel,
then pushes ``{"type": "fill", "sid": 1, "seq": 2, "msg": {...}}`` and ``{"type": "market_position", ...}``;
a failed command is ``{"id": 1, "type": "error", "msg": {"code": 9, "msg": "Authentication required"}}``.
Kalshi pings every 10 s (WebSocket ping frames, answered by the library).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CHANNELS = ("fill", "market_positions")
"""The private channels that say the balance may have moved: the account's fills and position changes."""

ACTIVITY_TYPES = frozenset({"fill", "market_position"})
"""The message types of those channels (``market_positions`` pushes ``market_position`` messages)."""

AUTH_REQUIRED = 9
"""Kalshi's error code for "Authentication required": the connection is not authenticated."""

ERROR_NAMES = {
    1: "unable to process message",
    2: "params required",
    3: "channels required",
    4: "subscription ids required",
    5: "unknown command",
    7: "unknown subscription id",
    8: "unknown channel name",
    9: "authentication required",
    10: "channel error",
    11: "invalid parameter",
}

MAX_TEXT = 200  # Kalshi's own words, as far as a log line quotes them


def subscribe_command(command_id: int) -> str:
    return json.dumps({"id": command_id, "cmd": "subscribe", "params": {"channels": list(CHANNELS)}})


@dataclass(frozen=True)
class ServerMessage:
    """The parts of a server message the listener acts on."""

    type: str
    id: int | None = None  # the command it answers
    channel: str | None = None  # "subscribed": the channel
    code: int | None = None  # "error": Kalshi's code
    text: str = ""  # "error": Kalshi's words

    @property
    def activity(self) -> bool:
        return self.type in ACTIVITY_TYPES

    def error_text(self) -> str:
        """``code 9: Authentication required`` (Kalshi's words, else the documented name)."""
        words = self.text or ERROR_NAMES.get(self.code or 0, "no explanation")
        return f"code {self.code}: {words}" if self.code is not None else words


def parse(raw: str | bytes) -> ServerMessage | None:
    """The message, or None when it is not a JSON object with a string ``type``."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    inner = data.get("msg")
    msg: dict[str, Any] = inner if isinstance(inner, dict) else {}
    command_id = data.get("id")
    code = msg.get("code")
    text = msg.get("msg")
    channel = msg.get("channel")
    return ServerMessage(
        type=data["type"],
        id=command_id if isinstance(command_id, int) and not isinstance(command_id, bool) else None,
        channel=channel if isinstance(channel, str) else None,
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        text=text[:MAX_TEXT] if isinstance(text, str) else "",
    )
