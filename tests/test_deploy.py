"""The deploy files against the Procfile, the README's variable table and pyproject.toml.

app.json (Heroku Button), render.yaml (Render Blueprint), requirements.txt (the lock both platforms
install) and .python-version. A failure names the variable and the file, so a variable added to the
README's table by another change shows exactly where it is still missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from bot.config import Mode, load_settings
from tests import keys
from tests.readme import Variable, readme_variables

ROOT = Path(__file__).resolve().parent.parent
LOCK_COMMAND = "uv pip compile pyproject.toml --generate-hashes -o requirements.txt --python-version 3.11"

# Set by the platform, not by the person deploying: the port, and the database add-on's URL.
PLATFORM_SET = {"PORT", "DATABASE_URL"}
# Needed by the web process (HTTP mode) whatever else is chosen; KALSHI_PRIVATE_KEY because a PaaS
# has no disk to hold a key file for KALSHI_PRIVATE_KEY_PATH.
REQUIRED_NEEDS = {"always", "to serve", "HTTP mode"}
REQUIRED_ON_A_PAAS = {"KALSHI_PRIVATE_KEY"}
SECRETS = {
    "KALSHI_API_KEY_ID",
    "KALSHI_PRIVATE_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DATABASE_URL",
}


def is_secret(name: str) -> bool:
    return name in SECRETS or name.endswith(("_TOKEN", "_SECRET", "_KEY", "_PASSWORD"))


def is_required(variable: Variable) -> bool:
    return variable.needed in REQUIRED_NEEDS or variable.name in REQUIRED_ON_A_PAAS


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, command in (line.split(":", 1) for line in lines if line)}


def app_json() -> dict[str, Any]:
    return json.loads((ROOT / "app.json").read_text())


def render_yaml() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "render.yaml").read_text())


def render_web() -> dict[str, Any]:
    (web,) = [s for s in render_yaml()["services"] if s["type"] == "web"]
    return web


def render_env() -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in render_web()["envVars"]}


def accepted_by_the_bot(values: dict[str, str], where: str) -> None:
    """The non-secret defaults a deploy file sets are values the bot's configuration accepts."""
    env = {
        **values,
        "KALSHI_API_KEY_ID": keys.KEY_ID,
        "KALSHI_PRIVATE_KEY": keys.pkcs1_pem(),
        "SLACK_BOT_TOKEN": "xoxb-deploy-test",
        "SLACK_SIGNING_SECRET": "deploy-test-secret",
    }
    try:
        load_settings(env, Mode.SERVE, "http")
    except Exception as exc:  # the message names the variable
        pytest.fail(f"{where}: the bot refuses a default it sets: {exc}")


# -- app.json: the Heroku Button ---------------------------------------------------------------------------


def test_app_json_lists_every_readme_variable_with_a_description() -> None:
    env = app_json()["env"]
    variables = readme_variables()
    missing = [n for n in variables if n not in PLATFORM_SET and n not in env]
    assert not missing, f"app.json: env has no entry for {', '.join(missing)} (in README.md's table)"
    stale = [n for n in env if n not in variables]
    assert not stale, f"app.json: env has {', '.join(stale)}, which README.md's table does not list"
    undescribed = [n for n, spec in env.items() if not str(spec.get("description", "")).strip()]
    assert not undescribed, f"app.json: no description for {', '.join(undescribed)}"
    platform = [n for n in PLATFORM_SET if n in env]
    assert not platform, f"app.json: {', '.join(platform)} is set by Heroku itself; remove it from env"


def test_app_json_requires_only_what_the_web_process_needs() -> None:
    env = app_json()["env"]
    for name, variable in readme_variables().items():
        if name in PLATFORM_SET or name not in env:
            continue
        assert env[name].get("required", True) is is_required(variable), (
            f"app.json: {name} must have required {str(is_required(variable)).lower()} "
            f"(README.md's table says it is needed: {variable.needed})"
        )


def test_app_json_gives_no_value_for_a_secret() -> None:
    for name, spec in app_json()["env"].items():
        if is_secret(name):
            assert "value" not in spec and "generator" not in spec, f"app.json: {name} is a secret: no value"
    defaults = {n: s["value"] for n, s in app_json()["env"].items() if "value" in s}
    accepted_by_the_bot(defaults, "app.json")


def test_app_json_formation_follows_the_procfile_and_heroku_postgres_gives_database_url() -> None:
    app = app_json()
    processes = procfile()
    assert set(app["formation"]) <= set(processes), "app.json: formation names a process the Procfile lacks"
    assert app["formation"]["web"]["quantity"] >= 1
    size = app["formation"]["web"]["size"]
    assert size not in {"eco", "free"}, "an eco dyno sleeps, and the alert monitor with it"
    assert [b["url"] for b in app["buildpacks"]] == ["heroku/python"]
    (postgres,) = [a for a in app["addons"] if a["plan"].startswith("heroku-postgresql")]
    assert postgres.get("as", "DATABASE") == "DATABASE"  # the attachment Heroku names DATABASE_URL


