"""Slack's request signatures, checked before Bolt sees a request (HTTP mode).

Slack signs ``v0:<timestamp>:<body>`` with the app's signing secret (HMAC-SHA256) and sends it with the
timestamp in ``X-Slack-Signature`` / ``X-Slack-Request-Timestamp``. A request is accepted when the
timestamp is a plain number within five minutes of now, the signature matches, and this exact
(timestamp, signature) pair has not been accepted before: a request replayed verbatim inside the window
is refused. Nothing from a refused request is logged but the fixed reason.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW_SECONDS = 300  # Slack's own advice: refuse requests more than five minutes old
MAX_REMEMBERED = 100_000  # accepted pairs kept for the window; far beyond what one app receives
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take non-ASCII digits

MISSING = "missing signature headers"
MALFORMED = "malformed timestamp"
STALE = "timestamp outside the five-minute window"
BAD_SIGNATURE = "signature does not match"
REPLAYED = "replay of a request already accepted"


class RequestVerifier:
    """Thread-safe: waitress calls it from every request thread."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()  # (timestamp, signature) -> ts
        self._lock = threading.Lock()

    def refusal(self, timestamp: str | None, signature: str | None, body: bytes) -> str | None:
        """``None`` when the request is Slack's and new; otherwise the reason, one of this module's
        fixed phrases (safe to log: nothing in it comes from the request)."""
        if not timestamp or not signature:
            return MISSING
        if not _TIMESTAMP.fullmatch(timestamp):
            return MALFORMED
        ts = int(timestamp)
        now = self._clock()
        if abs(now - ts) > WINDOW_SECONDS:
            return STALE
        expected = (
            "v0="
            + hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return BAD_SIGNATURE
        key = (timestamp, signature)
        with self._lock:
            self._forget_before(now - WINDOW_SECONDS)
            if key in self._seen:
                return REPLAYED
            self._seen[key] = ts
            if len(self._seen) > MAX_REMEMBERED:
                self._seen.popitem(last=False)
        return None

    def _forget_before(self, oldest: float) -> None:
        while self._seen:
            key, ts = next(iter(self._seen.items()))
            if ts >= oldest:
                return
            del self._seen[key]
