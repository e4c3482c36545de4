from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

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
    assert settings.kalshi.base_url == "https://external-api.kalshi.com/trade-api/v2"
    assert not settings.kalshi.demo


def test_demo_and_override_urls() -> None:
    assert load_settings({**kalshi_vars(), "KALSHI_ENV": "demo"}, Mode.KALSHI).kalshi.base_url == (
        "https://external-api.demo.kalshi.co/trade-api/v2"
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


def test_charts_are_on_unless_turned_off() -> None:
    def charts(value: str | None) -> bool:
        env = {**kalshi_vars(), **SLACK_HTTP, **({"BALANCE_CHARTS": value} if value is not None else {})}
        slack = load_settings(env).slack
        assert slack is not None
        return slack.charts

    assert charts(None) and charts("on") and charts(" ON ") and charts("")
    assert not charts("off") and not charts("Off")
    with pytest.raises(ConfigError, match="BALANCE_CHARTS must be on or off") as info:
        charts("nope-canary")
    assert "nope-canary" not in str(info.value)


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
    with pytest.raises(ConfigError, match=r"KALSHI_PRIVATE_KEY: it is an EC .* RSA or Ed25519"):
        load_settings({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY": keys.ec_pem()}, Mode.KALSHI)
    path.write_text(keys.ed25519_pem())
    s = load_settings({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(path)}, Mode.KALSHI)
    assert isinstance(s.kalshi.private_key, ed25519.Ed25519PrivateKey)


def test_secrets_are_masked_in_repr() -> None:
    s = load_settings({**kalshi_vars(), **SLACK_HTTP})
    text = repr(s) + str(s)
    for secret in (keys.KEY_ID, "xoxb-canary-bot-token", "canary-signing-secret", "PRIVATE KEY"):
        assert secret not in text
    assert repr(Secret("x")) == "Secret('***')"
    assert f"{Secret('abc')}" == "Secret('***')"


def test_critical_level_watched_figure_and_mentions() -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_ALERT_CHANNEL": "C0123ABCD",
        "BALANCE_ALERT_THRESHOLD": "250",
    }
    s = load_settings(env)
    assert s.alerts is not None
    assert (s.alerts.critical_cents, s.alerts.watch, s.alerts.mentions) == (None, "available", ())
    s = load_settings(
        {
            **env,
            "BALANCE_ALERT_CRITICAL": "$50",
            "BALANCE_ALERT_ON": "Total",
            "BALANCE_ALERT_MENTION": " U0DESK001, W0GRID001 ,S0TRADERS, @here, channel, U0DESK001",
        }
    )
    assert s.alerts is not None and s.alerts.critical_cents == 50_00 and s.alerts.watch == "total"
    assert s.alerts.mentions == ("U0DESK001", "W0GRID001", "S0TRADERS", "here", "channel")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("BALANCE_ALERT_CRITICAL", "250", "BALANCE_ALERT_CRITICAL must be below BALANCE_ALERT_THRESHOLD"),
        ("BALANCE_ALERT_CRITICAL", "300", "BALANCE_ALERT_CRITICAL must be below BALANCE_ALERT_THRESHOLD"),
        ("BALANCE_ALERT_CRITICAL", "0", "BALANCE_ALERT_CRITICAL must be above $0.00"),
        ("BALANCE_ALERT_CRITICAL", "1e3", "BALANCE_ALERT_CRITICAL: the amount must be dollars"),
        ("BALANCE_ALERT_ON", "portfolio", "BALANCE_ALERT_ON must be 'available' or 'total'"),
        ("BALANCE_ALERT_MENTION", "U0DESK001,bob", "BALANCE_ALERT_MENTION: entry 2 is not a user id"),
        ("BALANCE_ALERT_MENTION", "C0123ABCD", "BALANCE_ALERT_MENTION: entry 1 is not"),
        ("BALANCE_ALERT_MENTION", "<@U0DESK001>", "BALANCE_ALERT_MENTION: entry 1 is not a user id"),
    ],
)
def test_bad_alert_levels_and_mentions_are_named(name: str, value: str, problem: str) -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_ALERT_CHANNEL": "C0123ABCD",
        "BALANCE_ALERT_THRESHOLD": "250",
        name: value,
    }
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert problem in str(info.value)


