"""The monitor's state machine with simulated time, a real SQLite store, restarts and injected faults,
checked against a small reference model."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.monitor import AlertMonitor, Policy
from bot.alerts.sqlite import SQLiteAlertStore
from bot.alerts.store import LOW, OK, AlertStore
from bot.balance import BalanceReader
from bot.kalshi.errors import KalshiAPIError, KalshiTimeout
from bot.kalshi.models import Balance
from bot.slack.blocks import Message
from bot.slack.poster import Delivery

THRESHOLD = 250_00
REARM = 10_00
FAIL = None  # an observation that is a failed read


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedKalshi:
    """The balance source for simulated time: each read takes the next observation."""

    observation: int | None = 0
    reads: int = 0

    def get_balance(self) -> Balance:
        self.reads += 1
        if self.observation is FAIL:
            raise KalshiTimeout()
        return Balance(self.observation, 0, 1)


@dataclass
class Channel:
    """Where posts go: ``deliver`` decides whether Slack accepts the next one."""

    deliver: Iterator[bool] = field(default_factory=lambda: iter(lambda: True, None))
    delivered: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)

    retry_after: float | None = None  # what a refusal says, as Slack's Retry-After

    def post(self, message: Message) -> Delivery:
        kind = kind_of(message.text)
        self.attempts.append(kind)
        if next(self.deliver):
            self.delivered.append(kind)
            return Delivery(True)
        return Delivery(False, self.retry_after)


def kind_of(text: str) -> str:
    for prefix, kind in [
        ("Kalshi balance low", "low"),
        ("Reminder", "reminder"),
        ("Kalshi balance recovered", "recovered"),
        ("Cannot read", "cannot-read"),
        ("Reading the Kalshi balance", "reading-again"),
        ("Low-balance alert cleared", "cleared"),
    ]:
        if text.startswith(prefix):
            return kind
    raise AssertionError(text)


def policy(**kw: object) -> Policy:
    values: dict = {
        "channel": "C0ALERTS1",
        "default_threshold_cents": THRESHOLD,
        "interval_seconds": 60.0,
        "repeat_seconds": None,
        "rearm_cents": REARM,
        "failures_before_notice": 3,
    }
    values.update(kw)
    return Policy(**values)


StoreFactory = Callable[[], AlertStore]


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens the same backing store again on each call (a restart opens it anew): both kinds."""
    if request.param == "sqlite":
        return lambda: SQLiteAlertStore(tmp_path / "state.sqlite3")
    from bot.alerts.postgres import PostgresAlertStore

    url = request.getfixturevalue("database_url")
    return lambda: PostgresAlertStore(url)


class Harness:
    def __init__(self, new_store: StoreFactory, channel: Channel, **kw: object) -> None:
        self.new_store, self.channel, self.kw = new_store, channel, kw
        self.clock = Clock()
        self.kalshi = ScriptedKalshi()
        self.restart()

    def restart(self) -> None:
        """A new process on the same state file: nothing survives but the store."""
        if hasattr(self, "monitor"):
            self.monitor.store.close()
        store = self.new_store()
        reader = BalanceReader(self.kalshi, freshness_seconds=0, clock=self.clock, wall=self.clock)
        self.monitor = AlertMonitor(policy(**self.kw), reader, store, self.channel.post, wall=self.clock)

    def tick(self, observation: int | None) -> None:
        self.kalshi.observation = observation
        self.clock.now += self.monitor.tick()


def reference(observations: list[int | None], deliver: list[bool], n: int = 3) -> list[str]:
    """What must be delivered, written independently of the monitor: one pass, five facts."""
    delivered: list[str] = []
    outcomes = iter(deliver)
    low = notice = False
    failures = 0

    def send(kind: str) -> bool:
        ok = next(outcomes)
        if ok:
            delivered.append(kind)
        return ok

    for obs in observations:
        if obs is FAIL:
            failures += 1
            if failures >= n and not notice and send("cannot-read"):
                notice = True
            continue
        failures = 0
        if notice and send("reading-again"):
            notice = False
        if not low and obs < THRESHOLD:
            low = send("low")
        elif low and obs >= THRESHOLD + REARM and send("recovered"):
            low = False
    return delivered


def walk(rng: random.Random, ticks: int) -> list[int | None]:
    balance, out = THRESHOLD, []
    for _ in range(ticks):
        if rng.random() < 0.08:
            out.append(FAIL)
            continue
        balance += rng.choice([-1, 1]) * rng.randint(0, 12_00)
        balance = min(max(balance, THRESHOLD - 60_00), THRESHOLD + 60_00)  # keeps it near the threshold
        out.append(balance)
    return out


