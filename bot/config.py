"""Settings from the environment (and ``.env`` in the working directory), validated once at start-up.

:func:`load_settings` collects every problem and raises one :class:`ConfigError` naming each variable;
it never prints a secret's value. Secrets are held in :class:`Secret`, whose ``repr``/``str`` mask them.
Only what the chosen mode needs is asked for: Socket Mode needs no signing secret, HTTP mode no app
token, and the alert variables are read only when alerts are on.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts.store import AVAILABLE, WATCHES
from bot.kalshi.signer import KeyLoadError, PrivateKey, load_private_key
from bot.money import AmountError, parse_dollars
from bot.numbers import seconds_number, whole_number

# The SDK's primary hosts are the defaults; the older shared hosts stay known (kalshi-python-sync 3.34).
BASE_URLS_BY_ENV = {
    "prod": "https://external-api.kalshi.com/trade-api/v2",
    "demo": "https://external-api.demo.kalshi.co/trade-api/v2",
}
ENV_BY_KNOWN_HOST = {
    "external-api.kalshi.com": "prod",
    "api.elections.kalshi.com": "prod",
    "external-api.demo.kalshi.co": "demo",
    "demo-api.kalshi.co": "demo",
}
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{2,}$")
MENTION_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")  # a user (U…, W… on Enterprise Grid) or a user group (S…)
BROADCASTS = {"here", "channel"}
MIN_ALERT_INTERVAL = 2.0  # one read every 2 s is 2.5% of the Basic tier's ~20 reads/s
DEFAULT_HISTORY_INTERVAL = 60.0
DIGEST_TIME_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")  # ASCII digits only
DEFAULT_PORT = 3000
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


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

    @property
    def demo(self) -> bool:
        return self.env == "demo"


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

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


@dataclass(frozen=True)
class AlertSettings:
    channel: str
    threshold_cents: int
    interval_seconds: float
    repeat_hours: float | None
    rearm_cents: int | None  # None: derived from the threshold (see bot.alerts.monitor)
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
        return "PostgreSQL (DATABASE_URL)" if self.database_url else f"SQLite ({self.state_path})"

    def secrets(self) -> list[str]:
        """Every secret value in force, for the log filter that keeps them out of logs; the private key
        as the base64 lines of its PEM forms, so a piece of it is caught too."""
        values = [self.kalshi.api_key_id.reveal(), *_pem_lines(self.kalshi.private_key)]
        if self.slack:
            values += [
                s.reveal()
                for s in (self.slack.bot_token, self.slack.signing_secret, self.slack.app_token)
                if s is not None
            ]
        if self.database_url is not None:
            values.append(self.database_url.reveal())
            password = urlsplit(self.database_url.reveal()).password
            if password:
                values.append(password)
        return [v for v in values if v]


def _pem_lines(key: object) -> list[str]:
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


class _Reader:
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


def default_state_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "kalshi-balance-bot" / "state.sqlite3"


def load_settings(environ: Mapping[str, str], mode: Mode = Mode.SERVE, transport: str = "auto") -> Settings:
    """Validate the environment for ``mode``; raise :class:`ConfigError` naming every problem.

    ``transport`` is ``auto`` (Socket Mode when SLACK_APP_TOKEN is set, else HTTP), ``http`` or ``socket``.
    """
    r = _Reader(environ)
    kalshi = _kalshi(r)
    slack = _slack(r, transport) if mode is Mode.SERVE else None
    alerts = _alerts(r) if mode is Mode.SERVE and r.get("BALANCE_ALERT_CHANNEL") else None
    freshness = r.number("BALANCE_FRESHNESS_SECONDS", 2.0, minimum=0.0, unit="seconds")
    state_path = Path(r.get("BOT_STATE_PATH") or default_state_path(environ)).expanduser()
    log_level = (r.get("BOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        r.problems.append("BOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
    library_log_level = (r.get("BOT_LOG_LEVEL_LIBRARIES") or "WARNING").upper()
    if library_log_level not in LOG_LEVELS:
        r.problems.append("BOT_LOG_LEVEL_LIBRARIES must be one of DEBUG, INFO, WARNING, ERROR")
    digest = _digest(r) if mode is Mode.SERVE and r.get("BALANCE_DIGEST_TIME") else None
    history = _history(r, alerts, digest) if mode is Mode.SERVE else None
    database_url = _database_url(r) if history is not None else None
    if r.problems or kalshi is None:
        raise ConfigError(r.problems)
    return Settings(
        kalshi,
        slack,
        alerts,
        freshness,
        state_path,
        log_level,
        database_url,
        history=history,
        digest=digest,
        library_log_level=library_log_level,
    )


def _history(
    r: _Reader, alerts: AlertSettings | None, digest: DigestSettings | None
) -> HistorySettings | None:
    """Checks of its own when alerts or the digest are on, or BALANCE_HISTORY_INTERVAL is set."""
    if r.get("BALANCE_HISTORY_INTERVAL") is None and alerts is None and digest is None:
        return None
    default = alerts.interval_seconds if alerts is not None else DEFAULT_HISTORY_INTERVAL
    interval = r.number("BALANCE_HISTORY_INTERVAL", default, minimum=MIN_ALERT_INTERVAL, unit="seconds")
    return HistorySettings(interval)


def _digest(r: _Reader) -> DigestSettings | None:
    match = DIGEST_TIME_PATTERN.match(r.get("BALANCE_DIGEST_TIME") or "")
    if match is None:
        r.problems.append("BALANCE_DIGEST_TIME must be a time of day as HH:MM (24-hour), like 08:30")
    zone = r.get("BALANCE_DIGEST_TZ") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        r.problems.append(
            "BALANCE_DIGEST_TZ must be an IANA time zone name like UTC, Europe/London or America/New_York"
        )
    channel = r.get("BALANCE_DIGEST_CHANNEL") or r.get("BALANCE_ALERT_CHANNEL")
    if channel is None:
        r.problems.append(
            "BALANCE_DIGEST_CHANNEL is not set (the channel id for the daily digest; "
            "the alert channel is used when BALANCE_ALERT_CHANNEL is set)"
        )
    elif not ID_PATTERN.match(channel):
        r.problems.append("BALANCE_DIGEST_CHANNEL must be a channel id like C012AB3CD (not #name)")
    if match is None or channel is None:
        return None
    hour, minute, second = (int(g or 0) for g in match.groups())
    return DigestSettings(hour, minute, second, zone, channel)


def _database_url(r: _Reader) -> Secret | None:
    url = r.get("DATABASE_URL")
    if url is None:
        return None
    if not re.match(r"^postgres(ql)?://", url):
        r.problems.append("DATABASE_URL must be a PostgreSQL URL, postgres://user:password@host:port/dbname")
    return Secret(url)


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


def _https_url(r: _Reader, name: str, url: str, example: str) -> bool:
    """Problems named after the variable, never showing its value: signed headers and tokens travel on it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in {"http", "https"} or not host:
        r.problems.append(f"{name} must be an https:// URL, like {example}")
        return False
    if parts.scheme != "https" and not is_loopback(host):
        r.problems.append(
            f"{name} must use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
        )
        return False
    if parts.username is not None or parts.password is not None:  # it would be printed with the URL
        r.problems.append(f"{name} must not hold a user name or password (user:password@ before the host)")
        return False
    return True