def test_a_token_in_the_mention_variable_is_not_printed() -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_ALERT_CHANNEL": "C0123ABCD",
        "BALANCE_ALERT_THRESHOLD": "250",
        "BALANCE_ALERT_MENTION": "here,xoxb-not-a-mention-8d1f",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert "entry 2 is not a user id" in str(info.value) and "xoxb" not in str(info.value)


def test_history_and_digest_turn_the_checks_and_the_store_on() -> None:
    base = {**kalshi_vars(), **SLACK_HTTP, "DATABASE_URL": "postgres://u:p@h/db"}
    off = load_settings(base)
    assert off.history is None and off.digest is None and off.database_url is None
    history = load_settings({**base, "BALANCE_HISTORY_INTERVAL": "300"})
    assert history.history is not None and history.history.interval_seconds == 300
    assert history.database_url is not None
    alerts = load_settings({**base, "BALANCE_ALERT_CHANNEL": "C0123ABCD", "BALANCE_ALERT_THRESHOLD": "250"})
    assert alerts.history is not None and alerts.history.interval_seconds == 60  # the alert interval
    digest = load_settings(
        {
            **base,
            "BALANCE_DIGEST_TIME": "08:30",
            "BALANCE_DIGEST_TZ": "Europe/London",
            "BALANCE_ALERT_CHANNEL": "",
        }
        | {"BALANCE_DIGEST_CHANNEL": "C0DIGEST1"}
    )
    assert digest.digest is not None and digest.history is not None
    assert (digest.digest.hour, digest.digest.minute, digest.digest.zone) == (8, 30, "Europe/London")
    assert digest.digest.channel == "C0DIGEST1" and digest.digest.time_text == "08:30 Europe/London"
    default_channel = load_settings(
        {
            **base,
            "BALANCE_DIGEST_TIME": "23:59:30",
            "BALANCE_ALERT_CHANNEL": "C0123ABCD",
            "BALANCE_ALERT_THRESHOLD": "1",
        }
    )
    assert default_channel.digest is not None and default_channel.digest.channel == "C0123ABCD"
    assert default_channel.digest.zone == "UTC" and default_channel.digest.second == 30
    assert load_settings({**base, "BALANCE_DIGEST_TIME": "1"}, Mode.KALSHI).digest is None