def check_invariants(observations: list[int | None], channel: Channel) -> None:
    episode = [k for k in channel.delivered if k in {"low", "recovered"}]
    assert episode == ["low", "recovered"] * (len(episode) // 2) + ["low"] * (len(episode) % 2), "alternation"
    notices = [k for k in channel.delivered if k in {"cannot-read", "reading-again"}]
    assert notices == ["cannot-read", "reading-again"] * (len(notices) // 2) + ["cannot-read"] * (
        len(notices) % 2
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_walk_of_10000_ticks_with_faults_and_restarts(new_store: StoreFactory, seed: int) -> None:
    rng = random.Random(seed)
    observations = walk(rng, 10_000)
    outcomes = [rng.random() > 0.1 for _ in range(30_000)]  # Slack refuses one post in ten
    channel = Channel(deliver=iter(outcomes))
    h = Harness(new_store, channel)
    for i, obs in enumerate(observations):
        if i % 997 == 0:
            h.restart()
        h.tick(obs)
    expected = reference(observations, outcomes)
    assert channel.delivered == expected
    assert channel.delivered.count("low") >= 20  # the walk really crossed, many times
    check_invariants(observations, channel)
    final_low = h.monitor.store.load_state().state == LOW
    assert final_low == (expected.count("low") > expected.count("recovered"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(0, 2 * THRESHOLD)), max_size=60),
    st.lists(st.booleans(), min_size=200, max_size=200),
)
def test_any_sequence_matches_the_reference(observations: list[int | None], outcomes: list[bool]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        channel = Channel(deliver=iter(outcomes))
        h = Harness(lambda: SQLiteAlertStore(Path(d) / "s.sqlite3"), channel)
        for obs in observations:
            h.tick(obs)
        assert channel.delivered == reference(observations, outcomes)


def test_one_alert_per_episode_and_hysteresis(new_store: StoreFactory) -> None:
    channel = Channel()
    h = Harness(new_store, channel)
    for obs in [300_00, 249_99, 100_00, 249_99, 250_00, 259_99, 249_00, 260_00, 260_00, 249_99]:
        h.tick(obs)
    assert channel.delivered == ["low", "recovered", "low"]


def test_failed_reads_are_not_zero_and_notices_come_once(new_store: StoreFactory) -> None:
    channel = Channel()
    h = Harness(new_store, channel)
    h.tick(300_00)
    for _ in range(10):
        h.tick(FAIL)
    assert channel.delivered == ["cannot-read"]
    h.tick(300_00)
    assert channel.delivered == ["cannot-read", "reading-again"]
    assert h.monitor.store.load_state().state == OK


def test_401_is_reported_once_per_episode(new_store: StoreFactory) -> None:
    channel = Channel()
    h = Harness(new_store, channel)

    class Unauthorized(ScriptedKalshi):
        def get_balance(self) -> Balance:
            raise KalshiAPIError("token authentication failure", status=401, code="authentication_error")

    h.kalshi = Unauthorized()
    h.restart()
    for _ in range(20):
        h.tick(0)
    assert channel.delivered == ["cannot-read"]
    assert "authentication" in (h.monitor.store.load_state().last_error or "")


def test_backoff_grows_while_reads_fail(new_store: StoreFactory) -> None:
    h = Harness(new_store, Channel())
    h.kalshi.observation = FAIL
    delays = [h.monitor.tick() for _ in range(6)]
    assert delays == [60, 120, 240, 480, 600, 600]
    h.kalshi.observation = 300_00
    assert h.monitor.tick() == 60


def test_undelivered_alert_is_retried_not_marked_sent(new_store: StoreFactory) -> None:
    channel = Channel(deliver=iter([False, False, True, True]))
    h = Harness(new_store, channel)
    h.tick(100_00)
    h.tick(100_00)
    assert h.monitor.store.load_state().state == OK and channel.delivered == []
    h.tick(100_00)
    h.tick(100_00)
    assert channel.attempts == ["low", "low", "low"] and channel.delivered == ["low"]


def test_reminders_every_repeat_interval(new_store: StoreFactory) -> None:
    channel = Channel()
    h = Harness(new_store, channel, repeat_seconds=3600.0)
    for _ in range(181):  # three hours at one check a minute, both ends included
        h.tick(100_00)
    assert channel.delivered == ["low", "reminder", "reminder", "reminder"]


def test_restart_during_a_low_episode_sends_no_second_alert(new_store: StoreFactory) -> None:
    channel = Channel()
    h = Harness(new_store, channel)
    h.tick(100_00)
    h.restart()
    h.tick(100_00)
    h.tick(300_00)
    assert channel.delivered == ["low", "recovered"]


def test_threshold_from_slack_wins_and_off_stops_reading(new_store: StoreFactory) -> None:
    from bot.alerts.store import AlertConfig

    channel = Channel()
    h = Harness(new_store, channel)
    h.monitor.store.save_config(AlertConfig(50_00, "U0ADMIN", 0))
    h.tick(100_00)
    assert channel.delivered == []
    h.monitor.store.save_config(AlertConfig(None, "U0ADMIN", 0))
    reads = h.kalshi.reads
    h.tick(1)
    assert channel.delivered == [] and h.kalshi.reads == reads


def test_slack_retry_after_postpones_the_next_check(new_store: StoreFactory) -> None:
    channel = Channel(deliver=iter([False, True]), retry_after=300.0)
    h = Harness(new_store, channel)
    h.kalshi.observation = 100_00
    assert h.monitor.tick() == 300.0  # refused with Retry-After: 300 > the 60 s interval
    assert h.monitor.tick() == 60.0
    assert channel.delivered == ["low"]


def test_a_threshold_lowered_during_an_episode_clears_it_without_a_recovery(new_store: StoreFactory) -> None:
    from bot.alerts.store import AlertConfig

    channel = Channel()
    h = Harness(new_store, channel)
    h.tick(100_00)
    h.monitor.store.save_config(AlertConfig(50_00, "U0ADMIN", h.clock.now + 1))
    h.tick(100_00)  # the balance did not move; the threshold did
    assert channel.delivered == ["low", "cleared"]
    h.tick(40_00)
    h.tick(70_00)  # a real recovery above the new threshold and its margin
    assert channel.delivered == ["low", "cleared", "low", "recovered"]
