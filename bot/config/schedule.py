"""The bot's own checks: the history interval and the daily digest's time, zone and channel."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.alerts import MIN_ALERT_INTERVAL
from bot.config.reader import ID_PATTERN, Reader
from bot.config.settings import AlertSettings, DigestSettings, HistorySettings

DEFAULT_HISTORY_INTERVAL = 60.0
DIGEST_TIME_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")  # ASCII digits only


def history_settings(
    r: Reader, alerts: AlertSettings | None, digest: DigestSettings | None
) -> HistorySettings | None:
    """Checks of its own when alerts or the digest are on, or BALANCE_HISTORY_INTERVAL is set."""
    if r.get("BALANCE_HISTORY_INTERVAL") is None and alerts is None and digest is None:
        return None
    default = alerts.interval_seconds if alerts is not None else DEFAULT_HISTORY_INTERVAL
    interval = r.number("BALANCE_HISTORY_INTERVAL", default, minimum=MIN_ALERT_INTERVAL, unit="seconds")
    return HistorySettings(interval)


def digest_settings(r: Reader) -> DigestSettings | None:
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
