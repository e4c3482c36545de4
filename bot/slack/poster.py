"""Posting to a channel with ``chat.postMessage``, telling the operator plainly why a post failed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.numbers import seconds_number
from bot.slack.blocks.base import Message
from bot.slack.chart_fallback import charted_poster

log = logging.getLogger(__name__)

_ADVICE = {
    "channel_not_found": "check BALANCE_ALERT_CHANNEL is a channel id (C…) in this workspace",
    "not_in_channel": "invite the bot to the channel (/invite @Kalshi Balance)",
    "is_archived": "the channel is archived; choose another BALANCE_ALERT_CHANNEL",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid; reinstall the app and copy the new token",
    "not_authed": "SLACK_BOT_TOKEN is missing",
    "token_revoked": "the bot token was revoked; reinstall the app",
    "account_inactive": "the bot token was revoked; reinstall the app",
    "missing_scope": "add the chat:write and chat:write.public scopes (manifest.yml) and reinstall",
    "ratelimited": "Slack is rate-limiting the bot",
}


@dataclass(frozen=True)
class Delivery:
    """Whether Slack accepted a post, and how long it asked us to wait before the next (Retry-After)."""

    ok: bool
    retry_after: float | None = None
    error: str | None = None  # Slack's error code on a refusal (invalid_blocks: see chart_fallback)


def make_poster(client: WebClient, channel: str) -> Callable[[Message], Delivery]:
    def post(message: Message) -> Delivery:
        try:
            client.chat_postMessage(channel=channel, **message.post())
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
            advice = _ADVICE.get(error, "see https://api.slack.com/methods/chat.postMessage#errors")
            wait = f"; Slack asks to wait {retry_after}s" if retry_after else ""
            log.error(
                "Slack refused the post to %s: %s (HTTP %s): %s%s",
                channel,
                error,
                exc.response.status_code,
                advice,
                wait,
            )
            return Delivery(False, _seconds(retry_after), error)
        except (SlackClientError, OSError) as exc:
            log.error("could not reach Slack to post to %s: %s", channel, type(exc).__name__)
            return Delivery(False)
        return Delivery(True)

    return charted_poster(post)  # a refused chart: the same message again without it


def _seconds(value: str | None) -> float | None:
    seconds = seconds_number(value.strip()) if value is not None else None
    return min(seconds, 3600.0) if seconds is not None else None
