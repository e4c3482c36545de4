"""Buttons: Refresh on a ``/balance`` reply replaces it with fresh figures of the same view (the
account, one subaccount, or all of them: the button's value says which); Refresh on the Home tab
republishes it."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.answer_pool import ack_and_answer
from bot.slack.blocks import notices
from bot.slack.blocks.balance import REFRESH_ACTION, view_of
from bot.slack.blocks.home import HOME_REFRESH_ACTION
from bot.slack.context import BotContext
from bot.slack.replies import publish_home, view_reply

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    def on_refresh(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if not ctx.access.allows(user, channel):
            log.info("refused Refresh for user %s in channel %s (not allowed)", user, channel)
            ack_and_answer(ctx.background, ack, respond, notices.refusal_message)
            return
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        view = view_of(first.get("value"))  # the view the button was rendered with; junk: the account
        render = partial(view_reply, ctx, view, fresh=True)
        ack_and_answer(ctx.background, ack, respond, render, replace=True, key=("view", view, True))

    def on_home_refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = (body.get("user") or {}).get("id")
        if isinstance(user, str) and not ctx.background.submit(publish_home, ctx, client, user, fresh=True):
            log.warning("answer pool full: the Home tab was not refreshed")

    app.action(REFRESH_ACTION)(on_refresh)
    app.action(HOME_REFRESH_ACTION)(on_home_refresh)
