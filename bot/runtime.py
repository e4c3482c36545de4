"""Builds the long-lived objects from settings, once per process: the composition root."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.balance import BalanceReader
from bot.config import AlertSettings, KalshiSettings, Settings
from bot.kalshi import KalshiClient
from bot.kalshi.client import RetryPolicy
from bot.kalshi.signer import KalshiAuth

if TYPE_CHECKING:  # the Slack and alert stack is imported only by a serving process (build_runtime)
    from slack_bolt import App

    from bot.alerts.monitor import AlertMonitor, Policy
    from bot.alerts.store import AlertStore, SenderLock
    from bot.slack.answers import AnswerPool
    from bot.slack.app import BotIdentity
    from bot.slack.listeners import BotContext

log = logging.getLogger(__name__)


def make_kalshi_client(kalshi: KalshiSettings) -> KalshiClient:
    deadline = kalshi.timeout_seconds
    retry = RetryPolicy(
        deadline=deadline, read_timeout=min(4.0, deadline), connect_timeout=min(2.0, deadline)
    )
    return KalshiClient(
        kalshi.base_url, KalshiAuth(kalshi.api_key_id.reveal(), kalshi.private_key), retry=retry
    )


def make_store(settings: Settings) -> tuple[AlertStore, SenderLock]:
    """PostgreSQL when DATABASE_URL is set (state shared by every process), else SQLite."""
    if settings.database_url is not None:
        from bot.alerts.postgres import AdvisorySenderLock, PostgresAlertStore

        url = settings.database_url.reveal()
        return PostgresAlertStore(url), AdvisorySenderLock(url)
    from bot.alerts.sqlite import FileSenderLock, SQLiteAlertStore

    return SQLiteAlertStore(settings.state_path), FileSenderLock(settings.state_path)


def alert_policy(alerts: AlertSettings, demo: bool) -> Policy:
    from bot.alerts.monitor import Policy

    return Policy(
        channel=alerts.channel,
        default_threshold_cents=alerts.threshold_cents,
        interval_seconds=alerts.interval_seconds,
        repeat_seconds=alerts.repeat_hours * 3600 if alerts.repeat_hours else None,
        rearm_cents=alerts.rearm_cents,
        failures_before_notice=alerts.failures_before_notice,
        demo=demo,
    )


@dataclass
class Runtime:
    """Everything a serving process holds: one Kalshi client, one read path, the Slack app, the monitor."""

    client: KalshiClient
    reader: BalanceReader
    app: App
    background: AnswerPool
    context: BotContext
    monitor: AlertMonitor | None = None
    identity: BotIdentity | None = None  # what Bolt authorizes requests with; learnt by the start-up check

    def start_background(self) -> None:
        if self.monitor is not None:
            self.monitor.start()

    def stop(self) -> None:
        """Stop background work and close connections; safe to call more than once."""
        if self.monitor is not None:
            self.monitor.stop()
        self.background.shutdown()  # answers under way still go out, the alert store still open
        if self.monitor is not None:
            self.monitor.close()
        self.client.close()


def build_runtime(settings: Settings) -> Runtime:
    from bot.alerts.control import AlertAdmin
    from bot.alerts.monitor import AlertMonitor
    from bot.slack.access import Access, alert_channel_warning
    from bot.slack.answers import AnswerPool
    from bot.slack.app import BotIdentity, build_app, make_web_client
    from bot.slack.listeners import BotContext
    from bot.slack.poster import make_poster

    assert settings.slack is not None
    client = make_kalshi_client(settings.kalshi)
    reader = BalanceReader(client, settings.freshness_seconds)
    access = Access(settings.slack.allowed_users, settings.slack.allowed_channels)
    background = AnswerPool()
    ctx = BotContext(reader=reader, access=access, demo=settings.kalshi.demo, background=background)
    web = make_web_client(settings.slack)
    monitor = None
    if settings.alerts is not None:
        store, lock = make_store(settings)
        policy = alert_policy(settings.alerts, settings.kalshi.demo)
        ctx.alerts = AlertAdmin(policy, store, settings.alerts.admin_users)
        monitor = AlertMonitor(policy, reader, store, make_poster(web, policy.channel), lock=lock)
        log.info("alerts on: %s, channel %s", store.describe(), policy.channel)
        warning = alert_channel_warning(policy.channel, access)
        if warning is not None:
            log.warning("%s", warning)
    identity = BotIdentity(settings.slack.bot_token.reveal())
    app = build_app(settings.slack, ctx, web, identity)
    return Runtime(client, reader, app, background, ctx, monitor, identity)
