"""Logging for operators: one format, to stderr, with every configured secret scrubbed from each line.

One record is one line: CR and LF in anything a record quotes (its arguments, an exception's text, a
traceback) are written as ``\\r`` and ``\\n``, so nothing quoted can start a line that looks like ours.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replaces any configured secret value in a record's final text with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc_text = record.exc_text or ""
        for secret in self.secrets:
            text = text.replace(secret, "***")
            exc_text = exc_text.replace(secret, "***")
        record.msg, record.args = text, None
        record.exc_text = exc_text or None
        return True


class OneLineFormatter(logging.Formatter):
    """Formats as usual, then escapes CR and LF so the record stays on one line."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_line_breaks(super().format(record))


def escape_line_breaks(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return text
    return text.replace("\r", "\\r").replace("\n", "\\n")


def setup(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; keep that for DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # waitress warns "Task queue depth is N" on every request of a burst; the burst is expected (Slack
    # users type at once) and is answered from one Kalshi read, so that line would only cost time.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
