"""The jobs' notices as Slack messages, posted to a channel with ``chat.postMessage``; the operator is
told plainly why a post failed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.activity import alert_line, digest_line
from bot.domain.alert_machine import CLEARED, ENTERED, NO_LONGER_CRITICAL, RECOVERED, REMINDER
from bot.domain.numbers import seconds_number
from bot.jobs.notifier import (
    AlertNotice,
    Delivery,
    DigestNotice,
    Notice,
    ReadFailingNotice,
    ReadingAgainNotice,
)
from bot.slack.blocks import alerts as alert_blocks
from bot.slack.blocks.alert_status import alert_status_message
from bot.slack.blocks.base import Message, slack_date
from bot.slack.blocks.digest import digest_message
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


class SlackNotifier:
    """Says the jobs' notices in one channel: alerts with the people of BALANCE_ALERT_MENTION where the
    event calls for them, the digest without notifying anyone."""

    def __init__(
        self, post: Callable[[Message], Delivery], *, demo: bool = False, mentions: tuple[str, ...] = ()
    ) -> None:
        self.post = post
        self.demo = demo
        self.mentions = mentions

    @classmethod
    def for_channel(
        cls, client: WebClient, channel: str, *, demo: bool = False, mentions: tuple[str, ...] = ()
    ) -> SlackNotifier:
        return cls(make_poster(client, channel), demo=demo, mentions=mentions)

    def notify(self, notice: Notice) -> Delivery:
        return self.post(self.message(notice))

    def message(self, notice: Notice) -> Message:
        if isinstance(notice, AlertNotice):
            return self._alert(notice)
        if isinstance(notice, ReadFailingNotice):
            return alert_blocks.alert_read_failure_message(notice.error, notice.failures, demo=self.demo)
        if isinstance(notice, ReadingAgainNotice):
            return alert_blocks.alert_reading_again_message(notice.balance, demo=self.demo)
        return self._digest(notice)

    def _alert(self, notice: AlertNotice) -> Message:
        event = notice.event
        crossing = alert_blocks.Crossing.of(event, notice.balance, demo=self.demo)
        mentions = self.mentions if event.mention else ()
        if event.kind in (ENTERED, REMINDER):
            why = None if notice.why is None else alert_line(notice.why, lambda ts: slack_date(ts, "{time}"))
            return alert_blocks.low_balance_message(
                crossing, mentions, reminder=event.kind == REMINDER, why=why
            )
        if event.kind == NO_LONGER_CRITICAL:
            return alert_blocks.above_critical_message(crossing)
        if event.kind == CLEARED:
            return alert_blocks.alert_cleared_message(crossing)
        assert event.kind == RECOVERED, event.kind
        return alert_blocks.recovered_message(crossing)

    def _digest(self, notice: DigestNotice) -> Message:
        alert = None if notice.alert is None else alert_status_message(notice.alert, quiet=True)
        return digest_message(
            notice.reading,
            day=notice.day,
            trend=notice.trend,
            alert=alert,
            subaccounts=notice.subaccounts,
            demo=self.demo,
            chart=notice.chart,
            where_it_went=None if notice.why is None else digest_line(notice.why),
        )
