"""Every Slack listener, registered from one place, split by kind as Bolt's starter template does.

Each acknowledges first (Slack allows 3 s): listeners run on the request's own thread (the app is built
with ``process_before_response``) and ``ack`` at once; work that needs Kalshi is handed to the context's
answer pool and answered through the response_url, so a slow Kalshi or a busy pool can never hold up an
acknowledgement.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import BotContext
from bot.slack.listeners import actions, commands, events


def register_listeners(app: App, ctx: BotContext) -> None:
    commands.register(app, ctx)
    actions.register(app, ctx)
    events.register(app, ctx)


__all__ = ["BotContext", "register_listeners"]