# -- render.yaml: the Render Blueprint -------------------------------------------------------------------


def test_render_web_service_runs_the_procfile_web_command_with_a_health_check() -> None:
    web = render_web()
    assert web["startCommand"] == procfile()["web"], "render.yaml: startCommand is not the Procfile's web"
    assert web["healthCheckPath"] == "/healthz"
    assert web["runtime"] == "python"
    assert web["buildCommand"] == "pip install -r requirements.txt"
    assert web.get("plan", "free") != "free", "a free web service sleeps when idle, and the alerts with it"


def test_render_lists_every_readme_variable_secrets_unsynced() -> None:
    env = render_env()
    variables = readme_variables()
    missing = [n for n in variables if n != "PORT" and n not in env]
    assert not missing, f"render.yaml: envVars has no entry for {', '.join(missing)} (in README.md's table)"
    stale = [n for n in env if n not in variables]
    assert not stale, f"render.yaml: envVars has {', '.join(stale)}, which README.md's table does not list"
    assert "PORT" not in env, "render.yaml: PORT is set by Render itself"
    for name, entry in env.items():
        sources = {"value", "sync", "fromDatabase", "generateValue"} & set(entry)
        assert len(sources) == 1, f"render.yaml: {name} needs exactly one source, has {sorted(sources)}"
        if "sync" in entry:
            assert entry["sync"] is False, f"render.yaml: {name} must be sync: false"
        if is_secret(name) and name != "DATABASE_URL":
            assert entry.get("sync") is False, f"render.yaml: {name} is a secret: sync: false, no value"
    defaults = {n: str(e["value"]) for n, e in env.items() if "value" in e}
    accepted_by_the_bot(defaults, "render.yaml")


def test_render_wires_its_postgres_to_database_url() -> None:
    blueprint = render_yaml()
    wiring = render_env()["DATABASE_URL"]["fromDatabase"]
    assert wiring["property"] == "connectionString"
    assert wiring["name"] in [db["name"] for db in blueprint["databases"]]


# -- requirements.txt and .python-version ----------------------------------------------------------------


def lock_pins() -> dict[str, str]:
    text = (ROOT / "requirements.txt").read_text()
    return {m[0].lower(): m[1] for m in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.M)}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_requirements_txt_pins_every_runtime_dependency_with_hashes() -> None:
    text = (ROOT / "requirements.txt").read_text()
    assert text.splitlines()[1].lstrip("# ").strip() == LOCK_COMMAND, "the header must show the command"
    pins = {normalise(n): v for n, v in lock_pins().items()}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for block in blocks:
        assert "==" in block.splitlines()[0] and "--hash=sha256:" in block, f"not pinned with hashes: {block}"
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in dependencies:
        requirement = Requirement(line)
        name = normalise(requirement.name)
        assert name in pins, f"requirements.txt does not pin {name}: regenerate it with {LOCK_COMMAND}"
        assert requirement.specifier.contains(pins[name]), (
            f"requirements.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement.specifier}: "
            f"regenerate it with {LOCK_COMMAND}"
        )


def test_python_version_is_the_one_ci_tests_and_the_lock_is_made_for() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    assert version == "3.11" and f"--python-version {version}" in LOCK_COMMAND
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version.startswith(requires.removeprefix(">=")), (version, requires)
    if os.environ.get("CI", "").lower() == "true":
        assert f"{sys.version_info.major}.{sys.version_info.minor}" == version, "CI runs another Python"


def test_readme_shows_how_to_regenerate_the_lock_and_what_free_tiers_do() -> None:
    readme = (ROOT / "README.md").read_text()
    assert LOCK_COMMAND in readme
    assert "python -m bot manifest --http-url https://" in readme
    for word in ("app.json", "render.yaml", "sleep"):
        assert word in readme, word


# -- the suite needs nothing outside the repository ------------------------------------------------------


def test_the_suite_reads_nothing_outside_the_repository() -> None:
    outside = [".." + "/shared", "ROOT" + ".parent", "parent" + ".parent.parent", "/" + "work/"]
    files = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / ".ci").iterdir()]
    for path in files:
        text = path.read_text(errors="replace")
        for needle in outside:
            assert needle not in text, f"{path.relative_to(ROOT)} refers outside the repository ({needle})"
    from tests import test_manifest

    assert test_manifest.SCHEMA.is_relative_to(ROOT / "tests"), "the manifest schema must be the vendored one"
