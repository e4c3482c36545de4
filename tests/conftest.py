from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import keys
from tests.bot_process import ALERTS_ENV, BotProcess, assert_no_secrets, bot_env
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.postgres_server import PostgresServer, find_bindir

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.scheduler import LoadScopeScheduling

    from bot.store import Store

StoreFactory = Callable[[], "Store"]
"""Opens the same backing store again on each call (a restart opens it anew)."""


TMPFS = Path("/dev/shm")
TMPFS_ROOM = 2**30  # bytes free on it, or the temporary files stay where they were (a container's is 64 MB)


def pytest_configure(config: pytest.Config) -> None:
    """The run's temporary files (pytest's tmp_path, the bot's stores and logs, the PostgreSQL servers) on
    tmpfs when there is one with room and TMPDIR is not set: every SQLite commit of the bot's stores is
    an fsync, which a disk makes wait and tmpfs does not. No test depends on what survives a power cut."""
    if "TMPDIR" in os.environ or config.option.basetemp or not os.access(TMPFS, os.W_OK):
        return
    if TMPFS.is_dir() and shutil.disk_usage(TMPFS).free >= TMPFS_ROOM:
        os.environ["TMPDIR"] = str(TMPFS)  # the xdist workers and the processes the tests start inherit it
        tempfile.tempdir = None  # so that tempfile (and pytest's basetemp) reads it again


WHOLE_MODULES = frozenset({"tests/test_faults.py"})
"""Modules run whole on one worker: the fault matrix's report gathers a row from each of its tests."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest tests first (``@pytest.mark.slow(seconds)``), so that none is left to run alone at the
    end of a run on several workers (pyproject.toml's addopts); the others keep their order."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("slow")
        return float(mark.args[0]) if mark is not None else 0.0

    items.sort(key=seconds, reverse=True)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    """Under ``-n`` (xdist's "load" mode): each test is its own unit of work, handed out in collection
    order, except the modules of WHOLE_MODULES. (xdist's own ``--dist loadgroup`` groups nothing under
    pytest 9.2, pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in WHOLE_MODULES else nodeid

    return Scheduling(config, log)


@pytest.fixture(scope="session")
def _kalshi_server() -> Iterator[FakeKalshi]:
    fake = FakeKalshi(keys.rsa_key().public_key(), keys.KEY_ID).start()
    fake.register(keys.ED25519_KEY_ID, keys.ed25519_key().public_key())
    yield fake
    fake.stop()


@pytest.fixture
def kalshi(_kalshi_server: FakeKalshi) -> Iterator[FakeKalshi]:
    """The project's fake Kalshi on 127.0.0.1, reset to a plain balance for each test."""
    _kalshi_server.reset()
    yield _kalshi_server
    _kalshi_server.reset()


@pytest.fixture
def kalshi_env(kalshi: FakeKalshi) -> dict[str, str]:
    """Environment for the CLI against the fake Kalshi."""
    return {
        "KALSHI_API_KEY_ID": keys.KEY_ID,
        "KALSHI_PRIVATE_KEY": keys.pkcs1_pem().replace("\n", "\\n"),
        "KALSHI_API_BASE_URL": kalshi.base_url,
    }


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The project's fake Slack Web API and response_url receiver on 127.0.0.1."""
    _slack_server.reset()
    yield _slack_server
    for call in _slack_server.calls:  # every reply and post the bot sent
        assert_no_secrets(json.dumps(call.body), f"a Slack call to {call.path}")


@pytest.fixture
def start_bot(
    _kalshi_server: FakeKalshi, _slack_server: FakeSlack, tmp_path: Path
) -> Iterator[Callable[..., BotProcess]]:
    """Start ``python -m bot`` against the fakes; extra keyword arguments become environment variables."""
    started: list[BotProcess] = []

    def start(wait_ready: bool = True, **extra: str) -> BotProcess:
        env = bot_env(_kalshi_server.base_url, _slack_server.api_url, tmp_path, **extra)
        bot = BotProcess(env, tmp_path / f"bot-{len(started)}.log").start(wait_ready)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()
        assert_no_secrets(bot.logs(), f"the log of {bot.log_path.name}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server of the tests' own on 127.0.0.1 (Debian's postgresql package)."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but PostgreSQL is not installed")
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql; .ci/run does it)")
    server = PostgresServer(bindir).start()  # one per xdist worker: tests there kill other sessions
    yield server
    server.stop()


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    """A fresh, empty database for one test."""
    return postgres.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def alert_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Alerts on, with each store in turn: the same behaviour is required of both."""
    if request.param == "sqlite":
        return dict(ALERTS_ENV)
    return {**ALERTS_ENV, "DATABASE_URL": request.getfixturevalue("database_url")}


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """The store the bot uses (alert state, history, digest log), of both kinds, on one backing store."""
    if request.param == "sqlite":
        from bot.store.sqlite import SQLiteStore

        return lambda: SQLiteStore(tmp_path / "state.sqlite3")
    from bot.store.postgres import PostgresStore

    url = request.getfixturevalue("database_url")
    return lambda: PostgresStore(url)


@pytest.fixture
def socket_server(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    """A local Socket Mode endpoint that the fake Slack's apps.connections.open hands out."""
    server = FakeSocketMode().start()
    slack.socket_url = server.url
    yield server
    slack.socket_url = None
    server.stop()
