"""The Slack part: tokens for the chosen transport, the server, who may see the balance."""

from __future__ import annotations

from bot.config.reader import Reader, https_url
from bot.config.settings import Secret, SlackSettings

DEFAULT_PORT = 3000


def slack_settings(r: Reader, transport: str) -> SlackSettings:
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
        https_url(r, "SLACK_API_URL", api_url, "https://slack.com/api/")
        api_url = api_url.rstrip("/") + "/"
    port = r.integer("PORT", DEFAULT_PORT, minimum=1, maximum=65535)
    host = r.get("BOT_HOST") or "0.0.0.0"
    users = r.slack_ids("BALANCE_ALLOWED_USERS")
    channels = r.slack_ids("BALANCE_ALLOWED_CHANNELS")
    return SlackSettings(
        bot_token or Secret(""),
        signing_secret,
        app_token,
        api_url,
        host,
        port,
        users,
        channels,
        charts=on_off(r, "BALANCE_CHARTS", default=True),
    )


def on_off(r: Reader, name: str, *, default: bool) -> bool:
    raw = r.get(name)
    if raw is None:
        return default
    if raw.lower() not in {"on", "off"}:
        r.problems.append(f"{name} must be on or off")
        return default
    return raw.lower() == "on"
