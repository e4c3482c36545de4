"""The settings themselves: what each part of the bot needs, validated; secrets masked."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain.alert_state import AVAILABLE
from bot.kalshi.signer import PrivateKey
from bot.kalshi.ws_url import ws_url_for


class Secret:
    """A string that does not show itself in ``repr``, ``str``, f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class ConfigError(Exception):
    """Every configuration problem at once, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"The configuration has {len(self.problems)} problem(s):\n{lines}"


class Mode(Enum):
    """What the process needs configured."""

    KALSHI = "kalshi"  # the CLI's balance command: Kalshi only
    SERVE = "serve"  # the bot: Kalshi and Slack, alerts when configured


@dataclass(frozen=True)
class KalshiSettings:
    api_key_id: Secret
    private_key: PrivateKey = field(repr=False)
    env: str
    base_url: str
    timeout_seconds: float = 6.0  # one read, retries included
    ws_url_override: str | None = None  # KALSHI_WS_URL, validated

    @property
    def demo(self) -> bool:
        return self.env == "demo"

    @property
    def ws_url(self) -> str:
        """Kalshi's WebSocket API: KALSHI_WS_URL, else the one that goes with the REST host."""
        return self.ws_url_override or ws_url_for(self.base_url)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: Secret
    signing_secret: Secret | None
    app_token: Secret | None
    api_url: str | None
    host: str
    port: int
    allowed_users: frozenset[str]
    allowed_channels: frozenset[str]
    charts: bool = True  # BALANCE_CHARTS: the balance over time as a chart where Slack takes one

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


@dataclass(frozen=True)
class AlertSettings:
    channel: str
    threshold_cents: int
    interval_seconds: float
    repeat_hours: float | None
    rearm_cents: int | None  # None: derived from the threshold (see bot.jobs.alerts)
    failures_before_notice: int
    admin_users: frozenset[str]
    critical_cents: int | None = None  # BALANCE_ALERT_CRITICAL: below the threshold; None: one level
    watch: str = AVAILABLE  # BALANCE_ALERT_ON: "available" or "total"
    mentions: tuple[str, ...] = ()  # BALANCE_ALERT_MENTION: "U…"/"W…", "S…", "here", "channel"


@dataclass(frozen=True)
class HistorySettings:
    """The bot checks the balance on its own every ``interval_seconds`` and keeps what it reads."""

    interval_seconds: float


@dataclass(frozen=True)
class DigestSettings:
    """One message a day at ``hour:minute:second`` in the IANA zone ``zone``, in ``channel``."""

    hour: int
    minute: int
    second: int
    zone: str
    channel: str

    @property
    def time_text(self) -> str:
        seconds = f":{self.second:02d}" if self.second else ""
        return f"{self.hour:02d}:{self.minute:02d}{seconds} {self.zone}"


@dataclass(frozen=True)
class Settings:
    kalshi: KalshiSettings
    slack: SlackSettings | None
    alerts: AlertSettings | None
    freshness_seconds: float
    state_path: Path
    log_level: str
    database_url: Secret | None = None  # PostgreSQL for the alert state, instead of SQLite
    history: HistorySettings | None = None  # None: no checks of its own, no store
    digest: DigestSettings | None = None
    library_log_level: str = "WARNING"  # the libraries' loggers (BOT_LOG_LEVEL_LIBRARIES)
    realtime: bool = False  # Kalshi's WebSocket wakes the checks on fills (BALANCE_REALTIME; needs history)

    def posting_channels(self) -> dict[str, str]:
        """The channels the bot posts figures to on its own, by the variable that names them."""
        channels = {}
        if self.alerts is not None:
            channels["BALANCE_ALERT_CHANNEL"] = self.alerts.channel
        if self.digest is not None and self.digest.channel not in channels.values():
            channels["BALANCE_DIGEST_CHANNEL"] = self.digest.channel
        return channels

    @property
    def store_name(self) -> str:
        return store_name(self.database_url, self.state_path)

    def secrets(self) -> list[str]:
        """Every secret value in force, for the log filter that keeps them out of logs; the private key
        as the base64 lines of its PEM forms, so a piece of it is caught too."""
        values = [self.kalshi.api_key_id.reveal(), *pem_lines(self.kalshi.private_key)]
        if self.slack:
            values += [
                s.reveal()
                for s in (self.slack.bot_token, self.slack.signing_secret, self.slack.app_token)
                if s is not None
            ]
        values += database_secrets(self.database_url)
        return [v for v in values if v]


@dataclass(frozen=True)
class StoreSettings:
    """What the ``history`` commands need: the store alone (no Slack, no Kalshi)."""

    state_path: Path
    database_url: Secret | None
    log_level: str = "INFO"
    library_log_level: str = "WARNING"

    @property
    def store_name(self) -> str:
        return store_name(self.database_url, self.state_path)

    def secrets(self) -> list[str]:
        return database_secrets(self.database_url)


def store_name(database_url: Secret | None, state_path: Path) -> str:
    return "PostgreSQL (DATABASE_URL)" if database_url else f"SQLite ({state_path})"


def database_secrets(database_url: Secret | None) -> list[str]:
    """The URL and its password, for the log filter."""
    if database_url is None:
        return []
    password = urlsplit(database_url.reveal()).password
    return [v for v in (database_url.reveal(), password) if v]


def pem_lines(key: object) -> list[str]:
    """The base64 lines of a private key's PEM forms (PKCS#1 where it has one, PKCS#8)."""
    from cryptography.hazmat.primitives import serialization

    lines: list[str] = []
    for form in (serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8):
        try:
            pem = key.private_bytes(  # type: ignore[attr-defined]
                serialization.Encoding.PEM, form, serialization.NoEncryption()
            ).decode()
        except (AttributeError, ValueError, TypeError):
            continue
        lines += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return lines
