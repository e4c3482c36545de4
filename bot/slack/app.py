"""The Bolt app factory and the Slack token check.

Bolt's own single-workspace authorization calls ``auth.test`` on the first request, and again on every
request until one succeeds, so a slow or unreachable Slack API would hold up acknowledgements. The bot
checks the token once at start-up instead (in the background, :func:`check_slack_token`) and gives Bolt a
fixed authorization result (:class:`BotIdentity`): no request waits on Slack's API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import SlackSettings
from bot.slack.chart_fallback import CHARTS
from bot.slack.context import BotContext
from bot.slack.listeners import register_listeners

log = logging.getLogger(__name__)


AUTH_TEST_TIMEOUT = 5  # seconds for the start-up token check


def make_web_client(slack: SlackSettings, timeout: int = 10) -> WebClient:
    base_url = slack.api_url or WebClient.BASE_URL
    return WebClient(token=slack.bot_token.reveal(), base_url=base_url, timeout=timeout)


class BotIdentity:
    """The authorization Bolt gives every request: the bot token, and the team and bot user that
    ``auth.test`` named at start-up once it has answered."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._team_id: str | None = None
        self._enterprise_id: str | None = None
        self._bot_user_id: str | None = None
        self._bot_id: str | None = None

    def learn(self, auth_test: dict[str, object]) -> None:
        def text(key: str) -> str | None:
            value = auth_test.get(key)
            return value if isinstance(value, str) else None

        self._team_id, self._enterprise_id = text("team_id"), text("enterprise_id")
        self._bot_user_id, self._bot_id = text("user_id"), text("bot_id")

    def result(self, team_id: str | None, enterprise_id: str | None, user_id: str | None) -> AuthorizeResult:
        """The authorization of one request; never calls Slack."""
        return AuthorizeResult(
            enterprise_id=self._enterprise_id or enterprise_id,
            team_id=self._team_id or team_id,
            bot_user_id=self._bot_user_id,
            bot_id=self._bot_id,
            bot_token=self._token,
            user_id=user_id,
        )


_BOLT_TOKEN_NOTICES = (
    "As you gave `client` as well",  # SLACK_BOT_TOKEN in the environment beside our client
    "`token` (or SLACK_BOT_TOKEN env variable) will be ignored",  # the token is in BotIdentity instead
)


class _DropClientTokenNotice(logging.Filter):
    """Bolt's notices about the token it was given twice: expected, since we give it the token ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(notice in message for notice in _BOLT_TOKEN_NOTICES)


def build_app(
    slack: SlackSettings,
    ctx: BotContext,
    client: WebClient | None = None,
    identity: BotIdentity | None = None,
) -> App:
    bolt_logger = logging.getLogger("bot.slack.bolt")
    bolt_logger.addFilter(_DropClientTokenNotice())
    identity = identity or BotIdentity(slack.bot_token.reveal())
    app = App(
        client=client or make_web_client(slack),
        authorize=_authorize_with(identity),
        signing_secret=slack.signing_secret.reveal() if slack.signing_secret else "",
        # HTTP requests are verified before Bolt sees them (bot.slack.server), since Bolt's own check logs
        # the body of a request it refuses; Socket Mode requests come over an authenticated websocket.
        request_verification_enabled=False,
        # auth.test runs once in the background at start-up instead (bot.slack.server), so a slow Slack
        # slows neither the start nor any request.
        token_verification_enabled=False,
        # Listeners run on the request's thread and ack at once; what needs Kalshi goes to the
        # context's background pool (see bot.slack.listeners).
        process_before_response=True,
        logger=bolt_logger,
    )
    register_listeners(app, ctx)
    CHARTS.configure(enabled=slack.charts)
    if ctx.access.open_to_everyone:
        log.warning(
            "BALANCE_ALLOWED_USERS and BALANCE_ALLOWED_CHANNELS are empty: "
            "everyone in the workspace can see the Kalshi balance"
        )
    return app


def _authorize_with(identity: BotIdentity) -> Callable[..., AuthorizeResult]:
    # Bolt passes the arguments a plain function names (a bound method's ``self`` confuses it).
    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return identity.result(team_id, enterprise_id, user_id)

    return authorize


def check_slack_token(slack: SlackSettings, identity: BotIdentity | None = None) -> tuple[bool, str]:
    """``auth.test`` with the bot token: one line saying whether Slack accepts it. ``identity`` learns
    the team and bot user from the answer."""
    try:
        response = make_web_client(slack, timeout=AUTH_TEST_TIMEOUT).auth_test()
    except SlackApiError as exc:
        return False, f"Slack token: rejected by Slack ({exc.response.get('error', 'unknown error')})"
    except (SlackClientError, OSError) as exc:
        return False, f"Slack token: could not reach Slack ({type(exc).__name__})"
    if identity is not None:
        identity.learn(dict(response.data) if isinstance(response.data, dict) else {})
    return True, f"Slack token: accepted for team {response.get('team')!s} as {response.get('user')!s}"


def check_app_token(slack: SlackSettings) -> tuple[bool, str]:
    """``apps.connections.open`` with the app-level token (Socket Mode): whether Slack would open a
    socket for it. Nothing connects; the URL it hands out is left unused."""
    assert slack.app_token is not None
    base_url = slack.api_url or WebClient.BASE_URL
    client = WebClient(token=slack.app_token.reveal(), base_url=base_url, timeout=AUTH_TEST_TIMEOUT)
    try:
        client.apps_connections_open(app_token=slack.app_token.reveal())
    except SlackApiError as exc:
        return False, f"Slack app token: rejected by Slack ({exc.response.get('error', 'unknown error')})"
    except (SlackClientError, OSError) as exc:
        return False, f"Slack app token: could not reach Slack ({type(exc).__name__})"
    return True, "Slack app token: accepted, Socket Mode can connect"
