"""One exception family for everything that can go wrong talking to Kalshi.

Each error carries what Kalshi said (HTTP status, ``code``, ``message``, ``details``, ``service``)
and a sentence a person understands (:meth:`KalshiError.sentence`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Maintenance:
    """Kalshi's exchange status said the exchange is not active: maintenance, not our fault or yours."""

    resume_ts: int | None = None  # Kalshi's estimated resume time (unix seconds), when it gave one


def utc_text(ts: int) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return f"unix time {ts}"


class KalshiError(Exception):
    """Base of the family. ``str()`` is the one-line form for logs and the CLI."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: str | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details
        self.service = service
        #: seconds the server asked us to wait (Retry-After), where it said
        self.retry_after: float | None = None
        #: set when the read failed as an outage does and Kalshi's exchange status says maintenance
        self.maintenance: Maintenance | None = None

    def sentence(self) -> str:
        """What to tell the person who asked."""
        return self.message

    @property
    def outage(self) -> bool:
        """Failed as an outage does (5xx, timeout, refused or broken connection): worth asking
        Kalshi's exchange status whether it is maintenance."""
        return False

    def maintenance_notice(self, when: Callable[[int], str] = utc_text) -> str | None:
        """The maintenance sentence, when Kalshi's exchange status said so; ``when`` renders the
        estimated resume time (plain UTC for the CLI and logs, Slack's date formatting in Slack)."""
        if self.maintenance is None:
            return None
        if self.maintenance.resume_ts is None:
            return "Kalshi is under maintenance (the exchange is paused); it gave no time for the end."
        return (
            "Kalshi is under maintenance (the exchange is paused); "
            f"it expects to be back around {when(self.maintenance.resume_ts)}."
        )

    def explain(self, when: Callable[[int], str] = utc_text) -> str:
        """:meth:`sentence`, led by the maintenance notice when there is one."""
        notice = self.maintenance_notice(when)
        return f"{notice} {self.sentence()}" if notice else self.sentence()

    def hint(self) -> str | None:
        """A one-line suggestion of what to do, where there is a useful one."""
        return None

    @property
    def retryable(self) -> bool:
        return False

    def __str__(self) -> str:
        parts = [self.explain()]
        tags = []
        if self.status is not None:
            tags.append(f"HTTP {self.status}")
        if self.code:
            tags.append(f"code {self.code}")
        if tags:
            parts.append(f"({', '.join(tags)})")
        return " ".join(parts)


class KalshiAPIError(KalshiError):
    """Kalshi answered with an HTTP error status."""

    def sentence(self) -> str:
        if self.message:
            return f"Kalshi said: {self.message}"
        return f"Kalshi answered with HTTP {self.status} and no explanation."

    def hint(self) -> str | None:
        if self.maintenance is not None:
            return MAINTENANCE_HINT
        if self.status == 401:
            return (
                "Check that KALSHI_API_KEY_ID and the private key belong to the same API key, that a demo "
                "key is used with KALSHI_ENV=demo (demo keys only work on demo hosts) and a production key "
                "with prod, and that this machine's clock is right."
            )
        if self.status == 403:
            return "The API key is not allowed to read the portfolio; create a key with read access."
        if self.status == 429:
            return "Kalshi is rate-limiting this key; try again in a few seconds."
        if self.status is not None and self.status >= 500:
            return "Kalshi is having trouble; try again shortly."
        return None

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE_STATUSES

    @property
    def outage(self) -> bool:
        return self.status is not None and self.status >= 500


MAINTENANCE_HINT = "Nothing to fix on this side: try again when Kalshi's maintenance is over."

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class KalshiTimeout(KalshiError):
    """No complete answer within the deadline."""

    def __init__(self, message: str = "Kalshi did not answer in time.") -> None:
        super().__init__(message)

    def hint(self) -> str | None:
        if self.maintenance is not None:
            return MAINTENANCE_HINT
        return "Kalshi may be slow or unreachable from here; try again shortly."

    @property
    def retryable(self) -> bool:
        return True

    @property
    def outage(self) -> bool:
        return True


class KalshiConnectionError(KalshiError):
    """The connection could not be made or broke."""

    def __init__(self, message: str = "Could not connect to Kalshi.") -> None:
        super().__init__(message)

    def hint(self) -> str | None:
        if self.maintenance is not None:
            return MAINTENANCE_HINT
        return "Check the network and KALSHI_ENV / KALSHI_API_BASE_URL."

    @property
    def retryable(self) -> bool:
        return True

    @property
    def outage(self) -> bool:
        return True


class KalshiBadResponse(KalshiError):
    """Kalshi answered, but not with something we understand."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status)

    def sentence(self) -> str:
        return f"Kalshi sent a response we could not read: {self.message}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def error_from_response(status: int, body: bytes, content_type: str = "") -> KalshiAPIError:
    """Build an error from an HTTP error response, whichever of Kalshi's shapes its body has.

    - documented, flat: ``{"code", "message", "details", "service"}``
    - nested, as real 401s come: ``{"error": {"code", "message", "details"}}``
    - bare, as a 429 comes: ``{"error": "too many requests"}``
    - anything else (an HTML page from a proxy, empty, truncated JSON): status only
    """
    data: Any = None
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        data = None
    code = message = details = service = None
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            data = {**data, **inner}
        elif isinstance(inner, str) and "message" not in data:
            message = inner
        code = _text(data.get("code"))
        message = _text(data.get("message")) or message
        details = _text(data.get("details"))
        service = _text(data.get("service"))
    elif data is None and body and "html" in content_type.lower():
        message = None
    if not message:
        message = _DEFAULT_MESSAGES.get(status, "")
    return KalshiAPIError(message, status=status, code=code, details=details, service=service)


_DEFAULT_MESSAGES = {
    400: "the request was not accepted",
    401: "the API key was not accepted",
    403: "this API key may not do that",
    404: "not found",
    429: "too many requests",
    500: "internal error",
    502: "bad gateway; Kalshi's servers are unreachable right now",
    503: "service unavailable; Kalshi may be down for maintenance",
    504: "gateway timeout; Kalshi took too long to answer",
}
