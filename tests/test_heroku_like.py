"""A Heroku-like run: the Procfile's ``web`` command from the repo root, in a venv of requirements.txt alone.

``HEROKU_LIKE_PYTHON`` names that venv's python. .ci/run makes it on every CI run (a fresh venv, then
``pip install --require-hashes -r requirements.txt`` and nothing else: the project is not installed), so
this proves the lock alone runs the bot. By hand::

    python3 -m venv /tmp/heroku-like && /tmp/heroku-like/bin/pip install --require-hashes -r requirements.txt
    HEROKU_LIKE_PYTHON=/tmp/heroku-like/bin/python python -m pytest tests/test_heroku_like.py

Without the variable the test is skipped, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.bot_process import BotProcess, assert_no_secrets, base_env, bot_env
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.readme import readme_variables

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, command in (line.split(":", 1) for line in lines if line)}


def heroku_like_python() -> Path:
    value = os.environ.get("HEROKU_LIKE_PYTHON")
    if not value:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but HEROKU_LIKE_PYTHON is not set: .ci/run must build the Heroku-like venv")
        pytest.skip("HEROKU_LIKE_PYTHON is not set (a venv with only requirements.txt; .ci/run makes one)")
    python = Path(value)
    assert python.is_file(), f"HEROKU_LIKE_PYTHON={value} is not a file"
    return python


class ProcfileWeb(BotProcess):
    """The Procfile's web command as the platform runs it: through a shell, from the repo root, with PORT."""

    def __init__(self, env: dict[str, str], log_path: Path, python: Path) -> None:
        super().__init__(env, log_path)
        self.python = python

    def start(self, wait_ready: bool = True) -> ProcfileWeb:
        env = {**base_env(), **self.env}
        env.pop("PYTHONPATH")  # the repo root as working directory is all that puts `bot` on the path
        env.pop("VIRTUAL_ENV", None)
        env["PATH"] = f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}"  # `python` is the venv's
        with self.log_path.open("ab") as log:
            command = ["/bin/bash", "-c", procfile()["web"]]
            self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        if wait_ready:
            self.wait_ready()
        return self


@pytest.fixture
def web(_kalshi_server: FakeKalshi, _slack_server: FakeSlack, tmp_path: Path) -> Iterator[ProcfileWeb]:
    python = heroku_like_python()
    _kalshi_server.reset()
    _slack_server.reset()
    # Every variable of the README's table is set, to its test value or empty, so that a developer's own
    # .env in the repo root (read from the working directory, the environment winning) changes nothing.
    blank = dict.fromkeys(readme_variables(), "")
    env = {**blank, **bot_env(_kalshi_server.base_url, _slack_server.api_url, tmp_path)}
    env["BOT_LOG_LEVEL"] = "INFO"
    process = ProcfileWeb(env, tmp_path / "web.log", python).start()
    yield process
    process.stop()
    assert_no_secrets(process.logs(), "the Heroku-like web process's log")


def test_the_venv_holds_only_the_lock(web: ProcfileWeb) -> None:
    script = "import importlib.util as u; print(u.find_spec('pytest') is None, u.find_spec('bot') is None)"
    out = subprocess.run(
        [str(web.python), "-c", script], cwd="/", capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["True", "True"], "the Heroku-like venv must hold requirements.txt only"


def test_procfile_web_answers_healthz_and_a_signed_balance(
    web: ProcfileWeb, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    assert httpx.get(f"{web.url}/healthz", timeout=5).status_code == 200
    kalshi.set_balance(123456, 50000, 1764000000)
    ack = web.command("", slack.response_url("heroku"))
    assert ack.status_code == 200
    reply = slack.wait_response("heroku").body
    assert reply["response_type"] == "ephemeral"
    assert "available $1,234.56, portfolio value $500.00, total $1,734.56" in reply["text"]
    assert kalshi.requests[-1].verified
