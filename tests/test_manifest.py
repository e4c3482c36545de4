"""manifest.yml against Slack's official app manifest schema, and the PaaS files beside it."""

import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_NAME = "manifest.schema.1.0.0.json"
SCHEMA = next(
    (
        path
        for path in (
            ROOT / "tests" / "slack_manifest_schema" / SCHEMA_NAME,
            ROOT.parent / "shared" / "slack-manifest-schema" / SCHEMA_NAME,
            ROOT.parent.parent / "shared" / "slack-manifest-schema" / SCHEMA_NAME,
        )
        if path.exists()
    ),
    ROOT.parent / "shared" / "slack-manifest-schema" / SCHEMA_NAME,
)


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(manifest())


def test_manifest_asks_for_what_the_bot_uses_and_no_more() -> None:
    m = manifest()
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == ["chat:write", "chat:write.public", "commands"]
    (command,) = m["features"]["slash_commands"]
    assert command["command"] == "/balance" and command["description"] and command["usage_hint"]
    assert command["url"].endswith("/slack/events")
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True  # the README's default path: Socket Mode


def test_manifest_enables_the_home_tab_and_subscribes_to_app_home_opened() -> None:
    m = manifest()
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    events = m["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"]
    assert events["request_url"] == m["settings"]["interactivity"]["request_url"]
    assert events["request_url"].endswith("/slack/events")  # HTTP mode's events URL, the bot's one path
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(m)


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
