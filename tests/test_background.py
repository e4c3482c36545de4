"""The loop of the bot's own checks on a controlled clock: jobs in order, each at its own pace, a bad
tick does not stop the others, and only the lock's holder runs them."""

from __future__ import annotations

import time

from bot.jobs.loop import BackgroundChecks


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Job:
    def __init__(self, name: str, delay: float, ran: list[str], fail: bool = False) -> None:
        self.name, self.delay, self.ran, self.fail = name, delay, ran, fail

    def tick(self) -> float:
        self.ran.append(self.name)
        if self.fail:
            raise RuntimeError("boom")
        return self.delay


class Lock:
    def __init__(self, held: bool) -> None:
        self.held = held
        self.released = False

    def try_acquire(self) -> bool:
        return self.held

    def release(self) -> None:
        self.released = True


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
