"""The Bolt app factory and the Slack token check."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import SlackSettings
from bot.slack.listeners import BotContext, register_listeners

log = logging.getLogger(__name__)


def make_web_client(slack: SlackSettings) -> WebClient:
    base_url = slack.api_url or WebClient.BASE_URL
    return WebClient(token=slack.bot_token.reveal(), base_url=base_url, timeout=10)


class _DropClientTokenNotice(logging.Filter):
    """Bolt notices SLACK_BOT_TOKEN in the environment beside our client (built with the same token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "As you gave `client` as well" not in record.getMessage()


def build_app(slack: SlackSettings, ctx: BotContext, client: WebClient | None = None) -> App:
    bolt_logger = logging.getLogger("bot.slack.bolt")
    bolt_logger.addFilter(_DropClientTokenNotice())
    app = App(
        client=client or make_web_client(slack),
        signing_secret=slack.signing_secret.reveal() if slack.signing_secret else "",
        # HTTP requests are verified before Bolt sees them (bot.slack.server), since Bolt's own check logs
        # the body of a request it refuses; Socket Mode requests come over an authenticated websocket.
        request_verification_enabled=False,
        # auth.test runs in the background at start-up instead (bot.slack.server), so a slow Slack
        # does not slow the start.
        token_verification_enabled=False,
        # Listeners run on the request's thread and ack at once; what needs Kalshi goes to the
        # context's background pool (see bot.slack.listeners).
        process_before_response=True,
        logger=bolt_logger,
    )
    register_listeners(app, ctx)
    if ctx.access.open_to_everyone:
        log.warning(
            "BALANCE_ALLOWED_USERS and BALANCE_ALLOWED_CHANNELS are empty: "
            "everyone in the workspace can see the Kalshi balance"
        )
    return app


def check_slack_token(slack: SlackSettings) -> tuple[bool, str]:
    """``auth.test`` with the bot token: one line saying whether Slack accepts it."""
    try:
        response = make_web_client(slack).auth_test()
    except SlackApiError as exc:
        return False, f"Slack token: rejected by Slack ({exc.response.get('error', 'unknown error')})"
    except (SlackClientError, OSError) as exc:
        return False, f"Slack token: could not reach Slack ({type(exc).__name__})"
    return True, f"Slack token: accepted for team {response.get('team')!s} as {response.get('user')!s}"
