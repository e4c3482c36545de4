"""Settings from the environment (and ``.env`` in the working directory), validated once at start-up.

:func:`load_settings` collects every problem and raises one :class:`ConfigError` naming each variable;
it never prints a secret's value. Secrets are held in :class:`Secret`, whose ``repr``/``str`` mask them.
Only what the chosen mode needs is asked for: Socket Mode needs no signing secret, HTTP mode no app
token, and the alert variables are read only when alerts are on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from bot.config.alerts import alert_settings
from bot.config.kalshi import kalshi_settings
from bot.config.reader import Reader
from bot.config.schedule import digest_settings, history_settings
from bot.config.settings import (
    AlertSettings,
    ConfigError,
    DigestSettings,
    HistorySettings,
    KalshiSettings,
    Mode,
    Secret,
    Settings,
    SlackSettings,
    StoreSettings,
)
from bot.config.slack import slack_settings

__all__ = [
    "AlertSettings",
    "ConfigError",
    "DigestSettings",
    "HistorySettings",
    "KalshiSettings",
    "Mode",
    "Secret",
    "Settings",
    "SlackSettings",
    "StoreSettings",
    "default_state_path",
    "load_settings",
    "load_store_settings",
]

LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


def default_state_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "kalshi-balance-bot" / "state.sqlite3"


def load_settings(environ: Mapping[str, str], mode: Mode = Mode.SERVE, transport: str = "auto") -> Settings:
    """Validate the environment for ``mode``; raise :class:`ConfigError` naming every problem.

    ``transport`` is ``auto`` (Socket Mode when SLACK_APP_TOKEN is set, else HTTP), ``http`` or ``socket``.
    """
    r = Reader(environ)
    kalshi = kalshi_settings(r)
    slack = slack_settings(r, transport) if mode is Mode.SERVE else None
    alerts = alert_settings(r) if mode is Mode.SERVE and r.get("BALANCE_ALERT_CHANNEL") else None
    freshness = r.number("BALANCE_FRESHNESS_SECONDS", 2.0, minimum=0.0, unit="seconds")
    state_path = state_path_setting(r)
    log_level, library_log_level = log_levels(r)
    digest = digest_settings(r) if mode is Mode.SERVE and r.get("BALANCE_DIGEST_TIME") else None
    history = history_settings(r, alerts, digest) if mode is Mode.SERVE else None
    database_url = database_url_setting(r) if history is not None else None
    realtime = realtime_setting(r) if mode is Mode.SERVE else False
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
        realtime=realtime and history is not None,
    )


def load_store_settings(environ: Mapping[str, str]) -> StoreSettings:
    """Only the store (``history export`` / ``import``): DATABASE_URL, else BOT_STATE_PATH; neither Slack
    nor Kalshi is asked for. Raises :class:`ConfigError` naming every problem."""
    r = Reader(environ)
    state_path = state_path_setting(r)
    database_url = database_url_setting(r)
    log_level, library_log_level = log_levels(r)
    if r.problems:
        raise ConfigError(r.problems)
    return StoreSettings(state_path, database_url, log_level, library_log_level)


def state_path_setting(r: Reader) -> Path:
    return Path(r.get("BOT_STATE_PATH") or default_state_path(r.environ)).expanduser()


def log_levels(r: Reader) -> tuple[str, str]:
    """BOT_LOG_LEVEL and BOT_LOG_LEVEL_LIBRARIES."""
    log_level = (r.get("BOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        r.problems.append("BOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
    library_log_level = (r.get("BOT_LOG_LEVEL_LIBRARIES") or "WARNING").upper()
    if library_log_level not in LOG_LEVELS:
        r.problems.append("BOT_LOG_LEVEL_LIBRARIES must be one of DEBUG, INFO, WARNING, ERROR")
    return log_level, library_log_level


REALTIME_WORDS = {
    "on": True,
    "true": True,
    "yes": True,
    "1": True,
    "off": False,
    "false": False,
    "no": False,
    "0": False,
}


def realtime_setting(r: Reader) -> bool:
    """BALANCE_REALTIME: on (the default) or off. It matters only where the bot checks on its own."""
    raw = r.get("BALANCE_REALTIME")
    if raw is None:
        return True
    value = REALTIME_WORDS.get(raw.lower())
    if value is None:
        r.problems.append("BALANCE_REALTIME must be 'on' or 'off'")
        return True
    return value


def database_url_setting(r: Reader) -> Secret | None:
    url = r.get("DATABASE_URL")
    if url is None:
        return None
    if not re.match(r"^postgres(ql)?://", url):
        r.problems.append("DATABASE_URL must be a PostgreSQL URL, postgres://user:password@host:port/dbname")
    return Secret(url)
