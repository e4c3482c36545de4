"""The client against the fake Kalshi over real HTTP: error shapes, retries, the deadline."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.kalshi import KalshiClient
from bot.kalshi.client import RetryPolicy
from bot.kalshi.errors import (
    KalshiAPIError,
    KalshiBadResponse,
    KalshiConnectionError,
    KalshiError,
    KalshiTimeout,
)
from bot.kalshi.signer import KalshiAuth, load_private_key
from tests import keys
from tests.fakes.kalshi import FakeKalshi, Reply, balance_body, subaccount_row

FAST = RetryPolicy(deadline=2.0, max_attempts=4, backoff_base=0.01, backoff_cap=0.05, read_timeout=0.5)


def make_client(base_url: str, retry: RetryPolicy = FAST) -> KalshiClient:
    return KalshiClient(base_url, KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem())), retry=retry)


@pytest.fixture
def client(kalshi: FakeKalshi) -> Iterator[KalshiClient]:
    with make_client(kalshi.base_url) as c:
        yield c


def test_reads_balance_and_tolerates_unknown_fields(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(body={**balance_body(987654321, 1234, 1700000000), "new_field": {"x": [1]}}))
    balance = client.get_balance()
    assert (balance.balance_cents, balance.portfolio_value_cents, balance.updated_ts) == (
        987654321,
        1234,
        1700000000,
    )
    assert balance.total_cents == 987655555
    assert kalshi.requests[-1].path == "/trade-api/v2/portfolio/balance"


def test_subaccount_goes_in_the_query_and_is_not_signed(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.set_subaccounts(subaccount_row(2, "5.00"))
    client.get_balance(subaccount=2)
    assert kalshi.requests[-1].query == {"subaccount": ["2"]} and kalshi.requests[-1].verified


@pytest.mark.parametrize(
    ("body", "code", "message", "details", "service"),
    [
        (
            {
                "code": "bad_request",
                "message": "bad input",
                "details": "x must be set",
                "service": "exchange",
            },
            "bad_request",
            "bad input",
            "x must be set",
            "exchange",
        ),
        (
            {
                "error": {
                    "code": "authentication_error",
                    "message": "token authentication failure",
                    "details": "signature",
                }
            },
            "authentication_error",
            "token authentication failure",
            "signature",
            None,
        ),
        ({"error": "too many requests"}, None, "too many requests", None, None),
    ],
)
def test_each_error_shape(
    client: KalshiClient,
    kalshi: FakeKalshi,
    body: object,
    code: str | None,
    message: str,
    details: str | None,
    service: str | None,
) -> None:
    kalshi.queue(Reply(status=400, body=body))
    with pytest.raises(KalshiAPIError) as info:
        client.get_balance()
    err = info.value
    assert (err.status, err.code, err.message, err.details, err.service) == (
        400,
        code,
        message,
        details,
        service,
    )
    assert message in err.sentence()


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(client: KalshiClient, kalshi: FakeKalshi, status: int) -> None:
    kalshi.queue(Reply(status=status, body={"code": "x", "message": "no"}))
    with pytest.raises(KalshiAPIError):
        client.get_balance()
    assert kalshi.count == 1


def test_401_hint_mentions_demo_keys(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(status=401, body={"error": {"code": "authentication_error", "message": "bad"}}))
    with pytest.raises(KalshiAPIError) as info:
        client.get_balance()
    hint = info.value.hint() or ""
    assert "demo" in hint and "clock" in hint


def test_429_then_success_is_retried(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(status=429, body={"error": "too many requests"}), Reply(status=429, body=None))
    assert client.get_balance().balance_cents == 123456
    assert kalshi.count == 3


def test_retry_after_is_honoured(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(status=429, body={"error": "too many requests"}, headers={"Retry-After": "0.3"}))
    start = time.monotonic()
    client.get_balance()
    assert time.monotonic() - start >= 0.3


def test_retry_after_beyond_the_deadline_gives_up_at_once(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(status=429, body={"error": "too many requests"}, headers={"Retry-After": "30"}))
    start = time.monotonic()
    with pytest.raises(KalshiAPIError) as info:
        client.get_balance()
    assert info.value.status == 429 and time.monotonic() - start < 1.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(client: KalshiClient, kalshi: FakeKalshi, status: int) -> None:
    kalshi.queue(
        Reply(status=status, body=b"<html><body>Bad Gateway</body></html>", content_type="text/html")
    )
    assert client.get_balance().balance_cents == 123456
    assert kalshi.count == 2


def test_html_502_that_persists_is_a_clear_error(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.default = Reply(status=502, body=b"<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(KalshiAPIError) as info:
        client.get_balance()
    assert info.value.status == 502 and "bad gateway" in info.value.sentence().lower()
    assert kalshi.count == FAST.max_attempts


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(body=b"{not json"), "not JSON"),
        (Reply(body=b"<html>hi</html>", content_type="text/html"), "HTML"),
        (Reply(body=[1, 2]), "JSON object"),
        (Reply(body={"balance": 1, "updated_ts": 2}), "'portfolio_value' is missing"),
        (Reply(body={"balance": "12.50", "portfolio_value": 1, "updated_ts": 2}), "'balance' is not a whole"),
        (Reply(body={"balance": 1.5, "portfolio_value": 1, "updated_ts": 2}), "'balance' is not a whole"),
        (Reply(body={"balance": True, "portfolio_value": 1, "updated_ts": 2}), "'balance' is not a whole"),
        (Reply(body={"balance": 2**63, "portfolio_value": 1, "updated_ts": 2}), "out of range"),
    ],
)
def test_bad_bodies_are_clear_errors(
    client: KalshiClient, kalshi: FakeKalshi, reply: Reply, why: str
) -> None:
    kalshi.queue(reply)
    with pytest.raises(KalshiBadResponse, match=why):
        client.get_balance()
    assert kalshi.count == 1


def test_int64_extremes_and_negatives_are_exact(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(body=balance_body(2**63 - 1, -(2**63), 0)))
    b = client.get_balance()
    assert b.balance_cents == 2**63 - 1 and b.portfolio_value_cents == -(2**63)


def test_timeout_is_retried_within_the_deadline(kalshi: FakeKalshi) -> None:
    kalshi.default = Reply(body=balance_body(), delay=1.0)
    policy = RetryPolicy(deadline=1.5, max_attempts=5, backoff_base=0.01, read_timeout=0.4)
    with make_client(kalshi.base_url, policy) as client:
        start = time.monotonic()
        with pytest.raises(KalshiTimeout):
            client.get_balance()
        elapsed = time.monotonic() - start
    assert elapsed < 1.5 + 0.3
    assert 2 <= kalshi.count <= 5


def test_slow_drip_body_stops_at_the_deadline(kalshi: FakeKalshi) -> None:
    kalshi.default = Reply(body=balance_body(), drip=0.05)  # ~120 bytes: ~6 s in all
    policy = RetryPolicy(deadline=1.0, max_attempts=1, read_timeout=0.5)
    with make_client(kalshi.base_url, policy) as client:
        start = time.monotonic()
        with pytest.raises(KalshiTimeout):
            client.get_balance()
    assert time.monotonic() - start < 1.6


def test_timeout_then_success(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(body=balance_body(), delay=0.8))
    assert client.get_balance().balance_cents == 123456
    assert kalshi.count == 2


def test_connection_reset_then_success(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.queue(Reply(reset=True))
    assert client.get_balance().balance_cents == 123456


def test_truncated_body_is_an_error(client: KalshiClient, kalshi: FakeKalshi) -> None:
    kalshi.default = Reply(body=balance_body(), truncate=True)
    with pytest.raises(KalshiError) as info:
        client.get_balance()
    assert isinstance(info.value, KalshiConnectionError | KalshiBadResponse)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_connection_is_a_clear_error() -> None:
    with (
        make_client(f"http://127.0.0.1:{free_port()}/trade-api/v2") as client,
        pytest.raises(KalshiConnectionError, match="connection refused"),
    ):
        client.get_balance()


def test_error_str_has_message_status_and_code() -> None:
    err = KalshiAPIError("token authentication failure", status=401, code="authentication_error")
    assert str(err) == "Kalshi said: token authentication failure (HTTP 401, code authentication_error)"
