"""The Kalshi WebSocket listener against the fake Kalshi WebSocket server, which checks signatures as
Kalshi does: real sockets, the real signer, the real library, on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bot.kalshi.signer import KalshiAuth, load_private_key
from bot.kalshi.websocket import KalshiStream, probe
from bot.kalshi.ws_status import CONNECTED, DOWN, REFUSED, Backoff, StreamStatus, check_line
from tests import keys
from tests.bot_process import assert_no_secrets
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.kalshi_ws import WS_PATH, FakeKalshiWS

LOGGER = "bot.kalshi.websocket"


class Activity:
    """The listener's callback: counts the calls, and lets a test wait for a count."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self._cond = threading.Condition()

    def __call__(self) -> None:
        with self._cond:
            self.calls.append(time.monotonic())
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> float:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.calls) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.calls)} call(s), not {count}, in {timeout}s")
                self._cond.wait(remaining)
            return self.calls[count - 1]


def rsa_auth() -> KalshiAuth:
    return KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))


def wait_status(stream: KalshiStream, state: str, timeout: float = 5.0) -> StreamStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = stream.status()
        if status.state == state:
            return status
        time.sleep(0.01)
    raise AssertionError(f"still {stream.status()} after {timeout}s, not {state}")


def lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and text in r.getMessage()]


@pytest.fixture
def ws_fake(kalshi: FakeKalshi) -> Iterator[FakeKalshiWS]:
    fake = FakeKalshiWS(kalshi, ping_interval=0.1).start()
    yield fake
    fake.stop()