def _kalshi_env(r: _Reader, base_url: str | None) -> str:
    """The DEMO label follows the host: a known host decides; one that contradicts KALSHI_ENV is an error."""
    explicit = r.get("KALSHI_ENV")
    env = explicit.lower() if explicit else None
    if env is not None and env not in BASE_URLS_BY_ENV:
        r.problems.append("KALSHI_ENV must be 'prod' or 'demo'")
        env = None
    host_env = None
    if base_url is not None:
        try:
            host_env = ENV_BY_KNOWN_HOST.get((urlsplit(base_url).hostname or "").lower())
        except ValueError:
            host_env = None
    if host_env is not None and env is not None and host_env != env:
        kind = "a demo" if host_env == "demo" else "a production (real-money)"
        r.problems.append(
            f"KALSHI_API_BASE_URL is {kind} Kalshi host, which contradicts KALSHI_ENV; "
            "make the two agree, or leave KALSHI_ENV unset to follow the host"
        )
    return host_env or env or "prod"


def _kalshi(r: _Reader) -> KalshiSettings | None:
    key_id = r.required("KALSHI_API_KEY_ID", " (the API key id shown when you created the key)")
    key = _private_key(r)
    override = r.get("KALSHI_API_BASE_URL")
    env = _kalshi_env(r, override)
    base_url = override or BASE_URLS_BY_ENV[env]
    if override is not None:
        _https_url(r, "KALSHI_API_BASE_URL", override, "https://external-api.kalshi.com/trade-api/v2")
    timeout = r.number("KALSHI_TIMEOUT_SECONDS", 6.0, minimum=0.5, unit="seconds")
    if key_id is None or key is None:
        return None
    return KalshiSettings(Secret(key_id), key, env, base_url.rstrip("/"), timeout)


def _private_key(r: _Reader) -> PrivateKey | None:
    text, path = r.get("KALSHI_PRIVATE_KEY"), r.get("KALSHI_PRIVATE_KEY_PATH")
    if text and path:
        r.problems.append("set KALSHI_PRIVATE_KEY or KALSHI_PRIVATE_KEY_PATH, not both")
        return None
    if path:
        name = "KALSHI_PRIVATE_KEY_PATH"
        if "-----BEGIN" in path or "\n" in path or "\\n" in path:
            r.problems.append(
                f"{name} is not a readable file path (it looks like PEM text; put PEM text in "
                "KALSHI_PRIVATE_KEY)"
            )
            return None
        try:
            text = Path(path).expanduser().read_text(encoding="ascii", errors="replace")
        except OSError as exc:  # the path itself is not shown: it is the variable's value
            r.problems.append(f"{name} is not a readable file path ({exc.strerror or type(exc).__name__})")
            return None
    elif text:
        name = "KALSHI_PRIVATE_KEY"
    else:
        r.problems.append(
            "KALSHI_PRIVATE_KEY (the PEM text) or KALSHI_PRIVATE_KEY_PATH (a PEM file) is not set"
        )
        return None
    try:
        return load_private_key(text)
    except KeyLoadError as exc:
        r.problems.append(f"{name}: {exc}")
        return None


