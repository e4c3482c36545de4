"""The Slack app manifest for the chosen mode: ``python -m bot manifest [--http-url https://HOST]``.

One source of truth: :func:`build_manifest` makes the manifest as a dict, :func:`render_yaml` prints it
as YAML (by hand, so the bot needs no YAML library at run time), and ``manifest.yml`` at the root is
exactly what ``python -m bot manifest`` prints (a test holds it to that).

- Socket Mode (the default): no request URLs; Slack talks to the bot over the websocket.
- ``--http-url https://HOST``: Socket Mode off and ``https://HOST/slack/events`` as the slash command
  URL, the interactivity URL and, when the app subscribes to events (:data:`SUBSCRIBED_EVENTS`), the
  events URL.

To subscribe to an event or turn on the Home tab, edit :data:`SUBSCRIBED_EVENTS` / :data:`APP_HOME` below
and regenerate ``manifest.yml`` (``python -m bot manifest > manifest.yml``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

EVENTS_PATH = "/slack/events"  # where HTTP mode listens (bot/slack/server.py serves the same path)

NAME = "Kalshi Balance"
DESCRIPTION = (
    "Your Kalshi balance in Slack, only to you, its week at a glance, a daily digest and a heads-up "
    "when it runs low."
)
BACKGROUND_COLOR = "#0b3d2e"
SLASH_COMMAND = {
    "command": "/balance",
    "description": "Show your Kalshi balance (only you see it); manage the low-balance alert",
    "usage_hint": (
        "[sub N | all | history 7d|30d|90d | why 24h|7d|30d | alert | alert 250 | alert critical 50 "
        "| alert off | help]"
    ),
    "should_escape": False,
}
OAUTH_SCOPES = (
    "commands",  # /balance
    "chat:write",  # low-balance alerts and the daily digest
    "chat:write.public",  # alerts in a public channel the bot has not been invited to
)
#: Bot events the app subscribes to, e.g. ("app_home_opened",). Empty: no event subscription at all.
SUBSCRIBED_EVENTS: tuple[str, ...] = ("app_home_opened",)  # publishes the Home tab (views.publish: no scope)
#: The manifest's features.app_home, e.g. {"home_tab_enabled": True, ...}. None: Slack's defaults.
APP_HOME: Mapping[str, bool] | None = {
    "home_tab_enabled": True,
    "messages_tab_enabled": False,
    "messages_tab_read_only_enabled": False,
}

HEADER = """\
# Slack app manifest for the Kalshi balance bot, printed by `python -m bot manifest` (do not edit by
# hand: change bot/slack/manifest.py and regenerate). Create the app from it at
# https://api.slack.com/apps ("Create New App" -> "From an app manifest").
"""
SOCKET_NOTE = """\
# Socket Mode (a laptop behind a firewall, or the Procfile's worker): no public URL needed.
# For HTTP mode on a PaaS print it with `python -m bot manifest --http-url https://YOUR-APP-HOST`.
"""
HTTP_NOTE = "# HTTP mode: Slack posts commands, button clicks and events to {url}.\n"


class ManifestError(ValueError):
    """The --http-url is not an https URL of a host."""


def events_url(http_url: str) -> str:
    """``https://HOST[/prefix]`` (with or without ``/slack/events``) -> ``https://HOST[/prefix]/slack/events``."""
    url = http_url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
        raise ManifestError(  # the URL is not repeated: it might hold a password
            "--http-url must be https://HOST, the address of your deployment (no user, password or query)"
        )
    base = url.rstrip("/")
    if base.endswith(EVENTS_PATH):
        base = base[: -len(EVENTS_PATH)]
    return base + EVENTS_PATH


def build_manifest(
    http_url: str | None = None,
    *,
    bot_events: Sequence[str] = SUBSCRIBED_EVENTS,
    app_home: Mapping[str, bool] | None = APP_HOME,
) -> dict[str, Any]:
    """The manifest: Socket Mode when ``http_url`` is None, else HTTP with every URL on ``http_url``."""
    url = events_url(http_url) if http_url is not None else None
    command: dict[str, Any] = {"command": SLASH_COMMAND["command"]}
    if url:
        command["url"] = url
    command.update({k: v for k, v in SLASH_COMMAND.items() if k != "command"})
    features: dict[str, Any] = {
        "bot_user": {"display_name": NAME, "always_online": False},
        "slash_commands": [command],
    }
    if app_home is not None:
        features["app_home"] = dict(app_home)
    interactivity: dict[str, Any] = {"is_enabled": True}  # the Refresh button
    if url:
        interactivity["request_url"] = url
    settings: dict[str, Any] = {}
    if bot_events:
        subscriptions: dict[str, Any] = {}
        if url:
            subscriptions["request_url"] = url
        subscriptions["bot_events"] = list(bot_events)
        settings["event_subscriptions"] = subscriptions
    settings.update(
        {
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": url is None,
            "token_rotation_enabled": False,
        }
    )
    return {
        "display_information": {
            "name": NAME,
            "description": DESCRIPTION,
            "background_color": BACKGROUND_COLOR,
        },
        "features": features,
        "oauth_config": {"scopes": {"bot": list(OAUTH_SCOPES)}},
        "settings": settings,
    }


def manifest_text(http_url: str | None = None) -> str:
    """What ``python -m bot manifest`` prints: a comment header, then the manifest as YAML."""
    manifest = build_manifest(http_url)
    note = SOCKET_NOTE if http_url is None else HTTP_NOTE.format(url=events_url(http_url))
    return HEADER + note + render_yaml(manifest)


_PLAIN_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def render_yaml(value: Mapping[str, Any]) -> str:
    """Block-style YAML of str/bool/int/list/dict; every string is a JSON (so YAML) quoted scalar."""
    return "".join(line + "\n" for line in _mapping_lines(value, 0))


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} to the manifest")


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _mapping_lines(value: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, Mapping | list) and item:
            lines.append(f"{pad}{_key(key)}:")
            lines += _nested_lines(item, indent + 2)
        elif isinstance(item, Mapping):
            lines.append(f"{pad}{_key(key)}: {{}}")
        elif isinstance(item, list):
            lines.append(f"{pad}{_key(key)}: []")
        else:
            lines.append(f"{pad}{_key(key)}: {_scalar(item)}")
    return lines


def _nested_lines(item: Mapping[str, Any] | list[Any], indent: int) -> list[str]:
    if isinstance(item, Mapping):
        return _mapping_lines(item, indent)
    lines: list[str] = []
    pad = " " * indent
    for element in item:
        if isinstance(element, Mapping) and element:
            inner = _mapping_lines(element, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        elif isinstance(element, Mapping | list):
            raise TypeError("the manifest writer takes no empty or nested lists inside lists")
        else:
            lines.append(f"{pad}- {_scalar(element)}")
    return lines
