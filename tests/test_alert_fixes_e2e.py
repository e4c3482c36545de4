"""Four alert behaviours end to end, against the running bot, the fake Kalshi and the fake Slack: a
reminder inside the re-arm band, a critical level close to the warning level, a change of the watched
figure across a restart, and the digest naming the people alerts mention without notifying them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.alert_state import CRITICAL, WARNING, AlertState
from bot.store.sqlite import SQLiteStore
from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import BALANCE, FakeKalshi
from tests.fakes.kalshi_activity import FILLS, fill
from tests.fakes.slack import FakeSlack
from tests.test_alerts_e2e import CHANNEL, delivered, wait_posts
from tests.test_digest import DIGEST, at, digests
from tests.waits import wait_committed

StartBot = Callable[..., BotProcess]


def wait_reads(kalshi: FakeKalshi, count: int, timeout: float = 15) -> None:
    """Until the bot has read the balance ``count`` more times: its checks ran, whatever they said."""
    target = len(kalshi.seen(BALANCE)) + count
    deadline = time.monotonic() + timeout
    while len(kalshi.seen(BALANCE)) < target:
        assert time.monotonic() < deadline, "the bot's checks did not run"
        time.sleep(0.05)


def seed(tmp_path: Path, state: AlertState) -> None:
    """The store a running bot would have left: an episode under way."""
    store = SQLiteStore(tmp_path / "state.sqlite3")
    store.save_state(state)
    store.close()


def test_a_reminder_inside_the_re_arm_band_says_what_recovery_needs(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    now = time.time()
    seed(
        tmp_path, AlertState(WARNING, low_since=now - 7200, last_notified_at=now - 3600, watching="available")
    )
    kalshi.set_balance(252_00)  # above the $250 warning level, below $255 where it recovers
    start_bot(**{**ALERTS_ENV, "BALANCE_ALERT_REARM": "5", "BALANCE_ALERT_REPEAT": "0.25"})
    (reminder,) = wait_posts(slack, 1)
    assert "not yet recovered" in reminder and "recovers at $255.00" in reminder, reminder
    assert "-$" not in reminder and "below the" not in reminder
    post = json.dumps(slack.posts()[0].body["blocks"])
    assert "-$" not in post and "$255.00" in post


@pytest.mark.slow(6)
def test_a_critical_level_close_to_the_warning_level_ends_at_the_warning_level(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(100_00)
    env = {**ALERTS_ENV, "BALANCE_ALERT_CRITICAL": "$249.50"}
    env.pop("BALANCE_ALERT_REARM")  # 2% of $249.50 is $4.99: past the warning level
    bot = start_bot(**env, BALANCE_ALERT_REPEAT="0.25")
    (critical,) = wait_posts(slack, 1)
    assert critical.startswith("Kalshi balance critical")
    wait_committed(bot, CRITICAL)
    kalshi.set_balance(254_00)  # above both levels, short of the $255.00 recovery
    (_, calmer) = wait_posts(slack, 2)
    assert calmer.startswith("Kalshi balance no longer critical") and "$255.00" in calmer, calmer
    wait_committed(bot, WARNING)
    wait_reads(kalshi, 2)
    assert len(delivered(slack)) == 2 and "-$" not in " ".join(delivered(slack))


@pytest.mark.slow(5)
def test_changing_the_watched_figure_clears_the_alert_instead_of_claiming_a_recovery(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(200_00, portfolio_value=100_00)  # available $200 low; total $300 above
    bot = start_bot(**ALERTS_ENV)
    (low,) = wait_posts(slack, 1)
    assert low.startswith("Kalshi balance low")
    wait_committed(bot, WARNING)
    assert bot.stop() == 0
    start_bot(**ALERTS_ENV, BALANCE_ALERT_ON="total")  # nothing moved; the watched figure did
    (_, cleared) = wait_posts(slack, 2)
    assert cleared.startswith("Low-balance alert cleared") and "now watching the total" in cleared, cleared
    assert "recovered" not in cleared
    wait_reads(kalshi, 2)
    assert len(delivered(slack)) == 2


@pytest.mark.slow(3)
def test_the_digest_names_who_alerts_mention_without_notifying_them(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(1_234_56)
    start_bot(
        **ALERTS_ENV,
        BALANCE_ALERT_MENTION="U0ONCALL1,here",
        BALANCE_DIGEST_TIME=at(4),
        BALANCE_DIGEST_CHANNEL=DIGEST,
    )
    slack.wait_for(digests, 20)
    body = next(c for c in slack.posts() if c.body.get("channel") == DIGEST).body
    shown = json.dumps(body)
    assert "U0ONCALL1" in shown and "<@U0ONCALL1>" not in shown and "<!here>" not in shown
    assert [c for c in slack.posts() if c.body.get("channel") == CHANNEL] == []


@pytest.mark.slow(5)
def test_an_alert_says_what_moved_the_balance_and_the_digest_where_the_day_went(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(1_000_00)
    bot = start_bot(**ALERTS_ENV, BALANCE_DIGEST_TIME=at(5), BALANCE_DIGEST_CHANNEL=DIGEST)
    wait_reads(kalshi, 1)  # the first reading, above the level
    now = int(time.time())
    kalshi.activity.add(FILLS, fill("KXA-1", now, count="100.00", yes_price="0.5600", fee="0.7000"))
    kalshi.activity.add(FILLS, fill("KXB-1", now, count="50.00", yes_price="0.9000", fee="0.3000"))
    kalshi.set_balance(100_00)
    (alert,) = wait_posts(slack, 1)
    assert "2 fills on 2 markets" in alert and "-$102.00 including $1.00 fees" in alert, alert
    slack.wait_for(digests, 20)
    digest = next(c for c in slack.posts() if c.body.get("channel") == DIGEST).body["text"]
    assert "Where the day went: trades -$102.00 (fees $1.00)" in digest, digest
    assert len(kalshi.seen(FILLS)) == 2, "the fills are read once for the alert, once for the digest"
    assert "Traceback" not in bot.logs()
