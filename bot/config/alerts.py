"""The alert part: channel, levels, watched figure, mentions, cadence, admins."""

from __future__ import annotations

import re

from bot.config.reader import ID_PATTERN, Reader
from bot.config.settings import AlertSettings
from bot.domain.alert_state import AVAILABLE, WATCHES

MENTION_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")  # a user (U…, W… on Enterprise Grid) or a user group (S…)
BROADCASTS = {"here", "channel"}
MIN_ALERT_INTERVAL = 2.0  # one read every 2 s is 2.5% of the Basic tier's ~20 reads/s


def alert_settings(r: Reader) -> AlertSettings | None:
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
    critical = critical_level(r, threshold)
    watch = (r.get("BALANCE_ALERT_ON") or AVAILABLE).lower()
    if watch not in WATCHES:
        r.problems.append("BALANCE_ALERT_ON must be 'available' or 'total' (available + portfolio value)")
        watch = AVAILABLE
    mentions = mention_list(r, "BALANCE_ALERT_MENTION")
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


def critical_level(r: Reader, threshold: int | None) -> int | None:
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


def mention_list(r: Reader, name: str) -> tuple[str, ...]:
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
