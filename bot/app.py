"""Builds the long-lived objects from settings, once per process: the composition root."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from bot.balance import BalanceReader
from bot.config import AlertSettings, KalshiSettings, Settings, StoreSettings
from bot.kalshi import KalshiClient
from bot.kalshi.client import RetryPolicy
from bot.kalshi.signer import KalshiAuth

if TYPE_CHECKING:  # the Slack and alert stack is imported only by a serving process (build_runtime)
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.domain.activity import Explanation
    from bot.domain.levels import Policy
    from bot.jobs.loop import BackgroundChecks, Job
    from bot.kalshi.activity import ActivitySource
    from bot.realtime import Coalescer
    from bot.slack.answer_pool import AnswerPool
    from bot.slack.app import BotIdentity
    from bot.slack.context import BotContext
    from bot.store import SenderLock, Store

log = logging.getLogger(__name__)


def kalshi_auth(kalshi: KalshiSettings) -> KalshiAuth:
    """The one signer for REST and the WebSocket alike, from the key parsed at start-up."""
    return KalshiAuth(kalshi.api_key_id.reveal(), kalshi.private_key)


def make_kalshi_client(kalshi: KalshiSettings) -> KalshiClient:
    deadline = kalshi.timeout_seconds
    retry = RetryPolicy(
        deadline=deadline, read_timeout=min(4.0, deadline), connect_timeout=min(2.0, deadline)
    )
    return KalshiClient(kalshi.base_url, kalshi_auth(kalshi), retry=retry)


def make_store(settings: Settings | StoreSettings, *, patient: bool = False) -> tuple[Store, SenderLock]:
    """Alert state, history and the digest log: PostgreSQL when DATABASE_URL is set (shared by every
    process), else SQLite. ``patient``: wait out a slow connect instead of failing fast (``check``)."""
    if settings.database_url is not None:
        from bot.store.advisory_lock import AdvisorySenderLock
        from bot.store.postgres import PostgresStore
        from bot.store.postgres_connection import CONNECT_TIMEOUT_SECONDS, CONNECT_WAIT_SECONDS

        url = settings.database_url.reveal()
        wait = CONNECT_TIMEOUT_SECONDS + 1.0 if patient else CONNECT_WAIT_SECONDS
        return PostgresStore(url, connect_wait=wait), AdvisorySenderLock(url)
    from bot.store.file_lock import FileSenderLock
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(settings.state_path), FileSenderLock(settings.state_path)


def alert_policy(alerts: AlertSettings, demo: bool) -> Policy:
    from bot.domain.levels import Policy

    return Policy(
        channel=alerts.channel,
        default_threshold_cents=alerts.threshold_cents,
        interval_seconds=alerts.interval_seconds,
        repeat_seconds=alerts.repeat_hours * 3600 if alerts.repeat_hours else None,
        rearm_cents=alerts.rearm_cents,
        failures_before_notice=alerts.failures_before_notice,
        demo=demo,
        default_critical_cents=alerts.critical_cents,
        watch=alerts.watch,
        mentions=alerts.mentions,
    )


@dataclass
class Runtime:
    """Everything a serving process holds: one Kalshi client, one read path, the Slack app, and the
    checks of its own (alerts, history, digest) when any is on."""

    client: KalshiClient
    reader: BalanceReader
    app: App
    background: AnswerPool
    context: BotContext
    checks: BackgroundChecks | None = None
    store: Store | None = None  # alert state, history, digest log: there when the checks are
    identity: BotIdentity | None = None  # what Bolt authorizes requests with; learnt by the start-up check
    refresh: Coalescer | None = None  # re-reads on Kalshi's fills (BALANCE_REALTIME), when the checks run

    def start_background(self) -> None:
        if self.checks is not None:
            self.checks.start()

    def stop(self) -> None:
        """Stop background work and close connections; safe to call more than once."""
        stopped = self.checks.stop() if self.checks is not None else True  # its stream stops with it
        if self.refresh is not None:
            self.refresh.stop()
        self.background.shutdown()  # answers under way still go out, the store still open
        if self.store is not None and stopped:  # a check still under way uses it: the exit closes it
            self.store.close()
            self.store = None
        self.client.close()


def build_runtime(settings: Settings) -> Runtime:
    from bot.slack.access import Access, posting_channel_warnings
    from bot.slack.answer_pool import AnswerPool
    from bot.slack.app import BotIdentity, build_app, make_web_client
    from bot.slack.context import BotContext

    assert settings.slack is not None
    client = make_kalshi_client(settings.kalshi)
    reader = BalanceReader(client, settings.freshness_seconds)
    access = Access(settings.slack.allowed_users, settings.slack.allowed_channels)
    background = AnswerPool()
    ctx = BotContext(
        reader=reader,
        access=access,
        demo=settings.kalshi.demo,
        background=background,
        subaccounts=reader.subaccount_rows,
    )
    web = make_web_client(settings.slack)
    checks, store, refresh = None, None, None
    if settings.history is not None:
        store, lock = make_store(settings)
        checks = build_checks(settings, reader=reader, ctx=ctx, web=web, store=store, lock=lock)
        refresh = wire_realtime(settings, reader, checks) if settings.realtime else None
    for warning in posting_channel_warnings(settings.posting_channels(), access):
        log.warning("%s", warning)
    identity = BotIdentity(settings.slack.bot_token.reveal())
    app = build_app(settings.slack, ctx, web, identity)
    return Runtime(client, reader, app, background, ctx, checks, store, identity, refresh)


def wire_realtime(settings: Settings, reader: BalanceReader, checks: BackgroundChecks) -> Coalescer:
    """Kalshi's WebSocket in the sender process only: a fill drops the cached figures at once and wakes
    the alert check (coalesced: one read in flight, one queued), whose reading feeds the alert state,
    the history (which takes a reading seconds old) and the figures /balance shows."""
    from bot.kalshi.websocket import KalshiStream
    from bot.realtime import Coalescer, activity_handler

    refresh = Coalescer(lambda: checks.run_now(frozenset({"alert check"}))).start()
    auth = kalshi_auth(settings.kalshi)
    streams: list[KalshiStream] = []

    def on_role(sender: bool) -> None:  # a stream starts once: a new one each time this becomes the sender
        if sender:
            streams.append(
                KalshiStream(settings.kalshi.ws_url, auth, activity_handler(reader, refresh)).start()
            )
        while not sender and streams:
            streams.pop().stop()

    checks.on_role = on_role
    log.info("real time on: Kalshi's fills wake the alert check (%s)", settings.kalshi.ws_url)
    return refresh


def build_checks(
    settings: Settings,
    *,
    reader: BalanceReader,
    ctx: BotContext,
    web: WebClient,
    store: Store,
    lock: SenderLock,
) -> BackgroundChecks:
    """The bot's own checks, each a job of one loop, in this order: alerts, history, digest; and what
    Slack reads of them (``ctx.alerts``, ``ctx.history``)."""
    from bot.history import HistoryView
    from bot.jobs.alerts import AlertMonitor
    from bot.jobs.digest import DigestJob, digest_schedule
    from bot.jobs.history import HistoryRecorder
    from bot.jobs.loop import BackgroundChecks
    from bot.slack.alert_admin import AlertAdmin
    from bot.slack.notifier import SlackNotifier

    assert settings.history is not None
    interval = settings.history.interval_seconds
    ctx.history = HistoryView(store, interval)
    jobs_store = store.for_jobs()  # the jobs' calls never wait behind people's reads
    jobs: list[Job] = []
    alert_status = None
    if settings.alerts is not None:
        policy = alert_policy(settings.alerts, settings.kalshi.demo)
        ctx.alerts = AlertAdmin(policy, store, settings.alerts.admin_users)
        alert_status = AlertAdmin(policy, jobs_store, settings.alerts.admin_users).status
        notifier = SlackNotifier.for_channel(web, policy.channel, demo=policy.demo, mentions=policy.mentions)
        jobs.append(AlertMonitor(policy, reader, jobs_store, notifier, explain=alert_explainer(reader)))
        log.info("alerts on: %s, channel %s", store.describe(), policy.channel)
    jobs.append(HistoryRecorder(reader, jobs_store, interval))
    log.info("balance history on: a sample every %gs in %s", interval, store.describe())
    if settings.digest is not None:
        digest = settings.digest
        jobs.append(
            DigestJob(
                schedule=digest_schedule(digest),
                reader=reader,
                log_store=jobs_store,
                history=HistoryView(jobs_store, interval),
                notifier=SlackNotifier.for_channel(web, digest.channel, demo=settings.kalshi.demo),
                channel=digest.channel,
                retry_seconds=interval,
                alert_status=alert_status,
                subaccounts=ctx.subaccounts,
                explain=digest_explainer(reader, jobs_store),
            )
        )
        log.info("daily digest on: %s, channel %s", digest.time_text, digest.channel)
    standby = min([interval] + ([settings.alerts.interval_seconds] if settings.alerts else []))
    return BackgroundChecks(jobs, standby_seconds=standby, lock=lock)


def alert_explainer(reader: BalanceReader) -> Callable[[int, int], Explanation | None]:
    """What moved the account's balance between two times, for an alert's line (bot.why)."""
    from bot.why import alert_explanation

    source = cast("ActivitySource", reader.source)  # the Kalshi client
    return lambda since, until: alert_explanation(source, since, until)


def digest_explainer(reader: BalanceReader, store: Store) -> Callable[[], Explanation | None]:
    """Where the last 24 h went, for the digest's line, through /balance why's shared read (bot.why)."""
    from bot.why import digest_explanation

    source = cast("ActivitySource", reader.source)
    return lambda: digest_explanation(reader, source, store)