@pytest.fixture
def listen(
    ws_fake: FakeKalshiWS, caplog: pytest.LogCaptureFixture
) -> Iterator[Callable[..., tuple[KalshiStream, Activity]]]:
    """Start a listener on the fake with test-sized timings; every one is stopped after the test."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    started: list[KalshiStream] = []

    def start(auth: KalshiAuth | None = None, **options: float) -> tuple[KalshiStream, Activity]:
        activity = Activity()
        settings: dict[str, float] = {"silence_seconds": 1.0, "open_timeout": 2.0, "auth_retry_seconds": 0.3}
        settings.update(options)
        stream = KalshiStream(
            ws_fake.url, auth or rsa_auth(), activity, backoff=Backoff(base=0.1, cap=0.4), **settings
        )
        started.append(stream.start())
        return stream, activity

    yield start
    for stream in started:
        assert stream.stop()
    assert_no_secrets(caplog.text, "the listener's log")


@pytest.mark.parametrize("key", ["rsa", "ed25519"])
def test_connects_signed_and_subscribes_to_fills_and_positions(
    key: str, listen: Callable[..., tuple[KalshiStream, Activity]], ws_fake: FakeKalshiWS
) -> None:
    auth = (
        rsa_auth() if key == "rsa" else KalshiAuth(keys.ED25519_KEY_ID, load_private_key(keys.ed25519_pem()))
    )
    stream, _ = listen(auth)
    ws_fake.wait_subscribed(1)
    status = wait_status(stream, CONNECTED)
    assert status.healthy and status.describe() == "connected and subscribed to fill, market_positions"
    (handshake,) = ws_fake.handshakes
    assert handshake.problem is None and handshake.path == WS_PATH
    assert {"kalshi-access-key", "kalshi-access-timestamp", "kalshi-access-signature"} <= set(
        handshake.headers
    )
    assert ws_fake.commands == [
        {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}
    ]


def test_each_fill_and_position_change_calls_back(
    listen: Callable[..., tuple[KalshiStream, Activity]], ws_fake: FakeKalshiWS
) -> None:
    stream, activity = listen()
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)
    sent = ws_fake.send_fill()
    assert activity.wait(1) - sent < 0.5
    ws_fake.send_position()
    activity.wait(2)
    ws_fake.send_raw('{"type": "ok", "id": 5}')  # neither activity nor anything to act on
    ws_fake.send_raw("not json")
    ws_fake.send_fill()
    activity.wait(3)
    assert len(activity.calls) == 3 and stream.status().healthy


def test_pings_are_answered_and_keep_a_quiet_socket_alive(
    listen: Callable[..., tuple[KalshiStream, Activity]], ws_fake: FakeKalshiWS
) -> None:
    stream, _ = listen(silence_seconds=1.0)
    ws_fake.wait_subscribed(1)
    deadline = time.monotonic() + 10
    while ws_fake.pongs < 20 and time.monotonic() < deadline:  # 2 s and more of pings, no message at all
        time.sleep(0.05)
    assert ws_fake.pongs >= 20
    assert len(ws_fake.handshakes) == 1 and stream.status().healthy  # pings count: not silent


def test_a_dropped_connection_is_made_again_within_5_s_with_a_fresh_signature(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream, activity = listen()
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)
    dropped = time.monotonic()
    ws_fake.drop()
    back = ws_fake.wait_subscribed(2, timeout=5)
    assert back - dropped < 5
    first, second = ws_fake.handshakes
    assert first.problem is None and second.problem is None
    assert first.headers["kalshi-access-timestamp"] != second.headers["kalshi-access-timestamp"]
    assert first.headers["kalshi-access-signature"] != second.headers["kalshi-access-signature"]
    activity.wait(1)  # the reconnect asks for one read: fills may have happened while it was down
    wait_status(stream, CONNECTED)
    assert lines(caplog, "Kalshi WebSocket lost (the connection dropped)")
    assert lines(caplog, "Kalshi WebSocket connected again")


def test_a_silent_socket_is_dead(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream, _ = listen(silence_seconds=0.8)
    ws_fake.wait_subscribed(1)
    ws_fake.pinging = False
    ws_fake.wait_handshakes(2, timeout=5)  # it gave up on the silent socket and connected anew
    assert lines(caplog, "Kalshi WebSocket lost (no ping or message for 0.8 s)")
    ws_fake.pinging = True
    ws_fake.wait_subscribed(2, timeout=5)
    wait_status(stream, CONNECTED)


def test_a_401_on_the_upgrade_is_logged_once_with_what_to_do(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws_fake.refuse_status = 401
    stream, _ = listen()
    status = wait_status(stream, REFUSED)
    assert status.cause == "HTTP 401 on the upgrade" and not status.healthy
    ws_fake.wait_handshakes(4)  # it keeps trying, rarely (every 0.3 s here, 15 min by default)
    (line,) = lines(caplog, "Kalshi refused the WebSocket's credentials")
    assert "HTTP 401 on the upgrade" in line and "KALSHI_API_KEY_ID" in line and "polling carries on" in line
    ws_fake.refuse_status = None  # fixed on Kalshi's side: it comes back without a restart
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)
    assert len(lines(caplog, "Kalshi refused")) == 1


def test_a_key_kalshi_does_not_know_is_refused_by_the_signature_check(
    listen: Callable[..., tuple[KalshiStream, Activity]], ws_fake: FakeKalshiWS
) -> None:
    stranger = KalshiAuth("unregistered-key-id", load_private_key(keys.pkcs1_pem()))
    stream, _ = listen(stranger)
    assert wait_status(stream, REFUSED).cause == "HTTP 401 on the upgrade"
    assert ws_fake.handshakes[0].problem == "unknown API key"


def test_kalshi_error_code_9_is_an_authentication_failure_logged_once(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws_fake.subscribe_error = (9, "Authentication required")
    stream, _ = listen()
    status = wait_status(stream, REFUSED)
    assert status.cause == "Kalshi error code 9: Authentication required"
    ws_fake.wait_handshakes(3)
    assert len(lines(caplog, "Kalshi refused the WebSocket's credentials")) == 1


def test_an_error_message_ends_nothing(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream, activity = listen()
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)
    for _ in range(3):
        ws_fake.send_error(10, "Channel error")
    ws_fake.send_error(1, "Unable to process message", command_id=7)
    ws_fake.send_fill()
    activity.wait(1)  # still listening, on the same connection
    assert len(ws_fake.handshakes) == 1 and stream.status().healthy
    assert lines(caplog, "sent an error (code 10: Channel error); carrying on") == [
        "Kalshi WebSocket sent an error (code 10: Channel error); carrying on"
    ]
    assert len(lines(caplog, "code 1: Unable to process message")) == 1


def test_a_refused_subscription_is_a_lost_connection_tried_again(
    listen: Callable[..., tuple[KalshiStream, Activity]], ws_fake: FakeKalshiWS
) -> None:
    ws_fake.subscribe_error = (8, "Unknown channel name")
    stream, _ = listen()
    status = wait_status(stream, DOWN)
    assert status.cause == "Kalshi refused the subscription (code 8: Unknown channel name)"
    ws_fake.subscribe_error = None
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)


def test_one_log_line_per_change_of_state_never_one_per_try(
    listen: Callable[..., tuple[KalshiStream, Activity]],
    ws_fake: FakeKalshiWS,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws_fake.refuse_status = 503
    stream, _ = listen()
    ws_fake.wait_handshakes(4)  # four tries, one line
    assert stream.status().cause == "Kalshi answered the upgrade with HTTP 503"
    ws_fake.refuse_status = None
    ws_fake.wait_subscribed(1)
    wait_status(stream, CONNECTED)
    ws_fake.drop()
    ws_fake.wait_subscribed(2)
    wait_status(stream, CONNECTED)
    assert stream.stop()
    said = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert [line.split(" (")[0].split(" and ")[0] for line in said] == [
        "Kalshi WebSocket unavailable",
        "Kalshi WebSocket connected",
        "Kalshi WebSocket lost",
        "Kalshi WebSocket connected again",
        "Kalshi WebSocket stopped",
    ]


def test_probe_and_the_check_line_say_connected_or_why_not(
    ws_fake: FakeKalshiWS, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    url = ws_fake.url
    connected = probe(url, rsa_auth(), timeout=2)
    assert connected.healthy
    assert check_line(connected) == (
        True,
        "Kalshi WebSocket: connected and subscribed to fill, market_positions; "
        "alerts follow fills within a second",
    )
    ws_fake.refuse_status = 401
    refused = probe(url, rsa_auth(), timeout=2)
    assert refused.state == REFUSED and "HTTP 401" in refused.describe()
    passed, line = check_line(refused)
    assert passed is False and "refused the key (HTTP 401 on the upgrade)" in line and "KALSHI_ENV" in line
    ws_fake.stop()
    down = probe(url, rsa_auth(), timeout=2)
    assert down.state == DOWN and down.describe() == "not connected (connection refused); reconnecting"
    assert check_line(down) == (
        None,
        "Kalshi WebSocket: not connected (connection refused); the bot polls meanwhile and keeps trying",
    )
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG]  # the check prints; no log lines