def test_digest_problems_are_named_without_echoing_values() -> None:
    env = {
        **kalshi_vars(),
        **SLACK_HTTP,
        "BALANCE_DIGEST_TIME": "25:61",
        "BALANCE_DIGEST_TZ": "Mars/Olympus_Mons",
        "BALANCE_HISTORY_INTERVAL": "0.5",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    text = str(info.value)
    assert "BALANCE_DIGEST_TIME must be a time of day as HH:MM" in text
    assert "BALANCE_DIGEST_TZ must be an IANA time zone name" in text
    assert "BALANCE_DIGEST_CHANNEL is not set" in text
    assert "BALANCE_HISTORY_INTERVAL must be at least 2 seconds" in text
    assert "25:61" not in text and "Olympus" not in text
    for bad_zone in ["../../etc/passwd", "", "utc/../UTC"]:
        env = {
            **kalshi_vars(),
            **SLACK_HTTP,
            "BALANCE_DIGEST_TIME": "08:00",
            "BALANCE_DIGEST_CHANNEL": "C0DIGEST1",
        }
        if bad_zone:
            with pytest.raises(ConfigError, match="BALANCE_DIGEST_TZ"):
                load_settings({**env, "BALANCE_DIGEST_TZ": bad_zone})


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


@pytest.mark.parametrize(
    ("host", "env", "demo"),
    [
        ("external-api.kalshi.com", None, False),
        ("api.elections.kalshi.com", "prod", False),
        ("external-api.demo.kalshi.co", None, True),
        ("demo-api.kalshi.co", "DEMO", True),
    ],
)
def test_the_demo_label_follows_a_known_host(host: str, env: str | None, demo: bool) -> None:
    environ = {**kalshi_vars(), "KALSHI_API_BASE_URL": f"https://{host}/trade-api/v2"}
    if env is not None:
        environ["KALSHI_ENV"] = env
    assert load_settings(environ, Mode.KALSHI).kalshi.demo is demo


@pytest.mark.parametrize(
    ("host", "env"),
    [
        ("external-api.demo.kalshi.co", "prod"),
        ("demo-api.kalshi.co", "prod"),
        ("external-api.kalshi.com", "demo"),
    ],
)
def test_a_known_host_contradicting_kalshi_env_names_both(host: str, env: str) -> None:
    environ = {**kalshi_vars(), "KALSHI_API_BASE_URL": f"https://{host}/trade-api/v2", "KALSHI_ENV": env}
    with pytest.raises(ConfigError) as info:
        load_settings(environ, Mode.KALSHI)
    (problem,) = info.value.problems
    assert "KALSHI_API_BASE_URL" in problem and "KALSHI_ENV" in problem and host not in problem


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("KALSHI_API_BASE_URL", "http://kalshi-proxy.internal/trade-api/v2"),
        ("KALSHI_API_BASE_URL", "http://external-api.kalshi.com/trade-api/v2"),
        ("KALSHI_API_BASE_URL", "ftp://127.0.0.1/x"),
        ("SLACK_API_URL", "http://slack-proxy.internal/api/"),
        ("SLACK_API_URL", "http://10.0.0.1/api/"),
    ],
)
def test_remote_urls_must_be_https_and_the_value_is_not_echoed(name: str, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**kalshi_vars(), **SLACK_HTTP, name: url})
    text = str(info.value)
    assert name in text and "https://" in text
    assert url not in text and "internal" not in text and "10.0.0.1" not in text


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/trade-api/v2", "http://127.8.9.10:9/x", "http://[::1]:9/x", "http://localhost:9/x"],
)
def test_loopback_may_use_plain_http(url: str) -> None:
    s = load_settings({**kalshi_vars(), **SLACK_HTTP, "KALSHI_API_BASE_URL": url, "SLACK_API_URL": url})
    assert s.kalshi.base_url == url.rstrip("/") and s.slack is not None


@pytest.mark.parametrize("name", ["KALSHI_API_BASE_URL", "SLACK_API_URL"])
def test_a_password_in_a_url_is_refused_and_not_printed(name: str) -> None:
    env = {**kalshi_vars(), **SLACK_HTTP, name: "https://someone:hunter2pass@api.example.com/v2"}
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    text = str(info.value)
    assert f"{name} must not hold a user name or password" in text
    assert "hunter2pass" not in text and "someone" not in text


