"""Reading variables: every problem collected and named, no value ever echoed; URLs held to https."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.config.settings import Secret
from bot.domain.money import AmountError, parse_dollars
from bot.domain.numbers import seconds_number, whole_number

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{2,}$")


class Reader:
    """Reads variables, collecting problems instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def get(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def required(self, name: str, why: str = "") -> str | None:
        value = self.get(name)
        if value is None:
            self.problems.append(f"{name} is not set{why}")
        return value

    def number(self, name: str, default: float, *, minimum: float, unit: str) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        value = seconds_number(raw)
        if value is None:
            self.problems.append(f"{name} must be a number of {unit}")
            return default
        if not value >= minimum or value == float("inf"):
            self.problems.append(f"{name} must be at least {minimum:g} {unit}")
            return default
        return value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        value = whole_number(raw)
        if value is None or not minimum <= value <= maximum:
            self.problems.append(f"{name} must be a whole number from {minimum} to {maximum}")
            return default
        return value

    def dollars(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return parse_dollars(raw)
        except AmountError as exc:
            self.problems.append(f"{name}: {exc}")
            return None

    def slack_ids(self, name: str) -> frozenset[str]:
        raw = self.get(name) or ""
        ids = frozenset(part.strip() for part in raw.split(",") if part.strip())
        bad = [i for i in ids if not ID_PATTERN.match(i)]
        if bad:
            self.problems.append(
                f"{name} must be comma-separated Slack ids like U012AB3CD or C012AB3CD "
                f"({len(bad)} entry/entries are not)"
            )
        return ids

    def token(self, name: str, prefix: str, why: str = "") -> Secret | None:
        value = self.required(name, why)
        if value is None:
            return None
        if not value.startswith(prefix):
            self.problems.append(f"{name} must start with '{prefix}' (the value is not shown)")
        return Secret(value)


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and localhost: the only hosts reached over plain http (the tests' fakes)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def https_url(
    r: Reader, name: str, url: str, example: str, *, secure: str = "https", plain: str = "http"
) -> bool:
    """Problems named after the variable, never showing its value: signed headers and tokens travel on it.
    ``secure``/``plain``: the schemes (``wss``/``ws`` for a WebSocket URL); plain only for loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    article = "an" if secure == "https" else "a"
    if parts is None or parts.scheme not in {secure, plain} or not host:
        r.problems.append(f"{name} must be {article} {secure}:// URL, like {example}")
        return False
    if parts.scheme != secure and not is_loopback(host):
        r.problems.append(
            f"{name} must use {secure}:// (plain {plain} is allowed only for 127.0.0.1, ::1 and localhost)"
        )
        return False
    if parts.username is not None or parts.password is not None:  # it would be printed with the URL
        r.problems.append(f"{name} must not hold a user name or password (user:password@ before the host)")
        return False
    return True
