"""The CLI as a person runs it: a real process, the fake Kalshi, .env read from the working directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import keys
from tests.bot_process import ALERTS_ENV, APP_TOKEN, assert_no_secrets, base_env, bot_env
from tests.fakes.kalshi import (
    ACCOUNT_LIMITS,
    EXCHANGE_STATUS,
    FakeKalshi,
    Reply,
    account_limits_body,
    balance_body,
    exchange_status_body,
    subaccount_row,
)
from tests.fakes.slack import ApiReply, FakeSlack

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base_env(), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_no_secrets(result.stdout + result.stderr, "the CLI's output")
    return result


def test_balance_json(kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path) -> None:
    kalshi.set_balance(123456, 50000, 1764000000)
    result = run_cli(["balance", "--json"], kalshi_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "balance_cents": 123456,
        "balance_dollars": "1234.5600",
        "portfolio_value_cents": 50000,
        "updated_ts": 1764000000,
    }


def test_balance_for_a_person(kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path) -> None:
    kalshi.set_balance(123456, 50000, 1764000000)
    result = run_cli(["balance"], kalshi_env, tmp_path)
    assert result.returncode == 0
    assert "Available balance  $1,234.56" in result.stdout
    assert "Portfolio value    $500.00" in result.stdout
    assert "Total              $1,734.56" in result.stdout


def test_env_file_in_the_working_directory_is_read(kalshi: FakeKalshi, tmp_path: Path) -> None:
    (tmp_path / "kalshi.key").write_text(keys.pkcs8_pem())
    (tmp_path / ".env").write_text(
        f"KALSHI_API_KEY_ID={keys.KEY_ID}\nKALSHI_PRIVATE_KEY_PATH=kalshi.key\nKALSHI_API_BASE_URL={kalshi.base_url}\n"
    )
    result = run_cli(["balance", "--json"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["balance_cents"] == 123456


def test_kalshi_error_is_one_line_without_traceback(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    kalshi.queue(
        Reply(status=401, body={"error": {"code": "authentication_error", "message": "token failure"}})
    )
    result = run_cli(["balance", "--json"], kalshi_env, tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == "error: Kalshi said: token failure (HTTP 401, code authentication_error)"
    assert "Traceback" not in result.stderr
    assert "hint:" in result.stderr


def test_bad_response_exits_non_zero(kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path) -> None:
    kalshi.queue(Reply(body={**balance_body(), "balance": "lots"}))
    result = run_cli(["balance"], kalshi_env, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "'balance' is not a whole number" in result.stderr


def test_missing_configuration_names_every_variable(tmp_path: Path) -> None:
    result = run_cli(["balance"], {"KALSHI_PRIVATE_KEY": "garbage-secret-value"}, tmp_path)
    assert result.returncode == 2
    assert "KALSHI_API_KEY_ID is not set" in result.stderr
    assert "KALSHI_PRIVATE_KEY: it is not PEM text" in result.stderr
    assert "garbage-secret-value" not in result.stderr and "Traceback" not in result.stderr


def test_check_reports_kalshi_credentials(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(["check"], kalshi_env, tmp_path)
    assert result.returncode == 2  # Slack is not configured: invalid configuration, like every command
    assert "✓ Kalshi credentials: accepted (RSA key); available balance $1,234.56" in result.stdout
    assert "✗ configuration" in result.stdout and "SLACK_BOT_TOKEN is not set" in result.stdout


def test_check_everything_against_the_fakes(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path, alert_env: dict[str, str]
) -> None:
    result = run_cli(["check"], bot_env(kalshi.base_url, slack.api_url, tmp_path, **alert_env), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("✓ configuration: Kalshi prod") and "alerts on" in lines[0]
    assert lines[1].startswith("✓ Kalshi credentials: accepted (RSA key)")
    assert lines[2] == (
        "✓ Kalshi API limits: usage tier basic; read budget 200 tokens/s (about 20 balance reads/s at "
        "10 tokens each); the bot's own checks (one read every 2 s) use 5 tokens/s, 2.5% of it"
    )
    assert lines[3] == "✓ Slack token: accepted for team Test Desk as kalshi_bot"
    store = "PostgreSQL at 127.0.0.1:" if "DATABASE_URL" in alert_env else "SQLite at"
    assert lines[4].startswith(f"✓ store: {store}") and lines[4].endswith("alert state OK")


def test_check_names_a_rejected_slack_token(kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path) -> None:
    slack.script("auth.test", ApiReply(body={"ok": False, "error": "invalid_auth"}))
    result = run_cli(["check"], bot_env(kalshi.base_url, slack.api_url, tmp_path), tmp_path)
    assert result.returncode == 1
    assert "✗ Slack token: rejected by Slack (invalid_auth)" in result.stdout


# -- one contract for every command: 0 ok, 1 a failed read or check, 2 invalid configuration ------------


def test_serve_with_an_invalid_configuration_exits_2_naming_every_problem(tmp_path: Path) -> None:
    for args in (["serve", "--mode", "http"], ["serve", "--mode", "socket"], []):
        result = run_cli(args, {"SLACK_BOT_TOKEN": "not-a-bot-token"}, tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert "KALSHI_API_KEY_ID is not set" in result.stderr
        assert "SLACK_BOT_TOKEN must start with 'xoxb-'" in result.stderr
        assert "not-a-bot-token" not in result.stderr and "Traceback" not in result.stderr


def test_check_with_nothing_configured_exits_2(tmp_path: Path) -> None:
    result = run_cli(["check"], {}, tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("✗ configuration:") and "KALSHI_API_KEY_ID is not set" in result.stdout


def test_check_with_a_valid_configuration_and_a_failed_read_exits_1(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    kalshi.queue(Reply(status=403, body={"error": {"code": "forbidden", "message": "no access"}}))
    result = run_cli(["check"], bot_env(kalshi.base_url, slack.api_url, tmp_path), tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("✓ configuration:") and "✗ Kalshi credentials" in result.stdout


def test_manifest_exits_0_and_a_bad_argument_exits_2(tmp_path: Path) -> None:
    assert run_cli(["manifest"], {}, tmp_path).returncode == 0
    assert run_cli(["manifest", "--http-url", "https://bot.example.com"], {}, tmp_path).returncode == 0
    assert run_cli(["manifest", "--http-url", "ftp://bot.example.com"], {}, tmp_path).returncode == 2
    assert run_cli(["no-such-command"], {}, tmp_path).returncode == 2


def test_a_failed_balance_says_why_in_at_most_3_lines_and_v_shows_the_retries(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**kalshi_env, "KALSHI_TIMEOUT_SECONDS": "3"}
    failing = Reply(status=503, body={"error": {"code": "unavailable", "message": "down for\nmaintenance"}})
    kalshi.queue(*[failing] * 8)
    quiet = run_cli(["balance"], env, tmp_path)
    assert quiet.returncode == 1 and quiet.stdout == ""
    lines = quiet.stderr.splitlines()
    assert 1 <= len(lines) <= 3, quiet.stderr
    assert lines[0] == "error: Kalshi said: down for maintenance (HTTP 503, code unavailable)"
    assert "retry" not in quiet.stderr.lower()
    assert len(kalshi.requests) >= 2  # it did retry, quietly

    kalshi.reset()
    kalshi.queue(*[failing] * 8)
    verbose = run_cli(["balance", "-v"], env, tmp_path)
    assert verbose.returncode == 1
    assert "retry 1" in verbose.stderr and verbose.stderr.splitlines()[-2].startswith("error: Kalshi said")


def test_pem_text_in_the_key_path_is_not_printed(tmp_path: Path) -> None:
    env = {"KALSHI_API_KEY_ID": keys.KEY_ID, "KALSHI_PRIVATE_KEY_PATH": keys.pkcs1_pem()}
    result = run_cli(["balance"], env, tmp_path)  # run_cli fails on any line of the key in the output
    assert result.returncode == 2
    assert "KALSHI_PRIVATE_KEY_PATH is not a readable file path (it looks like PEM text" in result.stderr


def test_a_non_ascii_port_is_a_configuration_error(kalshi_env: dict[str, str], tmp_path: Path) -> None:
    env = {**kalshi_env, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "²"}
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "PORT must be a whole number" in result.stderr and "Traceback" not in result.stderr


def test_an_alert_channel_outside_the_allowed_channels_is_warned_about(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    from tests.bot_process import ALERTS_ENV, BotProcess

    env = bot_env(
        kalshi.base_url, slack.api_url, tmp_path, **ALERTS_ENV, BALANCE_ALLOWED_CHANNELS="C0DESK001"
    )
    warning = "BALANCE_ALERT_CHANNEL is not one of BALANCE_ALLOWED_CHANNELS"
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 0, result.stdout
    assert f"! channels: {warning}" in result.stdout
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        assert warning in bot.logs()
    finally:
        bot.stop()
    inside = {**env, "BALANCE_ALLOWED_CHANNELS": "C0DESK001,C0ALERTS1"}
    assert warning not in run_cli(["check"], inside, tmp_path).stdout


def ed25519_env(kalshi: FakeKalshi) -> dict[str, str]:
    return {
        "KALSHI_API_KEY_ID": keys.ED25519_KEY_ID,
        "KALSHI_PRIVATE_KEY": keys.ed25519_pem().replace("\n", "\\n"),
        "KALSHI_API_BASE_URL": kalshi.base_url,
    }


@pytest.mark.parametrize("key", ["rsa", "ed25519"])
def test_both_key_types_read_the_balance(kalshi: FakeKalshi, key: str, tmp_path: Path) -> None:
    env = (
        ed25519_env(kalshi)
        if key == "ed25519"
        else {
            "KALSHI_API_KEY_ID": keys.KEY_ID,
            "KALSHI_PRIVATE_KEY": keys.pkcs8_pem().replace("\n", "\\n"),
            "KALSHI_API_BASE_URL": kalshi.base_url,
        }
    )
    result = run_cli(["balance", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["balance_cents"] == 123456
    seen = kalshi.requests[-1]
    assert seen.verified and seen.headers["kalshi-access-key"] == env["KALSHI_API_KEY_ID"]


def test_an_ec_key_exits_2_naming_rsa_and_ed25519(kalshi: FakeKalshi, tmp_path: Path) -> None:
    ec_pem = keys.ec_pem()
    (tmp_path / "ec.key").write_text(ec_pem)
    env = {
        "KALSHI_API_KEY_ID": keys.KEY_ID,
        "KALSHI_PRIVATE_KEY_PATH": "ec.key",
        "KALSHI_API_BASE_URL": kalshi.base_url,
    }
    result = run_cli(["balance"], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "KALSHI_PRIVATE_KEY_PATH" in result.stderr and "RSA or Ed25519" in result.stderr
    for line in ec_pem.splitlines():
        if not line.startswith("-----"):
            assert line not in result.stdout + result.stderr
    assert kalshi.count == 0


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({"KALSHI_API_BASE_URL": "http://kalshi.example.net/trade-api/v2"}, ["KALSHI_API_BASE_URL"]),
        (
            {"KALSHI_API_BASE_URL": "https://external-api.demo.kalshi.co/trade-api/v2", "KALSHI_ENV": "prod"},
            ["KALSHI_API_BASE_URL", "KALSHI_ENV"],
        ),
    ],
)
def test_plain_http_and_a_host_contradicting_kalshi_env_exit_2(
    kalshi_env: dict[str, str], extra: dict[str, str], names: list[str], tmp_path: Path
) -> None:
    result = run_cli(["balance"], {**kalshi_env, **extra}, tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    for name in names:
        assert name in result.stderr
    assert "kalshi.example.net" not in result.stderr and "external-api.demo" not in result.stderr


THREE = (
    subaccount_row(0, "1000.0000", 1764000000),
    subaccount_row(1, "12.3456", 1764000100, index=0),
    subaccount_row(1, "0.000001", 1764000200, index=1),  # a second exchange index: summed
    subaccount_row(3, "250.5000", 1764000300),
)


@pytest.mark.parametrize("key", ["rsa", "ed25519"])
def test_balance_of_one_subaccount(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], key: str, tmp_path: Path
) -> None:
    env = ed25519_env(kalshi) if key == "ed25519" else kalshi_env
    kalshi.set_subaccounts(*THREE)
    result = run_cli(["balance", "--subaccount", "1", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "balance_cents": 1234,
        "balance_dollars": "12.345601",
        "portfolio_value_cents": 0,
        "updated_ts": 1764000200,
        "subaccount": 1,
    }
    seen = kalshi.requests[-1]
    assert seen.query == {"subaccount": ["1"]} and seen.verified
    result = run_cli(["balance", "--subaccount", "1"], env, tmp_path)
    assert "Subaccount         1\n" in result.stdout and "Available balance  $12.345601\n" in result.stdout


def test_balance_of_every_subaccount(kalshi: FakeKalshi, tmp_path: Path) -> None:
    kalshi.set_subaccounts(*THREE)
    result = run_cli(["balance", "--all", "--json"], ed25519_env(kalshi), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "subaccounts": [
            {"subaccount": 0, "balance_dollars": "1000.0000", "updated_ts": 1764000000},
            {"subaccount": 1, "balance_dollars": "12.345601", "updated_ts": 1764000200},
            {"subaccount": 3, "balance_dollars": "250.5000", "updated_ts": 1764000300},
        ],
        "total_dollars": "1262.845601",
    }
    result = run_cli(["balance", "--all"], ed25519_env(kalshi), tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Subaccount", "Balance", "Updated"]
    assert lines[1].split()[:3] == ["Primary", "(0)", "$1,000.00"]
    assert lines[2].split()[:2] == ["1", "$12.345601"]
    assert lines[-1].split() == ["Total", "$1,262.845601"]


@pytest.mark.parametrize(
    "args", [["--subaccount", "64"], ["--subaccount", "x"], ["--subaccount", "1", "--all"]]
)
def test_a_bad_subaccount_argument_exits_2_without_asking_kalshi(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], args: list[str], tmp_path: Path
) -> None:
    result = run_cli(["balance", *args], kalshi_env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert kalshi.count == 0


def test_maintenance_in_plain_utc(kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path) -> None:
    kalshi.default = Reply(reset=True)  # refused / broken connection, every retry
    kalshi.route(EXCHANGE_STATUS, Reply(body=exchange_status_body(False, "2026-11-27T03:30:00.123456789Z")))
    result = run_cli(["balance"], kalshi_env, tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    first = next(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert first.startswith("error: Kalshi is under maintenance (the exchange is paused); ")
    assert "around 2026-11-27 03:30 UTC." in first and "<!date" not in result.stderr
    assert "hint: Nothing to fix on this side" in result.stderr


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, {"code": "forbidden", "message": "this API key may not do that"}),
        Reply(404, None),
        Reply(200, {"usage_tier": "basic"}),
    ],
)
def test_check_without_account_limits_is_a_warning_not_a_failure(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path, reply: Reply
) -> None:
    kalshi.route(ACCOUNT_LIMITS, reply)
    env = bot_env(kalshi.base_url, slack.api_url, tmp_path)
    env.update(
        KALSHI_API_KEY_ID=keys.ED25519_KEY_ID, KALSHI_PRIVATE_KEY=keys.ed25519_pem().replace("\n", "\\n")
    )
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("✓ Kalshi credentials: accepted (Ed25519 key)")
    assert lines[2].startswith("! Kalshi API limits: not read (") and "does not need them" in lines[2]
    assert lines[3].startswith("✓ Slack token")


def test_check_with_account_limits_and_alerts_off(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    kalshi.route(ACCOUNT_LIMITS, Reply(body=account_limits_body("advanced", 300, 300)))
    result = run_cli(["check"], bot_env(kalshi.base_url, slack.api_url, tmp_path), tmp_path)
    assert result.returncode == 0
    assert (
        "✓ Kalshi API limits: usage tier advanced; read budget 300 tokens/s (about 30 balance reads/s at "
        "10 tokens each); no checks of its own, so only /balance reads use it"
    ) in result.stdout.splitlines()
    assert kalshi.seen(ACCOUNT_LIMITS)[-1].verified


def test_check_in_socket_mode_asks_slack_about_the_app_token(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    env = bot_env(kalshi.base_url, slack.api_url, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    env.pop("SLACK_SIGNING_SECRET")
    refused = run_cli(["check"], env, tmp_path)  # the fake hands out no socket: not_allowed_token_type
    assert refused.returncode == 1
    assert "✗ Slack app token: rejected by Slack (not_allowed_token_type)" in refused.stdout
    slack.socket_url = "ws://127.0.0.1:9/never-opened"
    accepted = run_cli(["check"], env, tmp_path)
    assert accepted.returncode == 0, accepted.stdout
    assert "✓ Slack app token: accepted, Socket Mode can connect" in accepted.stdout


def test_check_with_an_invalid_configuration_says_what_it_did_not_check(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    env = bot_env(kalshi.base_url, slack.api_url, tmp_path, PORT="not-a-port")
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0] == "✗ configuration: 1 problem(s)"
    assert any(line.startswith("✓ Kalshi credentials: accepted") for line in lines)
    assert lines[-1] == "! Slack tokens and the store: not checked (fix the configuration first)"


def test_check_reports_kalshis_websocket(kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path) -> None:
    from tests.fakes.kalshi_ws import FakeKalshiWS

    ws = FakeKalshiWS(kalshi).start()
    try:
        env = bot_env(kalshi.base_url, slack.api_url, tmp_path, **ALERTS_ENV, KALSHI_WS_URL=ws.url)
        result = run_cli(["check"], env, tmp_path)
    finally:
        ws.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if "Kalshi WebSocket" in ln]
    assert line.startswith("✓ Kalshi WebSocket: connected and subscribed"), line
    # pointed at a server that is no Kalshi WebSocket: a warning that says why, polling carries on
    refused = run_cli(["check"], {**env, "KALSHI_WS_URL": kalshi.base_url.replace("http", "ws")}, tmp_path)
    (line,) = [ln for ln in refused.stdout.splitlines() if "Kalshi WebSocket" in ln]
    assert line.startswith("! Kalshi WebSocket: not connected") and "polls meanwhile" in line, line


def test_a_port_in_use_is_one_sentence_naming_it(
    kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(kalshi.base_url, slack.api_url, tmp_path, PORT=str(port))
        result = run_cli(["serve", "--mode", "http"], env, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in output and "set PORT to a free port" in output, output
    assert "Traceback" not in output
