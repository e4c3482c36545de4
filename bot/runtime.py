"""Builds the long-lived objects from settings, once per process: the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.balance import BalanceReader
from bot.config import KalshiSettings, Settings
from bot.kalshi import KalshiClient
from bot.kalshi.client import RetryPolicy
from bot.kalshi.signer import KalshiAuth


def make_kalshi_client(kalshi: KalshiSettings) -> KalshiClient:
    deadline = kalshi.timeout_seconds
    retry = RetryPolicy(
        deadline=deadline, read_timeout=min(4.0, deadline), connect_timeout=min(2.0, deadline)
    )
    return KalshiClient(
        kalshi.base_url, KalshiAuth(kalshi.api_key_id.reveal(), kalshi.private_key), retry=retry
    )


@dataclass
class Runtime:
    """Everything a serving process holds: one Kalshi client, one read path, the Slack app."""

    client: KalshiClient
    reader: BalanceReader
    app: App

    def start_background(self) -> None:
        """Start work that runs beside the Slack app (the alert monitor, when configured)."""

    def stop(self) -> None:
        """Stop background work and close connections; safe to call more than once."""


def build_runtime(settings: Settings) -> Runtime:
    from bot.slack.access import Access
    from bot.slack.app import build_app
    from bot.slack.listeners import BotContext

    assert settings.slack is not None
    client = make_kalshi_client(settings.kalshi)
    reader = BalanceReader(client, settings.freshness_seconds)
    access = Access(settings.slack.allowed_users, settings.slack.allowed_channels)
    ctx = BotContext(reader=reader, access=access, demo=settings.kalshi.demo)
    app = build_app(settings.slack, ctx)
    return Runtime(client, reader, app)