@pytest.mark.parametrize(
    ("rest", "ws"),
    [
        (None, "wss://external-api-ws.kalshi.com/trade-api/ws/v2"),
        ("https://external-api.kalshi.com/trade-api/v2", "wss://external-api-ws.kalshi.com/trade-api/ws/v2"),
        (
            "https://external-api.demo.kalshi.co/trade-api/v2",
            "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2",
        ),
        ("https://api.elections.kalshi.com/trade-api/v2", "wss://api.elections.kalshi.com/trade-api/ws/v2"),
        ("https://demo-api.kalshi.co/trade-api/v2", "wss://demo-api.kalshi.co/trade-api/ws/v2"),
        ("http://127.0.0.1:8123/trade-api/v2", "ws://127.0.0.1:8123/trade-api/ws/v2"),
        ("http://[::1]:8123/trade-api/v2", "ws://[::1]:8123/trade-api/ws/v2"),
        (
            "https://kalshi-proxy.example.com:8443/trade-api/v2",
            "wss://kalshi-proxy.example.com:8443/trade-api/ws/v2",
        ),
    ],
)
def test_the_websocket_url_follows_the_rest_host(rest: str | None, ws: str) -> None:
    env = kalshi_vars() if rest is None else {**kalshi_vars(), "KALSHI_API_BASE_URL": rest}
    assert load_settings(env, Mode.KALSHI).kalshi.ws_url == ws
    if rest is None:
        demo = load_settings({**kalshi_vars(), "KALSHI_ENV": "demo"}, Mode.KALSHI)
        assert demo.kalshi.ws_url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"


@pytest.mark.parametrize(
    "url",
    [
        "wss://kalshi-ws-proxy.example.com/trade-api/ws/v2",
        "ws://127.0.0.1:9/trade-api/ws/v2",
        "ws://[::1]:9/x",
    ],
)
def test_kalshi_ws_url_overrides_the_derived_one(url: str) -> None:
    s = load_settings({**kalshi_vars(), "KALSHI_WS_URL": url + "/"}, Mode.KALSHI)
    assert s.kalshi.ws_url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ws://kalshi-ws-canary.example.com/trade-api/ws/v2", "KALSHI_WS_URL must use wss://"),
        ("https://canary.example.com/trade-api/ws/v2", "KALSHI_WS_URL must be a wss:// URL"),
        ("canary", "KALSHI_WS_URL must be a wss:// URL"),
        ("wss://canary:hunter2pass@example.com/x", "KALSHI_WS_URL must not hold a user name or password"),
        ("wss://external-api-ws.demo.kalshi.co/canary", "KALSHI_WS_URL is a demo Kalshi host"),
    ],
)
def test_a_bad_kalshi_ws_url_is_named_and_not_echoed(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**kalshi_vars(), **SLACK_HTTP, "KALSHI_WS_URL": url})
    text = str(info.value)
    assert problem in text
    assert url not in text and "canary" not in text and "hunter2pass" not in text


def test_a_demo_ws_host_goes_with_a_demo_rest_host() -> None:
    env = {**kalshi_vars(), "KALSHI_ENV": "demo", "KALSHI_WS_URL": "wss://demo-api.kalshi.co/trade-api/ws/v2"}
    assert load_settings(env, Mode.KALSHI).kalshi.ws_url == "wss://demo-api.kalshi.co/trade-api/ws/v2"
    with pytest.raises(ConfigError, match="KALSHI_WS_URL is a production"):
        load_settings(
            {**env, "KALSHI_WS_URL": "wss://external-api-ws.kalshi.com/trade-api/ws/v2"}, Mode.KALSHI
        )


def test_realtime_is_on_wherever_the_checks_run_unless_turned_off() -> None:
    base = {**kalshi_vars(), **SLACK_HTTP}
    assert load_settings(base).realtime is False  # no checks of its own: nothing to wake
    checks = {**base, "BALANCE_HISTORY_INTERVAL": "60"}
    assert load_settings(checks).realtime is True
    for word in ("off", "OFF", "false", "no", "0"):
        assert load_settings({**checks, "BALANCE_REALTIME": word}).realtime is False
    for word in ("on", "true", "Yes", "1"):
        assert load_settings({**checks, "BALANCE_REALTIME": word}).realtime is True
    assert load_settings({**base, "BALANCE_REALTIME": "on"}).realtime is False
    with pytest.raises(ConfigError) as info:
        load_settings({**checks, "BALANCE_REALTIME": "sometimes-canary"})
    assert "BALANCE_REALTIME must be 'on' or 'off'" in str(info.value) and "canary" not in str(info.value)