def _slack(r: _Reader, transport: str) -> SlackSettings:
    bot_token = r.token("SLACK_BOT_TOKEN", "xoxb-", " (Bot User OAuth Token, OAuth & Permissions page)")
    app_token = None
    signing_secret = None
    if transport == "socket" or (transport == "auto" and r.get("SLACK_APP_TOKEN")):
        app_token = r.token("SLACK_APP_TOKEN", "xapp-", " (needed for Socket Mode: an app-level token)")
    else:
        value = r.required(
            "SLACK_SIGNING_SECRET",
            " (needed in HTTP mode; or set SLACK_APP_TOKEN to use Socket Mode instead)",
        )
        signing_secret = Secret(value) if value else None
    api_url = r.get("SLACK_API_URL")
    if api_url is not None:
        _https_url(r, "SLACK_API_URL", api_url, "https://slack.com/api/")
        api_url = api_url.rstrip("/") + "/"
    port = r.integer("PORT", DEFAULT_PORT, minimum=1, maximum=65535)
    host = r.get("BOT_HOST") or "0.0.0.0"
    users = r.slack_ids("BALANCE_ALLOWED_USERS")
    channels = r.slack_ids("BALANCE_ALLOWED_CHANNELS")
    return SlackSettings(
        bot_token or Secret(""), signing_secret, app_token, api_url, host, port, users, channels
    )


def _alerts(r: _Reader) -> AlertSettings | None:
    channel = r.get("BALANCE_ALERT_CHANNEL") or ""
    if not ID_PATTERN.match(channel):
        r.problems.append("BALANCE_ALERT_CHANNEL must be a channel id like C012AB3CD (not #name)")
    threshold = r.dollars("BALANCE_ALERT_THRESHOLD")
    if threshold is None and r.get("BALANCE_ALERT_THRESHOLD") is None:
        r.problems.append("BALANCE_ALERT_THRESHOLD is not set (dollars, like 250 or $1,000)")
    interval = r.number("BALANCE_ALERT_INTERVAL", 60.0, minimum=MIN_ALERT_INTERVAL, unit="seconds")
    repeat_raw = r.get("BALANCE_ALERT_REPEAT")
    repeat = None
    if repeat_raw and repeat_raw.lower() not in {"0", "off", "no", "false"}:
        repeat = r.number("BALANCE_ALERT_REPEAT", 0.0, minimum=0.25, unit="hours")
    rearm = r.dollars("BALANCE_ALERT_REARM")
    failures = r.integer("BALANCE_ALERT_FAILURES", 3, minimum=1, maximum=100)
    admins = r.slack_ids("BALANCE_ADMIN_USERS")
    critical = _critical(r, threshold)
    watch = (r.get("BALANCE_ALERT_ON") or AVAILABLE).lower()
    if watch not in WATCHES:
        r.problems.append("BALANCE_ALERT_ON must be 'available' or 'total' (available + portfolio value)")
        watch = AVAILABLE
    mentions = _mentions(r, "BALANCE_ALERT_MENTION")
    if threshold is None:
        return None
    return AlertSettings(
        channel=channel,
        threshold_cents=threshold,
        interval_seconds=interval,
        repeat_hours=repeat,
        rearm_cents=rearm,
        failures_before_notice=failures,
        admin_users=admins,
        critical_cents=critical,
        watch=watch,
        mentions=mentions,
    )


def _critical(r: _Reader, threshold: int | None) -> int | None:
    raw = r.get("BALANCE_ALERT_CRITICAL")
    if raw is None or raw.lower() in {"off", "no", "none"}:
        return None
    critical = r.dollars("BALANCE_ALERT_CRITICAL")
    if critical is None:
        return None
    if critical == 0:
        r.problems.append("BALANCE_ALERT_CRITICAL must be above $0.00 (leave it unset for one level)")
        return None
    if threshold is not None and critical >= threshold:
        r.problems.append("BALANCE_ALERT_CRITICAL must be below BALANCE_ALERT_THRESHOLD (the warning level)")
        return None
    return critical


def _mentions(r: _Reader, name: str) -> tuple[str, ...]:
    """Comma-separated user ids, user-group ids, ``here`` or ``channel``; each bad entry named by its
    position, never shown back (a token pasted into the wrong variable must not be printed)."""
    raw = r.get(name) or ""
    mentions: list[str] = []
    for position, part in enumerate(raw.split(","), start=1):
        entry = part.strip()
        if not entry:
            continue
        word = entry.lstrip("@!").lower()
        if word in BROADCASTS:
            mention = word
        elif MENTION_ID.match(entry):
            mention = entry
        else:
            r.problems.append(  # named by its position: a variable's value is never echoed
                f"{name}: entry {position} is not a user id (U…, W…), a user-group id (S…), here or channel"
            )
            continue
        if mention not in mentions:
            mentions.append(mention)
    return tuple(mentions)
