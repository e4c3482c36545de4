"""The Slack app manifest, for each mode, against Slack's official schema (vendored in tests/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack import manifest as manifest_module
from bot.slack.manifest import ManifestError, build_manifest, events_url, manifest_text, render_yaml
from tests.bot_process import base_env

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = Path(__file__).resolve().parent / "slack_manifest_schema"
SCHEMA = SCHEMA_DIR / "manifest.schema.1.0.0.json"
HOST = "https://kalshi-bot.example.com"


def validate(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(manifest)


def run_manifest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "manifest", *args],
        env=base_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_schema_is_vendored_with_its_licence() -> None:
    assert SCHEMA.is_file()
    assert "MIT License" in (SCHEMA_DIR / "LICENSE").read_text()


def test_manifest_yml_is_what_the_manifest_command_prints() -> None:
    result = run_manifest()
    assert result.returncode == 0, result.stderr
    assert (ROOT / "manifest.yml").read_text() == result.stdout, (
        "manifest.yml is out of date: regenerate it with `python -m bot manifest > manifest.yml`"
    )


@pytest.mark.parametrize("http_url", [None, HOST])
def test_both_modes_validate_against_slacks_schema(http_url: str | None) -> None:
    args = [] if http_url is None else ["--http-url", http_url]
    result = run_manifest(*args)
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed == build_manifest(http_url)
    validate(printed)


def test_socket_mode_by_default_with_no_request_urls() -> None:
    m = build_manifest()
    assert m["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in m["settings"]["interactivity"]
    assert "url" not in m["features"]["slash_commands"][0]
    assert "request_url" not in json.dumps(m) and "https://" not in json.dumps(m)


def test_http_url_turns_socket_mode_off_and_points_every_url_at_slack_events() -> None:
    m = build_manifest(HOST + "/")
    assert m["settings"]["socket_mode_enabled"] is False
    (command,) = m["features"]["slash_commands"]
    assert command["url"] == f"{HOST}/slack/events"
    assert m["settings"]["interactivity"] == {"is_enabled": True, "request_url": f"{HOST}/slack/events"}


def test_the_events_url_follows_once_the_app_subscribes_to_events() -> None:
    home = {"home_tab_enabled": True, "messages_tab_enabled": False}
    http = build_manifest(HOST, bot_events=["app_home_opened"], app_home=home)
    assert http["settings"]["event_subscriptions"] == {
        "request_url": f"{HOST}/slack/events",
        "bot_events": ["app_home_opened"],
    }
    assert http["features"]["app_home"] == home
    socket = build_manifest(bot_events=["app_home_opened"], app_home=home)
    assert socket["settings"]["event_subscriptions"] == {"bot_events": ["app_home_opened"]}
    for m in (http, socket):
        validate(m)
        assert yaml.safe_load(render_yaml(m)) == m


def test_the_shipped_manifest_enables_the_home_tab_and_subscribes_to_app_home_opened() -> None:
    for http_url in (None, HOST):
        m = build_manifest(http_url)
        assert m["features"]["app_home"]["home_tab_enabled"] is True
        assert m["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
        validate(m)
    http = build_manifest(HOST)
    assert http["settings"]["event_subscriptions"]["request_url"] == f"{HOST}/slack/events"


def test_events_path_is_the_one_the_server_listens_on() -> None:
    from bot.slack.server import EVENTS_PATH

    assert manifest_module.EVENTS_PATH == EVENTS_PATH


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://h.example", "https://h.example/slack/events"),
        ("https://h.example/", "https://h.example/slack/events"),
        ("https://h.example/slack/events", "https://h.example/slack/events"),
        ("https://h.example:8443/bot", "https://h.example:8443/bot/slack/events"),
    ],
)
def test_events_url(given: str, expected: str) -> None:
    assert events_url(given) == expected


@pytest.mark.parametrize(
    "bad", ["http://h.example", "h.example", "https://", "https://h.example/?a=1", "https://u:pw9x@h.example"]
)
def test_bad_http_url_is_refused_with_exit_code_2(bad: str) -> None:
    with pytest.raises(ManifestError):
        events_url(bad)
    result = run_manifest("--http-url", bad)
    assert result.returncode == 2
    assert result.stdout == "" and "--http-url must be https://HOST" in result.stderr
    assert "pw9x" not in result.stderr  # a URL is never repeated: it might hold a password


def test_yaml_writer_quotes_what_yaml_would_misread() -> None:
    tricky = {"a": ["yes", "no", "on", "null", "1.0", "#x", "- y", 'q"uote', "é ✓", "a: b"], "b": {}, "c": []}
    assert yaml.safe_load(render_yaml(tricky)) == tricky
    assert manifest_text().startswith("# Slack app manifest")


def test_manifest_asks_for_what_the_bot_uses_and_no_more() -> None:
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == ["chat:write", "chat:write.public", "commands"]
    (command,) = m["features"]["slash_commands"]
    assert command["command"] == "/balance" and command["description"] and command["usage_hint"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True  # the README's default path: Socket Mode


def test_procfile_runs_http_as_web_and_socket_mode_as_worker() -> None:
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines["web"].strip() == "python -m bot serve --mode http"
    assert lines["worker"].strip() == "python -m bot serve --mode socket"


def test_env_example_lists_every_variable_the_code_reads() -> None:
    import re

    code = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    read = set(re.findall(r'"((?:KALSHI|SLACK|BALANCE|BOT)_[A-Z_]+)"', code)) | {"PORT", "DATABASE_URL"}
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in read:
        assert name in example, f"{name} missing from .env.example"
        assert name in readme, f"{name} missing from README.md"
