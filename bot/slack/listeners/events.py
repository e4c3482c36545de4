"""Events: ``app_home_opened`` publishes the user's Home tab. Bolt acknowledges the event when the
listener returns, so the listener only hands the work to the answer pool."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.context import BotContext
from bot.slack.replies import publish_home

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str):
            return  # the Messages tab, or no user to publish for
        if not ctx.background.submit(publish_home, ctx, client, user, fresh=False):
            log.warning("answer pool full: the Home tab was not published")

    app.event("app_home_opened")(on_home_opened)
