from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import keys
from tests.fakes.kalshi import FakeKalshi


@pytest.fixture(scope="session")
def _kalshi_server() -> Iterator[FakeKalshi]:
    fake = FakeKalshi(keys.rsa_key().public_key(), keys.KEY_ID).start()
    yield fake
    fake.stop()


@pytest.fixture
def kalshi(_kalshi_server: FakeKalshi) -> Iterator[FakeKalshi]:
    """The project's fake Kalshi on 127.0.0.1, reset to a plain balance for each test."""
    _kalshi_server.reset()
    yield _kalshi_server
    _kalshi_server.reset()


@pytest.fixture
def kalshi_env(kalshi: FakeKalshi, tmp_path: object) -> dict[str, str]:
    """Environment for the CLI against the fake Kalshi."""
    return {
        "KALSHI_API_KEY_ID": keys.KEY_ID,
        "KALSHI_PRIVATE_KEY": keys.pkcs1_pem().replace("\n", "\\n"),
        "KALSHI_API_BASE_URL": kalshi.base_url,
    }
