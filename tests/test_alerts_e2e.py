"""Alerts end to end: bot processes, the fake Kalshi, chat.postMessage on the fake Slack, real restarts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import ApiReply, FakeSlack
from tests.waits import store_row, wait_checks, wait_committed, wait_log, wait_until

StartBot = Callable[..., BotProcess]
CHANNEL = "C0ALERTS1"


def delivered(slack: FakeSlack) -> list[str]:
    """Texts of the posts Slack accepted (the fake answers ok unless scripted otherwise)."""
    return [c.body["text"] for c in slack.posts() if c.body.get("channel") == CHANNEL]


def wait_posts(slack: FakeSlack, count: int, timeout: float = 15) -> list[str]:
    slack.wait_for(lambda s: len(delivered(s)) >= count, timeout)
    return delivered(slack)


@pytest.mark.slow(12)
def test_alert_survives_sigkill_then_one_recovery(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(100_00)
    # Slack's "ok" comes 0.5 s after the post reaches it: a kill as soon as the post is seen would land
    # before the commit, every time, and the restarted bot would rightly alert again
    slack.script("chat.postMessage", ApiReply(delay=0.5))
    bot = start_bot(**alert_env)
    (alert,) = wait_posts(slack, 1)
    assert alert.startswith("Kalshi balance low") and "$100.00" in alert and "$250.00" in alert
    assert "by $150.00" in alert
    post = slack.posts()[0].body
    assert post["blocks"][0]["type"] == "header" and post["channel"] == CHANNEL

    wait_committed(bot, "warning")  # past the at-least-once window between Slack's "ok" and the commit
    bot.kill()  # SIGKILL mid-episode
    again = start_bot(**alert_env)
    wait_checks(again, 2, since=again.started_at)  # two checks after the restart, still low
    assert len(delivered(slack)) == 1, "a restart must not alert again"

    kalshi.set_balance(259_99)  # above the threshold, below the re-arm margin: still low
    wait_checks(again, 2)
    assert len(delivered(slack)) == 1
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2)
    assert texts[1].startswith("Kalshi balance recovered") and "$300.00" in texts[1]
    wait_checks(again, 2)
    assert len(delivered(slack)) == 2
    assert again.stop() == 0


@pytest.mark.slow(8)
def test_slack_failures_are_logged_and_retried_without_duplicates(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(100_00)
    slack.script(
        "chat.postMessage",
        ApiReply(body={"ok": False, "error": "channel_not_found"}),
        ApiReply(status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"}),
        ApiReply(status=500, body={"ok": False, "error": "fatal_error"}),
    )
    bot = start_bot(**ALERTS_ENV)
    slack.wait_for(lambda s: len(s.posts()) >= 4, 20)
    wait_checks(bot, 2)
    posts = slack.posts()
    assert len(posts) == 4, "three refused attempts, then exactly one delivered alert"
    logs = bot.logs()
    assert "channel_not_found" in logs and "check BALANCE_ALERT_CHANNEL" in logs
    assert "ratelimited" in logs and "wait 1s" in logs
    assert "low-balance alert not delivered; it will be tried again" in logs


@pytest.mark.slow(12)
def test_failed_reads_give_one_notice_then_one_reading_again(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    from tests.fakes.kalshi import Reply

    kalshi.default = Reply(401, {"error": {"code": "authentication_error", "message": "token failure"}})
    bot = start_bot(**ALERTS_ENV, BALANCE_ALERT_FAILURES="2", KALSHI_TIMEOUT_SECONDS="1")
    (notice,) = wait_posts(slack, 1, timeout=20)
    assert notice.startswith("Cannot read the Kalshi balance") and "token failure" in notice

    def failures() -> int:
        row = store_row(bot, "SELECT failures FROM alert_state WHERE id = 1")
        return int(row[0]) if row else 0

    wait_until(lambda: failures() >= 3, 20, "a third failed check")  # 4 s after the notice (backoff)
    reads = kalshi.count
    wait_until(lambda: kalshi.count > reads, 10, "the loop's next read")  # so the third check is over
    assert len(delivered(slack)) == 1, "a 401 is reported once per episode"
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2, timeout=30)  # backoff: the next check may be 8 s away
    assert texts[1].startswith("Reading the Kalshi balance again") and "$300.00" in texts[1]


@pytest.mark.slow(8)
def test_two_processes_one_sender_and_takeover(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(100_00)
    first = start_bot(**alert_env)
    wait_posts(slack, 1)
    second = start_bot(**alert_env)
    wait_log(second, "another process holds the alert lock; standing by")
    wait_checks(first, 2)
    assert len(delivered(slack)) == 1

    first.kill()
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2, timeout=15)
    assert texts[1].startswith("Kalshi balance recovered")
    assert "this process sends the alerts" in second.logs()
    wait_checks(second, 1)
    assert len(delivered(slack)) == 2


@pytest.mark.slow(3)
def test_alert_commands_from_slack(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(300_00)
    bot = start_bot(**alert_env)
    wait_checks(bot, 1, since=bot.started_at)  # the first check is done

    bot.command("alert", slack.response_url("show"))
    status = slack.wait_response("show").body
    assert "below $250.00" in status["text"] and "state OK" in status["text"]
    assert f"<#{CHANNEL}>" in json.dumps(status["blocks"])

    bot.command("alert 500", slack.response_url("nope"), user="U0STRANGER")
    assert "Only the bot's admins" in slack.wait_response("nope").body["text"]

    for bad in ["abc", "-5", "1e9", "12.345", "99999999999", "<!channel>", "\uff12\uff15\uff10"]:
        name = f"bad-{abs(hash(bad))}"
        bot.command(f"alert {bad}", slack.response_url(name), user="U0ADMIN01")
        text = slack.wait_response(name).body["text"]
        assert text.startswith("Nothing changed"), text
        assert "<!channel>" not in text

    bot.command("alert $1,000", slack.response_url("set"), user="U0ADMIN01")
    assert "below $1,000.00" in slack.wait_response("set").body["text"]
    (alert,) = wait_posts(slack, 1)  # 300 < 1,000: the next check alerts
    assert "$1,000.00" in alert

    bot.stop()
    bot = start_bot(**alert_env)  # the threshold set from Slack survives the restart
    bot.command("alert", slack.response_url("after"))
    assert "below $1,000.00" in slack.wait_response("after").body["text"]

    bot.command("alert off", slack.response_url("off"), user="U0ADMIN01")
    assert "is off" in slack.wait_response("off").body["text"]
    bot.command("alert", slack.response_url("shown-off"))
    assert "alert is off" in slack.wait_response("shown-off").body["text"]


def test_alert_command_without_alerts_configured(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    bot = start_bot()
    bot.command("alert 250", slack.response_url("na"))
    assert "not set up" in slack.wait_response("na").body["text"]


DESK = {"BALANCE_ALERT_CRITICAL": "50", "BALANCE_ALERT_MENTION": "U0DESK001, S0TRADERS, here"}
DESK_MARKUP = ["<@U0DESK001>", "<!subteam^S0TRADERS>", "<!here>"]


@pytest.mark.slow(18)
def test_warning_critical_and_recovery_in_order_whatever_restarts_happen(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    """300 -> 200 -> 40 -> 200 -> 300 with levels 250/50, a kill -9 in the critical state and one
    between each step: a warning, one critical alert with the desk mentioned, one "no longer critical",
    one recovery."""
    env = {**alert_env, **DESK}
    kalshi.set_balance(300_00, portfolio_value=12_34)
    bot = start_bot(**env)
    wait_checks(bot, 2, since=bot.started_at)
    assert delivered(slack) == []

    kalshi.set_balance(200_00, portfolio_value=12_34)
    (warning,) = wait_posts(slack, 1)
    assert warning.startswith("Kalshi balance low") and "below the $250.00 warning level by $50.00" in warning
    assert not any(tag in warning for tag in DESK_MARKUP)
    wait_committed(bot, "warning")
    bot.kill()
    bot = start_bot(**env)

    kalshi.set_balance(40_00, portfolio_value=12_34)
    critical = wait_posts(slack, 2)[1]
    assert critical.startswith("Kalshi balance critical")
    assert "below the $50.00 critical level by $10.00" in critical
    assert all(tag in critical for tag in DESK_MARKUP)
    blocks = json.dumps(slack.posts()[1].body["blocks"])
    for shown in ["$40.00", "$12.34", "$52.34", "Critical level, $50.00", "Low for"]:
        assert shown in blocks, shown

    wait_committed(bot, "critical")
    bot.kill()  # SIGKILL in the critical state
    bot = start_bot(**env)
    wait_checks(bot, 2, since=bot.started_at)  # two checks after the restart, still critical
    assert len(delivered(slack)) == 2, "a restart must not send a second critical alert"

    kalshi.set_balance(200_00, portfolio_value=12_34)
    above = wait_posts(slack, 3)[2]
    assert above.startswith("Kalshi balance no longer critical")
    wait_committed(bot, "warning")
    bot.kill()
    bot = start_bot(**env)
    kalshi.set_balance(300_00, portfolio_value=12_34)
    texts = wait_posts(slack, 4)
    assert texts[3].startswith("Kalshi balance recovered")
    for text in texts[2:]:
        assert "<" not in text, "no mention in what is not a critical alert"
    wait_checks(bot, 2)
    assert len(delivered(slack)) == 4
    assert bot.stop() == 0


@pytest.mark.slow(4)
def test_straight_to_critical_is_one_alert(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    kalshi.set_balance(10_00)
    bot = start_bot(**ALERTS_ENV, **DESK)
    (alert,) = wait_posts(slack, 1)
    assert alert.startswith("Kalshi balance critical") and "<!here>" in alert
    wait_checks(bot, 2)
    assert len(delivered(slack)) == 1


@pytest.mark.slow(4)
def test_alert_on_the_total(start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    kalshi.set_balance(200_00, portfolio_value=100_00)  # available below $250, total $300.00 above
    bot = start_bot(**ALERTS_ENV, BALANCE_ALERT_ON="total")
    wait_checks(bot, 2, since=bot.started_at)
    assert delivered(slack) == []
    bot.command("alert", slack.response_url("show"))
    assert "on the total (available + portfolio value)" in slack.wait_response("show").body["text"]
    kalshi.set_balance(200_00, portfolio_value=10_00)  # total $210.00
    (alert,) = wait_posts(slack, 1)
    assert "total (available + portfolio value) $210.00 is below the $250.00 warning level by $40.00" in alert


def test_critical_level_commands_and_refusals(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(300_00)
    bot = start_bot(**alert_env, BALANCE_ALERT_MENTION="U0DESK001,here")

    def reply(text: str, user: str = "U0ADMIN01") -> str:
        name = f"r{abs(hash((text, user, time.monotonic())))}"
        bot.command(text, slack.response_url(name), user=user)
        return str(slack.wait_response(name).body["text"])

    status = reply("alert")
    assert "warning below $250.00, no critical level" in status and "state OK" in status
    assert "mentions: U0DESK001, @here" in status and "on the available balance" in status

    assert "Only the bot's admins" in reply("alert critical 50", user="U0STRANGER")
    refusals = {
        "alert critical 250": "the critical level must be below the warning level, $250.00",
        "alert critical 300": "the critical level must be below the warning level, $250.00",
        "alert critical 0": "a critical level of $0.00 would never alert",
        "alert critical abc": "the amount must be dollars",
        "alert critical \u0665\u0660": "the amount must be written with the digits 0-9",
        "alert critical": "an amount in dollars is needed",
        "alert critical <!channel>": "the amount must be dollars",
    }
    for command, why in refusals.items():
        text = reply(command)
        assert text.startswith("Nothing changed") and why in text, (command, text)
        assert "<!channel>" not in text
    assert "no critical level" in reply("alert"), "refusals changed nothing"

    assert "a critical alert goes to" in reply("alert critical 50") and "$50.00" in reply("alert")
    assert "critical below $50.00" in reply("alert")
    text = reply("alert 40")
    assert text.startswith("Nothing changed") and "above the critical level, $50.00" in text
    assert "falls below $300.00" in reply("alert warning 300")
    assert "warning below $300.00, critical below $50.00" in reply("alert")

    bot.stop()
    bot = start_bot(**alert_env)  # both levels set from Slack survive the restart
    assert "warning below $300.00, critical below $50.00" in reply("alert")
    assert "no critical level" in reply("alert critical off")
    assert "warning below $300.00, no critical level" in reply("alert")
    assert "is off" in reply("alert off")
    text = reply("alert critical 50")
    assert text.startswith("Nothing changed") and "the alert is off" in text


@pytest.mark.slow(4)
def test_upgrading_from_the_single_level_release_posts_nothing_new(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str], tmp_path: Path
) -> None:
    """A store the single-level release left in its LOW state: the bot starts on it, sends nothing
    while the balance stays low, and one recovery when it is back."""
    from tests.test_alert_migration import old_postgres_database, old_sqlite_file

    if "DATABASE_URL" in alert_env:
        old_postgres_database(alert_env["DATABASE_URL"])
    else:
        old_sqlite_file(tmp_path / "state.sqlite3")  # BOT_STATE_PATH of the bots start_bot starts
    kalshi.set_balance(100_00)
    bot = start_bot(**alert_env, BALANCE_ALERT_CRITICAL="50")
    wait_checks(bot, 2, since=bot.started_at)
    assert delivered(slack) == []
    bot.command("alert", slack.response_url("show"))
    assert "state WARNING" in slack.wait_response("show").body["text"]
    kalshi.set_balance(300_00)
    (recovered,) = wait_posts(slack, 1)
    assert recovered.startswith("Kalshi balance recovered")


@pytest.mark.slow(6)
def test_lowering_the_threshold_clears_the_alert_without_claiming_a_recovery(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    kalshi.set_balance(100_00)
    bot = start_bot(**ALERTS_ENV)
    (alert,) = wait_posts(slack, 1)
    assert alert.startswith("Kalshi balance low")
    bot.command("alert 50", slack.response_url("lower"), user="U0ADMIN01")
    assert "below $50.00" in slack.wait_response("lower").body["text"]
    texts = wait_posts(slack, 2)
    assert not texts[1].startswith("Kalshi balance recovered"), texts[1]
    assert "warning level was changed" in texts[1] and "$50.00" in texts[1], texts[1]
    assert "cleared" in texts[1], texts[1]
    wait_checks(bot, 2)
    assert len(delivered(slack)) == 2
    kalshi.set_balance(40_00)  # below the new threshold: a new episode alerts as usual
    texts = wait_posts(slack, 3)
    assert texts[2].startswith("Kalshi balance low") and "$50.00" in texts[2]


def test_the_cannot_read_notice_names_maintenance(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    from tests.fakes.kalshi import EXCHANGE_STATUS, Reply, exchange_status_body

    kalshi.default = Reply(503, {"code": "service_unavailable", "message": "service unavailable"})
    kalshi.route(EXCHANGE_STATUS, Reply(body=exchange_status_body(False, "2026-11-27T03:30:00Z")))
    start_bot(**ALERTS_ENV, BALANCE_ALERT_FAILURES="1", KALSHI_TIMEOUT_SECONDS="1")
    (notice,) = wait_posts(slack, 1, timeout=20)
    assert notice.startswith("Cannot read the Kalshi balance") and "Kalshi is under maintenance" in notice
    assert "2026-11-27 03:30 UTC" in notice
    post = next(c.body for c in slack.posts() if c.body.get("channel") == CHANNEL)
    assert "<!date^1795750200^" in json.dumps(post["blocks"])
