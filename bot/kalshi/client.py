"""The Kalshi HTTP client: one pooled httpx client, signed requests, bounded retries inside a deadline."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from bot import __version__
from bot.domain.numbers import seconds_number
from bot.kalshi.errors import (
    KalshiBadResponse,
    KalshiConnectionError,
    KalshiError,
    KalshiTimeout,
    error_from_response,
)
from bot.kalshi.models import SUBACCOUNTS, AccountLimits, Balance, ExchangeStatus, SubaccountBalances

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries that all fit inside one total deadline (seconds)."""

    deadline: float = 6.0
    max_attempts: int = 4
    backoff_base: float = 0.2
    backoff_cap: float = 2.0
    connect_timeout: float = 2.0
    read_timeout: float = 4.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base * 2^attempt, capped."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))


class KalshiClient:
    """Reads from Kalshi's trade API v2. Thread-safe; make one per process and reuse it."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            auth=auth,
            transport=transport,
            headers={"User-Agent": f"kalshi-balance-bot/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=60),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_balance(self, subaccount: int | None = None) -> Balance:
        """``GET /portfolio/balance``; ``subaccount`` (0 primary, 1..63) goes in the query, unsigned."""
        if subaccount is not None and subaccount not in SUBACCOUNTS:
            raise ValueError("subaccount must be 0..63")
        params = {"subaccount": str(subaccount)} if subaccount is not None else None
        return Balance.from_json(self.get_json("portfolio/balance", params=params))

    def get_subaccount_balances(self) -> SubaccountBalances:
        """``GET /portfolio/subaccounts/balances``: every subaccount (0 = primary), summed over exchange
        indexes, sorted by number, exact dollars."""
        return SubaccountBalances.from_json(self.get_json("portfolio/subaccounts/balances"))

    def get_exchange_status(self) -> ExchangeStatus:
        """``GET /exchange/status`` (public), asked once with a short deadline: it only explains a
        failure that already took its time."""
        quick = replace(
            self.retry,
            max_attempts=1,
            deadline=min(2.0, self.retry.deadline),
            read_timeout=min(2.0, self.retry.read_timeout),
            connect_timeout=min(1.0, self.retry.connect_timeout),
        )
        return ExchangeStatus.from_json(self.get_json("exchange/status", retry=quick))

    def get_account_limits(self) -> AccountLimits:
        """``GET /account/limits``: the API usage tier and the read budget."""
        return AccountLimits.from_json(self.get_json("account/limits"))

    def get_json(
        self, path: str, params: dict[str, str] | None = None, *, retry: RetryPolicy | None = None
    ) -> Any:
        """GET a path below the base URL, retrying what is safe to retry, within the deadline."""
        policy = retry or self.retry
        deadline = self._clock() + policy.deadline
        attempt = 0
        while True:
            try:
                return self._attempt(path, params, deadline, policy)
            except KalshiError as exc:
                attempt += 1
                wait = self._wait_before_retry(exc, attempt, deadline, policy)
                if wait is None:
                    raise
                log.warning("Kalshi GET /%s failed (%s); retry %d in %.2fs", path, exc, attempt, wait)
                self._sleep(wait)

    def _wait_before_retry(
        self, exc: KalshiError, attempt: int, deadline: float, policy: RetryPolicy
    ) -> float | None:
        if not exc.retryable or attempt >= policy.max_attempts:
            return None
        wait = exc.retry_after if exc.retry_after is not None else policy.backoff(attempt - 1)
        # Leave room for the next attempt itself: retrying with no time left only delays the answer.
        if self._clock() + wait + 0.05 >= deadline:
            return None
        return wait

    def _attempt(self, path: str, params: dict[str, str] | None, deadline: float, policy: RetryPolicy) -> Any:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise KalshiTimeout()
        timeout = httpx.Timeout(
            min(policy.read_timeout, remaining),
            connect=min(policy.connect_timeout, remaining),
        )
        try:
            with self._http.stream("GET", path, params=params, timeout=timeout) as response:
                body = self._read_body(response, deadline)
        except httpx.TimeoutException as exc:
            raise KalshiTimeout() from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            raise KalshiConnectionError(_connection_sentence(exc)) from exc
        except httpx.HTTPError as exc:
            raise KalshiConnectionError(f"The request to Kalshi failed ({type(exc).__name__}).") from exc

        if response.status_code >= 400 or response.status_code < 200:
            error = error_from_response(response.status_code, body, response.headers.get("content-type", ""))
            error.retry_after = _retry_after(response.headers.get("retry-after"))
            raise error
        if response.status_code != 200:
            raise KalshiBadResponse(f"unexpected HTTP {response.status_code}", status=response.status_code)
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            kind = "an HTML page" if body.lstrip()[:1] == b"<" else "something that is not JSON"
            raise KalshiBadResponse(f"it sent {kind}", status=response.status_code) from exc

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise KalshiBadResponse("the response is too large", status=response.status_code)
            chunks.append(chunk)
            if self._clock() > deadline:
                raise KalshiTimeout()
        return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    seconds = seconds_number(value.strip())
    if seconds is None:
        return None  # an HTTP date; Kalshi sends none, backoff is fine then
    return max(0.0, min(seconds, 60.0))


def _connection_sentence(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "Could not connect to Kalshi (connection refused or host unreachable)."
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "The connection to Kalshi broke before the answer was complete."
    return "The connection to Kalshi failed."
