"""The loop of the bot's own checks on a controlled clock: jobs in order, each at its own pace, a bad
tick does not stop the others, and only the lock's holder runs them."""

from __future__ import annotations

import logging
import time

import pytest

from bot.jobs.loop import GIVE_UP_AFTER, BackgroundChecks
from bot.store import StoreUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Job:
    def __init__(self, name: str, delay: float, ran: list[str], fail: bool = False) -> None:
        self.name, self.delay, self.ran, self.fail = name, delay, ran, fail
        self.store_down = False
        self.unsaved: str | None = None  # what it posted and could not record

    def tick(self) -> float:
        self.ran.append(self.name)
        if self.store_down:
            raise StoreUnavailable("lock timeout")
        if self.fail:
            raise RuntimeError("boom")
        return self.delay

    def settle(self) -> str | None:
        return self.unsaved


class Lock:
    def __init__(self, held: bool) -> None:
        self.held = held
        self.released = False
        self.releases = 0

    def try_acquire(self) -> bool:
        return self.held

    def release(self) -> None:
        self.released = True
        self.releases += 1


def test_jobs_run_in_order_each_at_its_own_pace_and_survive_a_bad_tick() -> None:
    clock, ran = Clock(), []
    checks = BackgroundChecks(
        [Job("alert", 60, ran), Job("history", 300, ran), Job("bad", 60, ran, fail=True)],
        standby_seconds=60,
        clock=clock,
    )
    assert checks.run_due() == 60
    assert ran == ["alert", "history", "bad"]
    clock.now += 60
    checks.run_due()
    assert ran[3:] == ["alert", "bad"]  # history waits its 300 s
    clock.now += 240
    checks.run_due()
    assert ran[5:] == ["alert", "history", "bad"]


def test_only_the_lock_holder_runs_the_jobs_and_stop_releases_the_lock() -> None:
    for held in (True, False):
        ran: list[str] = []
        lock = Lock(held)
        checks = BackgroundChecks([Job("alert", 0.05, ran)], standby_seconds=0.05, lock=lock)
        checks.start()
        time.sleep(0.3)
        checks.stop()
        assert bool(ran) is held
        assert lock.released
        checks.stop()  # twice is fine


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_sender_whose_passes_keep_failing_on_the_store_lets_the_lock_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    ran: list[str] = []
    job, lock = Job("alert", 0.01, ran), Lock(True)
    job.store_down = True
    checks = BackgroundChecks([job], standby_seconds=0.01, lock=lock)
    checks.start()
    wait_until(lambda: lock.releases >= 1)
    assert len(ran) == GIVE_UP_AFTER  # after the third failed pass in a row, not before
    assert "3 passes in a row failed on the store (lock timeout): this process gives up the sender role" in (
        caplog.text
    )
    job.store_down = False  # the store is back: it takes the role again at its next pass and goes on
    count = len(ran)
    wait_until(lambda: len(ran) > count + 3)
    checks.stop()
    assert caplog.text.count("this process sends the alerts") == 2


def test_a_sender_keeps_the_role_while_something_it_posted_waits_to_be_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []
    job, lock = Job("alert", 0.01, ran), Lock(True)
    job.store_down, job.unsaved = True, "the low-balance alert"
    checks = BackgroundChecks([job], standby_seconds=0.01, lock=lock)
    checks.start()
    wait_until(lambda: len(ran) >= GIVE_UP_AFTER + 2)
    assert lock.releases == 0
    assert "keeping the sender role despite 3 failed passes: the low-balance alert waits to be recorded" in (
        caplog.text
    )
    checks.stop()  # on its way out it says what may be posted again
    assert (
        "stopping with the low-balance alert posted but not recorded: it may be posted again" in caplog.text
    )
    assert lock.releases == 1
