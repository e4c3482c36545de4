"""The monitor's state machine with simulated time, a real SQLite store, restarts and injected faults,
checked against a small reference model."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.balance import BalanceReader
from bot.domain.alert_state import CRITICAL, OK, WARNING, AlertState
from bot.domain.levels import Policy
from bot.jobs.alerts import AlertMonitor
from bot.jobs.notifier import Delivery
from bot.kalshi.errors import KalshiAPIError, KalshiTimeout
from bot.kalshi.models import Balance, ExchangeStatus
from bot.slack.blocks.base import Message
from bot.slack.notifier import SlackNotifier
from bot.store.sqlite import SQLiteStore
from tests.conftest import StoreFactory

THRESHOLD = 250_00  # the warning level
CRITICAL_LEVEL = 200_00
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
    portfolio: int = 0
    reads: int = 0

    def get_balance(self) -> Balance:
        self.reads += 1
        if self.observation is FAIL:
            raise KalshiTimeout()
        return Balance(self.observation, self.portfolio, 1)

    def get_exchange_status(self) -> ExchangeStatus:  # asked after a timeout: the exchange is up
        return ExchangeStatus(exchange_active=True, trading_active=True)


@dataclass
class Channel:
    """Where posts go: ``deliver`` decides whether Slack accepts the next one."""

    deliver: Iterator[bool] = field(default_factory=lambda: iter(lambda: True, None))
    delivered: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # the delivered ones

    retry_after: float | None = None  # what a refusal says, as Slack's Retry-After

    def post(self, message: Message) -> Delivery:
        kind = kind_of(message.text)
        self.attempts.append(kind)
        if next(self.deliver):
            self.delivered.append(kind)
            self.messages.append(message)
            return Delivery(True)
        return Delivery(False, self.retry_after)


def kind_of(text: str) -> str:
    for prefix, kind in [
        ("Kalshi balance low", "low"),
        ("Kalshi balance critical", "critical"),
        ("Kalshi balance no longer critical", "above-critical"),
        ("Reminder: Kalshi balance still low", "reminder"),
        ("Reminder: Kalshi balance still critical", "critical-reminder"),
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
        rules = policy(**self.kw)
        notifier = SlackNotifier(self.channel.post, demo=rules.demo, mentions=rules.mentions)
        self.monitor = AlertMonitor(rules, reader, store, notifier, wall=self.clock)

    def tick(self, observation: int | None) -> None:
        self.kalshi.observation = observation
        self.clock.now += self.monitor.tick()


def reference(
    observations: list[int | None], deliver: list[bool], n: int = 3, critical: int | None = None
) -> list[str]:
    """What must be delivered, written independently of the monitor: one pass over the observations.

    The level a balance is in, with hysteresis: a level is entered below it and left at or above it plus
    the margin, the critical level at the warning level at the latest; one message per change of level,
    and a level changes only once its message is sent."""
    delivered: list[str] = []
    outcomes = iter(deliver)
    level = 0  # 0 OK, 1 warning, 2 critical
    notice = False
    failures = 0
    bounds = [THRESHOLD] + ([critical] if critical is not None else [])
    leaves = [THRESHOLD + REARM] + ([min(critical + REARM, THRESHOLD)] if critical is not None else [])
    messages = {(0, 1): "low", (0, 2): "critical", (1, 2): "critical", (2, 1): "above-critical"}

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
        entered = sum(1 for b in bounds if obs < b)  # the deepest level the balance is below
        still = sum(1 for leave in leaves if obs < leave)  # the deepest level it has not left
        if level == 0:
            target = entered
        elif still == 0:
            target = 0
        else:
            target = max(entered, min(level, still))
        if target != level and send(messages.get((level, target), "recovered")):
            level = target
    return delivered


def walk(rng: random.Random, ticks: int, low: int = THRESHOLD - 60_00) -> list[int | None]:
    balance, out = THRESHOLD, []
    for _ in range(ticks):
        if rng.random() < 0.08:
            out.append(FAIL)
            continue
        balance += rng.choice([-1, 1]) * rng.randint(0, 12_00)
        balance = min(max(balance, low), THRESHOLD + 60_00)  # keeps it near the levels
        out.append(balance)
    return out


def check_invariants(observations: list[int | None], channel: Channel) -> None:
    level, allowed = (
        OK,
        {
            (OK, "low"): WARNING,
            (OK, "critical"): CRITICAL,
            (WARNING, "critical"): CRITICAL,
            (CRITICAL, "above-critical"): WARNING,
            (WARNING, "recovered"): OK,
            (CRITICAL, "recovered"): OK,
        },
    )
    for kind in channel.delivered:
        if kind in {"low", "critical", "above-critical", "recovered"}:
            assert (level, kind) in allowed, f"{kind} from {level}: a duplicate or a missed crossing"
            level = allowed[(level, kind)]
    notices = [k for k in channel.delivered if k in {"cannot-read", "reading-again"}]
    assert notices == ["cannot-read", "reading-again"] * (len(notices) // 2) + ["cannot-read"] * (
        len(notices) % 2
    )


@pytest.mark.slow(5)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_walk_of_10000_ticks_with_faults_and_restarts(new_store: StoreFactory, seed: int) -> None:
    rng = random.Random(seed)
    observations = walk(rng, 10_000, low=CRITICAL_LEVEL - 50_00)
    outcomes = [rng.random() > 0.1 for _ in range(30_000)]  # Slack refuses one post in ten
    channel = Channel(deliver=iter(outcomes))
    h = Harness(new_store, channel, default_critical_cents=CRITICAL_LEVEL)
    for i, obs in enumerate(observations):
        if i % 997 == 0:
            h.restart()
        h.tick(obs)
    expected = reference(observations, outcomes, critical=CRITICAL_LEVEL)
    assert channel.delivered == expected
    for kind in ["low", "critical", "above-critical", "recovered"]:  # the walk crossed both, many times
        assert channel.delivered.count(kind) >= 10, kind
    check_invariants(observations, channel)
    final = h.monitor.store.load_state().state
    after = {"low": WARNING, "critical": CRITICAL, "above-critical": WARNING, "recovered": OK}
    level = OK
    for kind in expected:
        level = after.get(kind, level)
    assert final == level


@pytest.mark.slow(3)
@pytest.mark.parametrize("seed", [4])
def test_random_walk_with_one_level(new_store: StoreFactory, seed: int) -> None:
    rng = random.Random(seed)
    observations = walk(rng, 5_000)
    outcomes = [rng.random() > 0.1 for _ in range(15_000)]
    channel = Channel(deliver=iter(outcomes))
    h = Harness(new_store, channel)
    for i, obs in enumerate(observations):
        if i % 997 == 0:
            h.restart()
        h.tick(obs)
    assert channel.delivered == reference(observations, outcomes)
    assert channel.delivered.count("low") >= 20 and "critical" not in channel.delivered
    check_invariants(observations, channel)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(0, 2 * THRESHOLD)), max_size=60),
    st.lists(st.booleans(), min_size=200, max_size=200),
    st.sampled_from([None, CRITICAL_LEVEL, 50_00, THRESHOLD - 1]),
)
def test_any_sequence_matches_the_reference(
    observations: list[int | None], outcomes: list[bool], critical: int | None
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        channel = Channel(deliver=iter(outcomes))
        h = Harness(lambda: SQLiteStore(Path(d) / "s.sqlite3"), channel, default_critical_cents=critical)
        for obs in observations:
            h.tick(obs)
        assert channel.delivered == reference(observations, outcomes, critical=critical)


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
    from bot.domain.alert_state import AlertConfig

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


# -- two levels, mentions, the watched figure ----------------------------------------------------------

DESK = ("U0DESK001", "S0TRADERS", "here")
DESK_MARKUP = ["<@U0DESK001>", "<!subteam^S0TRADERS>", "<!here>"]


def two_levels(new_store: StoreFactory, **kw: object) -> Harness:
    values: dict = {"default_critical_cents": 50_00, "mentions": DESK}
    values.update(kw)
    return Harness(new_store, Channel(), **values)


def test_warning_critical_back_above_critical_recovery_in_order(new_store: StoreFactory) -> None:
    h = two_levels(new_store)
    for obs in [300_00, 200_00, 200_00, 40_00, 40_00, 200_00, 200_00, 300_00, 300_00]:
        h.tick(obs)
    assert h.channel.delivered == ["low", "critical", "above-critical", "recovered"]
    warning, critical, above, recovered = (m.text for m in h.channel.messages)
    assert "$200.00 is below the $250.00 warning level by $50.00" in warning
    assert "$40.00 is below the $50.00 critical level by $10.00" in critical
    assert "Low for 2 min" in critical  # below the warning level since two checks before
    assert "back above the $50.00 critical level; still low until it reaches $260.00" in above
    assert "back above the $250.00 warning level" in recovered and "low for 6 min" in recovered
    for text in [warning, above, recovered]:
        assert not any(tag in text for tag in DESK_MARKUP), text
    for tag in DESK_MARKUP:
        assert tag in critical
        assert tag in str(h.channel.messages[1].blocks)
    assert h.monitor.store.load_state().state == OK


def test_straight_from_ok_to_critical_is_one_message(new_store: StoreFactory) -> None:
    h = two_levels(new_store)
    h.tick(300_00)
    h.tick(10_00)
    h.tick(10_00)
    assert h.channel.delivered == ["critical"]
    state = h.monitor.store.load_state()
    assert state.state == CRITICAL and state.low_since == state.critical_since
    h.tick(300_00)  # straight back up: one recovery, no "no longer critical" first
    assert h.channel.delivered == ["critical", "recovered"]


def test_hysteresis_at_the_critical_level(new_store: StoreFactory) -> None:
    h = two_levels(new_store, rearm_cents=None)  # derived margin: $1 for both levels here
    for obs in [49_99, 50_00, 50_99, 49_00]:
        h.tick(obs)
    assert h.channel.delivered == ["critical"]
    h.tick(51_00)
    h.tick(49_99)
    assert h.channel.delivered == ["critical", "above-critical", "critical"]


def test_with_one_level_the_single_alert_carries_the_mentions(new_store: StoreFactory) -> None:
    h = Harness(new_store, Channel(), mentions=DESK, repeat_seconds=3600.0)
    for _ in range(61):
        h.tick(100_00)
    h.tick(300_00)
    assert h.channel.delivered == ["low", "reminder", "recovered"]
    low, reminder, recovered = (m.text for m in h.channel.messages)
    assert all(tag in low and tag in reminder for tag in DESK_MARKUP)
    assert "<" not in recovered


def test_reminders_repeat_the_current_level(new_store: StoreFactory) -> None:
    h = two_levels(new_store, repeat_seconds=3600.0)
    for _ in range(61):
        h.tick(200_00)
    for _ in range(61):
        h.tick(10_00)
    assert h.channel.delivered == ["low", "reminder", "critical", "critical-reminder"]
    assert "<!here>" in h.channel.messages[3].text and "<!here>" not in h.channel.messages[1].text


def test_total_versus_available(new_store: StoreFactory) -> None:
    available = Harness(new_store, Channel())
    available.kalshi.portfolio = 100_00
    available.tick(200_00)
    assert available.channel.delivered == ["low"]
    text = available.channel.messages[0].text
    assert text.startswith("Kalshi balance low: available balance $200.00 is below")
    blocks = str(available.channel.messages[0].blocks)
    for shown in ["$200.00", "Portfolio value*\\n$100.00", "Total*\\n$300.00", "Shortfall*\\n$50.00"]:
        assert shown in blocks, shown

    available.monitor.store.save_state(AlertState())  # the same store: start afresh, on the total
    total = Harness(new_store, Channel(), watch="total")
    total.kalshi.portfolio = 100_00
    total.tick(200_00)  # total $300.00: above the warning level
    assert total.channel.delivered == []
    total.tick(100_00)  # total $200.00
    assert total.channel.delivered == ["low"]
    assert "total (available + portfolio value) $200.00 is below the $250.00 warning level" in (
        total.channel.messages[0].text
    )


def test_restart_in_critical_sends_no_second_critical(new_store: StoreFactory) -> None:
    h = two_levels(new_store)
    h.tick(10_00)
    h.restart()
    h.tick(10_00)
    h.restart()
    h.tick(20_00)
    assert h.channel.delivered == ["critical"]


def test_critical_level_from_slack_and_cleared_mid_episode(new_store: StoreFactory) -> None:
    from bot.domain.alert_state import AlertConfig

    h = Harness(new_store, Channel(), default_critical_cents=50_00)
    h.monitor.store.save_config(AlertConfig(250_00, "U0ADMIN", 0, critical_cents=100_00, critical_set=True))
    h.tick(80_00)
    assert h.channel.delivered == ["critical"]
    h.monitor.store.save_config(AlertConfig(250_00, "U0ADMIN", 0, critical_cents=None, critical_set=True))
    h.tick(80_00)  # no critical level any more: still low, nothing new to say
    assert h.channel.delivered == ["critical"]
    assert h.monitor.store.load_state().state == WARNING
    h.tick(300_00)
    assert h.channel.delivered == ["critical", "recovered"]


def test_a_critical_level_not_below_the_warning_level_is_ignored(new_store: StoreFactory) -> None:
    from bot.domain.alert_state import AlertConfig

    h = Harness(new_store, Channel(), default_critical_cents=50_00)
    h.monitor.store.save_config(AlertConfig(40_00, "U0ADMIN", 0))  # warning from Slack, under the env's
    assert h.monitor.levels().critical_cents is None
    assert h.monitor.levels().ignored_critical_cents == 50_00
    h.tick(30_00)
    assert h.channel.delivered == ["low"]


def test_a_threshold_lowered_during_an_episode_clears_it_without_a_recovery(new_store: StoreFactory) -> None:
    from bot.domain.alert_state import AlertConfig

    channel = Channel()
    h = Harness(new_store, channel)
    h.tick(100_00)
    h.monitor.store.save_config(AlertConfig(50_00, "U0ADMIN", h.clock.now + 1))
    h.tick(100_00)  # the balance did not move; the threshold did
    assert channel.delivered == ["low", "cleared"]
    h.tick(40_00)
    h.tick(70_00)  # a real recovery above the new threshold and its margin
    assert channel.delivered == ["low", "cleared", "low", "recovered"]
