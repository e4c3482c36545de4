"""The WebSocket listener's state, its one log line per change of state, its backoff, and the causes of a
lost connection in a few words (never the URL)."""

from __future__ import annotations

import logging
import random
import socket
import ssl
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed, InvalidStatus

from bot.kalshi.errors import KalshiAPIError
from bot.kalshi.ws_messages import CHANNELS

STARTING, CONNECTED, DOWN, REFUSED, STOPPED = "starting", "connected", "down", "refused", "stopped"


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: try ``n`` waits between half and all of base * 2^(n-1)."""

    base: float = 0.5
    cap: float = 60.0

    def delay(self, failures: int) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** min(max(failures - 1, 0), 30))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class StreamStatus:
    state: str
    since: float  # unix seconds of the last change of state
    cause: str | None = None  # why it is down or refused
    auth_retry_seconds: float = 900.0
    connects: int = 0  # connections subscribed so far

    @property
    def healthy(self) -> bool:
        """Connected and subscribed to both channels: fills reach the bot as they happen."""
        return self.state == CONNECTED

    def describe(self) -> str:
        if self.state == CONNECTED:
            return f"connected and subscribed to {', '.join(CHANNELS)}"
        if self.state == REFUSED:
            every = f"{self.auth_retry_seconds / 60:g} min"
            return f"Kalshi refused the key ({self.cause}); tried again every {every}"
        if self.state == DOWN:
            return f"not connected ({self.cause}); reconnecting"
        return "not started" if self.state == STARTING else "stopped"


def check_line(status: StreamStatus) -> tuple[bool | None, str]:
    """``python -m bot check``'s line for one probe (:func:`bot.kalshi.websocket.probe`): passed when
    connected and subscribed, failed when Kalshi refused the key, a warning when it could not connect
    (the bot polls meanwhile and keeps trying)."""
    if status.state == CONNECTED:
        return True, f"Kalshi WebSocket: {status.describe()}; alerts follow fills within a second"
    if status.state == REFUSED:
        return False, f"Kalshi WebSocket: Kalshi refused the key ({status.cause}). {auth_hint()}"
    cause = status.cause or "no answer"
    return None, f"Kalshi WebSocket: not connected ({cause}); the bot polls meanwhile and keeps trying"


def state_line(before: str, now: StreamStatus, backoff_cap: float) -> tuple[int, str] | None:
    """The log level and line for a change of state from ``before`` to ``now``; None: nothing to say."""
    if now.state == CONNECTED:
        again = " again" if now.connects > 1 else ""
        channels = " and ".join(CHANNELS)
        return logging.INFO, (
            f"Kalshi WebSocket connected{again} and subscribed to {channels}: "
            "fills now wake the balance checks"
        )
    if now.state == DOWN:
        what = "lost" if before == CONNECTED else "unavailable"
        return logging.WARNING, (
            f"Kalshi WebSocket {what} ({now.cause}); polling carries on while it reconnects "
            f"(backoff up to {backoff_cap:g}s)"
        )
    if now.state == REFUSED:
        return logging.ERROR, (
            f"Kalshi refused the WebSocket's credentials ({now.cause}). {auth_hint()} Real-time alerts are "
            "off; polling carries on, and the WebSocket is tried again every "
            f"{now.auth_retry_seconds / 60:g} min."
        )
    if now.state == STOPPED and before != STARTING:
        return logging.INFO, "Kalshi WebSocket stopped"
    return None


def auth_hint() -> str:
    """What to check when Kalshi refuses the key: the same advice as for a REST 401."""
    return KalshiAPIError("", status=401).hint() or ""


def network_cause(exc: BaseException) -> str:
    """A failure to connect, or a lost connection, in a few words, without the URL."""
    if isinstance(exc, InvalidStatus):
        return f"Kalshi answered the upgrade with HTTP {exc.response.status_code}"
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else None
        return "the connection dropped" if code is None else f"Kalshi closed the connection (code {code})"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection reset"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "TLS certificate not trusted"
    if isinstance(exc, ssl.SSLError):
        return "TLS failed"
    return type(exc).__name__
