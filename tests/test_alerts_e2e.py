"""Alerts end to end: bot processes, the fake Kalshi, chat.postMessage on the fake Slack, real restarts."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable

from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import ApiReply, FakeSlack

StartBot = Callable[..., BotProcess]
CHANNEL = "C0ALERTS1"


def delivered(slack: FakeSlack) -> list[str]:
    """Texts of the posts Slack accepted (the fake answers ok unless scripted otherwise)."""
    return [c.body["text"] for c in slack.posts() if c.body.get("channel") == CHANNEL]


def wait_posts(slack: FakeSlack, count: int, timeout: float = 15) -> list[str]:
    slack.wait_for(lambda s: len(delivered(s)) >= count, timeout)
    return delivered(slack)


def committed_state(bot: BotProcess) -> str | None:
    """The alert state as committed in the bot's store (SQLite file or PostgreSQL), read from outside."""
    query = "SELECT state FROM alert_state WHERE id = 1"
    if "DATABASE_URL" in bot.env:
        import psycopg

        with psycopg.connect(bot.env["DATABASE_URL"]) as conn:
            try:
                row = conn.execute(query).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
    else:
        import sqlite3

        with contextlib.closing(sqlite3.connect(bot.env["BOT_STATE_PATH"])) as db:
            try:
                row = db.execute(query).fetchone()
            except sqlite3.OperationalError:
                return None
    return str(row[0]) if row else None


def wait_committed(bot: BotProcess, state: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while committed_state(bot) != state:
        assert time.monotonic() < deadline, f"the alert state was never committed as {state}"
        time.sleep(0.02)


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

    wait_committed(bot, "low")  # past the at-least-once window between Slack's "ok" and the commit
    bot.kill()  # SIGKILL mid-episode
    again = start_bot(**alert_env)
    time.sleep(5)  # two more checks while still low
    assert len(delivered(slack)) == 1, "a restart must not alert again"

    kalshi.set_balance(259_99)  # above the threshold, below the re-arm margin: still low
    time.sleep(4.5)
    assert len(delivered(slack)) == 1
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2)
    assert texts[1].startswith("Kalshi balance recovered") and "$300.00" in texts[1]
    time.sleep(4.5)
    assert len(delivered(slack)) == 2
    assert again.stop() == 0


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
    time.sleep(4.5)
    posts = slack.posts()
    assert len(posts) == 4, "three refused attempts, then exactly one delivered alert"
    logs = bot.logs()
    assert "channel_not_found" in logs and "check BALANCE_ALERT_CHANNEL" in logs
    assert "ratelimited" in logs and "wait 1s" in logs
    assert "low-balance alert not delivered; it will be tried again" in logs


def test_failed_reads_give_one_notice_then_one_reading_again(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    from tests.fakes.kalshi import Reply

    kalshi.default = Reply(401, {"error": {"code": "authentication_error", "message": "token failure"}})
    start_bot(**ALERTS_ENV, BALANCE_ALERT_FAILURES="2", KALSHI_TIMEOUT_SECONDS="1")
    (notice,) = wait_posts(slack, 1, timeout=20)
    assert notice.startswith("Cannot read the Kalshi balance") and "token failure" in notice
    time.sleep(5)
    assert len(delivered(slack)) == 1, "a 401 is reported once per episode"
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2, timeout=30)  # backoff: the next check may be 8 s away
    assert texts[1].startswith("Reading the Kalshi balance again") and "$300.00" in texts[1]


def test_two_processes_one_sender_and_takeover(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(100_00)
    first = start_bot(**alert_env)
    wait_posts(slack, 1)
    second = start_bot(**alert_env)
    time.sleep(5)
    assert len(delivered(slack)) == 1
    assert "another process holds the alert lock; standing by" in second.logs()

    first.kill()
    kalshi.set_balance(300_00)
    texts = wait_posts(slack, 2, timeout=15)
    assert texts[1].startswith("Kalshi balance recovered")
    assert "this process sends the alerts" in second.logs()
    time.sleep(3)
    assert len(delivered(slack)) == 2


def test_alert_commands_from_slack(
    start_bot: StartBot, kalshi: FakeKalshi, slack: FakeSlack, alert_env: dict[str, str]
) -> None:
    kalshi.set_balance(300_00)
    bot = start_bot(**alert_env)
    time.sleep(0.5)

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
    assert "threshold" in texts[1] and "$50.00" in texts[1] and "cleared" in texts[1], texts[1]
    time.sleep(4.5)
    assert len(delivered(slack)) == 2
    kalshi.set_balance(40_00)  # below the new threshold: a new episode alerts as usual
    texts = wait_posts(slack, 3)
    assert texts[2].startswith("Kalshi balance low") and "$50.00" in texts[2]
