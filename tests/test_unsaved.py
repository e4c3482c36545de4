"""What was posted is never posted twice: the store stops answering right after Slack's "ok", for a pass,
for ten minutes, for more than the digest's hour of grace. What was posted is kept in memory and
recorded as soon as the store answers, before anything else is decided: one alert, one digest, and a
posted digest is never recorded as skipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.balance import BalanceReader
from bot.config import DigestSettings
from bot.domain.alert_state import WARNING
from bot.domain.history import SENT
from bot.history import HistoryView
from bot.jobs.alerts import AlertMonitor
from bot.jobs.digest import DigestJob, digest_schedule
from bot.jobs.notifier import Delivery
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store import StoreUnavailable
from bot.store.sqlite import SQLiteStore
from tests.conftest import StoreFactory
from tests.test_alert_monitor import Channel, Clock, ScriptedKalshi, policy
from tests.test_digest import DIGEST, NINE_AM, Kalshi
from tests.test_digest import Channel as DigestChannel
from tests.test_digest import Clock as DigestClock


class Outage:
    """The store, with an outage on demand: while ``down``, every call fails as a hung database's does."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailable("no answer in 8s")
            return attr(*args, **kwargs)

        return call


def down_after_posting(post: Callable[[Message], Delivery], store: Outage) -> Callable[[Message], Delivery]:
    def posted(message: Message) -> Delivery:
        delivery = post(message)
        store.down = True  # Slack said "ok"; the store stops answering at once
        return delivery

    return posted


def through_the_outage(job: AlertMonitor | DigestJob, clock: Any, store: Outage, until: float) -> None:
    """A pass a minute while the store is down until ``until`` (each fails at once, having done nothing
    else), then the store is back and two passes run."""
    while clock.now < until:
        clock.now += 60
        with pytest.raises(StoreUnavailable):
            job.tick()
    store.down = False
    clock.now += 60
    job.tick()
    job.tick()


@pytest.mark.parametrize("passes", [1, 10, 100])
def test_an_alert_posted_before_an_outage_is_recorded_after_it_and_not_posted_again(
    new_store: StoreFactory, passes: int
) -> None:
    clock, kalshi, channel = Clock(), ScriptedKalshi(observation=100_00), Channel()
    store = Outage(new_store())
    reader = BalanceReader(kalshi, freshness_seconds=0, clock=clock, wall=clock)
    notifier = SlackNotifier(down_after_posting(channel.post, store))
    monitor = AlertMonitor(policy(), reader, store, notifier, wall=clock)  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailable):
        monitor.tick()  # posted, not recorded
    assert channel.delivered == ["low"] and monitor.settle() == "the low-balance alert"
    through_the_outage(monitor, clock, store, clock.now + passes * 60)
    assert channel.delivered == ["low"] and store.load_state().state == WARNING
    assert monitor.settle() is None
    store.store.close()


def digest_job(store: Outage, clock: DigestClock, channel: DigestChannel) -> DigestJob:
    return DigestJob(
        schedule=digest_schedule(DigestSettings(9, 0, 0, "UTC", DIGEST)),
        reader=BalanceReader(Kalshi(), freshness_seconds=0, clock=clock, wall=clock),
        log_store=store,  # type: ignore[arg-type]
        history=HistoryView(store, 60, wall=clock),  # type: ignore[arg-type]
        notifier=SlackNotifier(down_after_posting(channel.post, store)),
        channel=DIGEST,
        retry_seconds=60,
        wall=clock,
    )


@pytest.mark.parametrize("outage_minutes", [10, 67])
def test_a_digest_posted_before_an_outage_is_posted_once_and_recorded_as_sent(
    tmp_path: Path, outage_minutes: int
) -> None:
    """A 10-minute outage used to give two digests; a 67-minute one recorded the posted one as skipped."""
    clock, channel = DigestClock(NINE_AM), DigestChannel()
    store = Outage(SQLiteStore(tmp_path / "s.sqlite3"))
    digest = digest_job(store, clock, channel)
    with pytest.raises(StoreUnavailable):
        digest.tick()
    assert len(channel.posted) == 1 and digest.settle() == "the daily digest of 2026-11-26"
    through_the_outage(digest, clock, store, NINE_AM + outage_minutes * 60)
    assert len(channel.posted) == 1 and store.digest_status("2026-11-26") == SENT
    store.store.close()


def test_a_sender_that_lost_its_lock_records_what_it_posted_and_never_overwrites_the_new_senders(
    new_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The first process posts, the store stops answering, its lock goes with it, and another process
    becomes the sender. When the store is back the first records what it posted (as a standby, at its
    next turn), so the new sender does not post it again; if the new sender was first, the first one's
    record gives way to its."""
    clock, kalshi = Clock(), ScriptedKalshi(observation=100_00)
    first_channel, second_channel = Channel(), Channel()
    store = Outage(new_store())

    def monitor(channel: Channel, post: Callable[[Message], Delivery]) -> AlertMonitor:
        reader = BalanceReader(kalshi, freshness_seconds=0, clock=clock, wall=clock)
        return AlertMonitor(policy(), reader, store, SlackNotifier(post), wall=clock)  # type: ignore[arg-type]

    first = monitor(first_channel, down_after_posting(first_channel.post, store))
    with pytest.raises(StoreUnavailable):
        first.tick()
    store.down = False
    assert first.settle() is None  # recorded as a standby would
    second = monitor(second_channel, second_channel.post)
    clock.now += 60
    second.tick()
    assert first_channel.delivered == ["low"] and second_channel.delivered == []

    kalshi.observation = 300_00  # recovered: the first one posts it, and loses the store again
    first = monitor(first_channel, down_after_posting(first_channel.post, store))
    clock.now += 60
    with pytest.raises(StoreUnavailable):
        first.tick()
    store.down = False
    clock.now += 60
    second.tick()  # the new sender was quicker: it posts the recovery too, and records it
    assert second_channel.delivered == ["recovered"]
    kalshi.observation = 100_00
    clock.now += 60
    second.tick()  # and has moved on since
    assert first.settle() is None and store.load_state().state == WARNING  # the first gave way
    assert "another process changed it meanwhile (and may have posted it again)" in caplog.text
    store.store.close()
