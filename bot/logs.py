"""Logging for operators: one format, to stderr, with every configured secret scrubbed from each line.

One record is one line: CR and LF in anything a record quotes (its arguments, an exception's text, a
traceback) are written as ``\\r`` and ``\\n``, so nothing quoted can start a line that looks like ours.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MIN_ANYWHERE = 6  # secrets at least this long are scrubbed wherever they appear; shorter, as whole words
# A PEM block, whole or cut off, with real or escaped ("\\n") line breaks: only its armour lines are kept.
PEM_BLOCK = re.compile(r"(-----BEGIN [A-Z0-9 ]*-----).*?(-----END [A-Z0-9 ]*-----|$)", re.DOTALL)
# The libraries under the bot; at DEBUG they log request URLs and figures. Bolt logs through
# bot.slack.bolt (see bot.slack.app).
LIBRARY_LOGGERS = (
    "slack_sdk",
    "slack_bolt",
    "bot.slack.bolt",
    "urllib3",
    "httpx",
    "httpcore",
    "psycopg",
    "waitress",
    "websocket",
    "websockets",  # Kalshi's WebSocket (bot.kalshi.websocket): at DEBUG it logs the signed upgrade headers
)


class RedactSecrets(logging.Filter):
    """Replaces any configured secret value in a record's final text with ``***``, and any PEM block.

    A secret of 6 characters or more is replaced wherever it appears; a shorter one (a short database
    password, say) only where it stands as a word of its own, so that "pw9" does not turn every "pw90"
    into "***0" while "password pw9" still loses it.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        values = {s for s in secrets if s}
        self.secrets = sorted((s for s in values if len(s) >= MIN_ANYWHERE), key=len, reverse=True)
        short = sorted((s for s in values if len(s) < MIN_ANYWHERE), key=len, reverse=True)
        self.short = (
            re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])" for s in short))
            if short
            else None
        )

    def scrub(self, text: str) -> str:
        if "-----BEGIN" in text:
            text = PEM_BLOCK.sub(r"\1***\2", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        if self.short is not None:
            text = self.short.sub("***", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.scrub(record.getMessage()), None
        record.exc_text = self.scrub(record.exc_text) if record.exc_text else None
        return True


class OneLineFormatter(logging.Formatter):
    """Formats as usual, then escapes CR and LF so the record stays on one line."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_line_breaks(super().format(record))


def escape_line_breaks(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return text
    return text.replace("\r", "\\r").replace("\n", "\\n")


def setup(level: str = "INFO", secrets: Iterable[str] = (), library_level: str = "WARNING") -> None:
    """``level`` for the bot's own loggers, ``library_level`` for the libraries' (BOT_LOG_LEVEL_LIBRARIES)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    # waitress warns "Task queue depth is N" on every request of a burst; the burst is expected (Slack
    # users type at once) and is answered from one Kalshi read, so that line would only cost time.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
