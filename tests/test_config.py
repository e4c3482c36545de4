from pathlib import Path

import pytest

from bot.config import ConfigError, Mode, Secret, load_settings
from tests import keys

SLACK_HTTP = {"SLACK_BOT_TOKEN": "xoxb-canary-bot-token", "SLACK_SIGNING_SECRET": "canary-signing-secret"}


def kalshi_vars() -> dict[str, str]:
    return {"KALSHI_API_KEY_ID": keys.KEY_ID, "KALSHI_PRIVATE_KEY": keys.pkcs8_pem()}


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"KALSHI_ENV": "staging", "PORT": "x", "SLACK_BOT_TOKEN": "xoxp-user-token"})
    text = str(info.value)
    for name in ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY", "KALSHI_ENV", "PORT", "SLACK_SIGNING_SECRET"):
        assert name in text
    assert "must start with 'xoxb-'" in text
    assert "xoxp-user-token" not in text


def test_kalshi_mode_needs_no_slack() -> None:
    settings = load_settings(kalshi_vars(), Mode.KALSHI)
    assert settings.slack is None
    assert settings.kalshi.base_url == "https://api.elections.kalshi.com/trade-api/v2"


def test_demo_and_override_urls() -> None:
    assert load_settings({**kalshi_vars(), "KALSHI_ENV": "demo"}, Mode.KALSHI).kalshi.base_url == (
        "https://demo-api.kalshi.co/trade-api/v2"
    )
    s = load_settings(
        {**kalshi_vars(), "KALSHI_API_BASE_URL": "http://127.0.0.1:9/trade-api/v2/"}, Mode.KALSHI
    )
    assert s.kalshi.base_url == "http://127.0.0.1:9/trade-api/v2"


def test_socket_mode_needs_no_signing_secret_and_http_no_app_token() -> None:
    socket = load_settings({**kalshi_vars(), "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert socket.slack is not None and socket.slack.socket_mode and socket.slack.signing_secret is None
    http = load_settings({**kalshi_vars(), **SLACK_HTTP})
    assert http.slack is not None and not http.slack.socket_mode and http.slack.port == 3000


def test_alert_variables_are_ignored_when_alerts_are_off() -> None:
    s = load_settings({**kalshi_vars(), **SLACK_HTTP, "BALANCE_ALERT_THRESHOLD": "junk"})
    assert s.alerts is None


def test_alerts_parse_dollars_and_refuse_fast_intervals() -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_ALERT_CHANNEL": "C0123ABCD",
        "BALANCE_ALERT_THRESHOLD": "$1,000",
    }
    s = load_settings(env)
    assert s.alerts is not None and s.alerts.threshold_cents == 100000 and s.alerts.interval_seconds == 60
    with pytest.raises(ConfigError, match="BALANCE_ALERT_INTERVAL must be at least"):
        load_settings({**env, "BALANCE_ALERT_INTERVAL": "1"})
    with pytest.raises(ConfigError, match="BALANCE_ALERT_CHANNEL must be a channel id"):
        load_settings({**env, "BALANCE_ALERT_CHANNEL": "#general"})


def test_key_from_path_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "kalshi.key"
    path.write_text(keys.pkcs1_pem())
    s = load_settings({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(path)}, Mode.KALSHI)
    assert s.kalshi.private_key.key_size == 2048
    with pytest.raises(ConfigError, match="KALSHI_PRIVATE_KEY_PATH is not a readable file path"):
        load_settings(
            {"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "nope")}, Mode.KALSHI
        )
    with pytest.raises(ConfigError, match="not an RSA key"):
        load_settings({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY": keys.ec_pem()}, Mode.KALSHI)


def test_secrets_are_masked_in_repr() -> None:
    s = load_settings({**kalshi_vars(), **SLACK_HTTP})
    text = repr(s) + str(s)
    for secret in (keys.KEY_ID, "xoxb-canary-bot-token", "canary-signing-secret", "PRIVATE KEY"):
        assert secret not in text
    assert repr(Secret("x")) == "Secret('***')"
    assert f"{Secret('abc')}" == "Secret('***')"


def test_pem_text_in_the_path_variable_is_named_not_printed() -> None:
    pem = keys.pkcs1_pem()
    with pytest.raises(ConfigError) as info:
        load_settings({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": pem}, Mode.KALSHI)
    text = str(info.value)
    assert (
        "KALSHI_PRIVATE_KEY_PATH is not a readable file path (it looks like PEM text; "
        "put PEM text in KALSHI_PRIVATE_KEY)" in text
    )
    for line in pem.splitlines():
        assert line not in text


def test_no_configuration_error_echoes_a_value(tmp_path: Path) -> None:
    values = {
        "KALSHI_API_KEY_ID": "k",
        "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "canary-dir" / "canary.pem"),
        "KALSHI_ENV": "canary-env",
        "KALSHI_API_BASE_URL": "ftp://canary-host/x",
        "KALSHI_TIMEOUT_SECONDS": "canary-seconds",
        "SLACK_BOT_TOKEN": "xoxp-canary-token",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "canary-api",
        "PORT": "99999canary",
        "BALANCE_ALLOWED_USERS": "canary-user",
        "BALANCE_ALERT_CHANNEL": "#canary-channel",
        "BALANCE_ALERT_THRESHOLD": "-98765",
        "BALANCE_ALERT_REARM": "$canary",
        "BOT_LOG_LEVEL": "canary-level",
        "DATABASE_URL": "mysql://canary:pw@host/db",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(values)
    text = str(info.value)
    for name, value in values.items():
        if len(value) > 2:
            assert value not in text, f"{name}'s value is echoed"
    assert "canary" not in text and "98765" not in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "\u00b2"),
        ("PORT", "\uff13\uff10\uff10\uff10"),
        ("KALSHI_TIMEOUT_SECONDS", "\uff16"),
        ("BALANCE_FRESHNESS_SECONDS", "\u0662"),
        ("BALANCE_ALERT_FAILURES", "\uff13"),
        ("BALANCE_ALERT_INTERVAL", "\uff160"),
        ("BALANCE_ALERT_THRESHOLD", "\uff12\uff15\uff10"),
    ],
)
def test_numbers_are_ascii_digits_only(name: str, value: str) -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_ALERT_CHANNEL": "C0123ABCD",
        "BALANCE_ALERT_THRESHOLD": "250",
    }
    with pytest.raises(ConfigError, match=name):
        load_settings({**env, name: value})
