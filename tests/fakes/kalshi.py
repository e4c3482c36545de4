"""A fake Kalshi trade API of our own: a real HTTP server on 127.0.0.1 that checks signatures as Kalshi does.

It verifies KALSHI-ACCESS-KEY / -TIMESTAMP / -SIGNATURE over ``timestamp + METHOD + path-without-query``
with the public key registered for the key id: RSA keys by RSA-PSS (SHA-256, MGF1-SHA-256, salt = digest
length), Ed25519 keys by plain Ed25519. It answers 401 in Kalshi's nested shape when they do not hold.

It serves the shapes of kalshi-python-sync 3.34 (see tests/test_kalshi_shapes.py):
``GET /portfolio/balance`` (``?subaccount=N``), ``/portfolio/subaccounts/balances``, ``/exchange/status``
(public: no signature needed) and ``/account/limits``, and the activity behind a balance (fills,
settlements, deposits, withdrawals, transfers: tests.fakes.kalshi_activity, on :attr:`FakeKalshi.activity`).
Tests script answers per path with :meth:`FakeKalshi.queue` and :meth:`FakeKalshi.route`.

Run alone: ``python -m tests.fakes.kalshi --public-key key.pub --key-id ID`` serves a fixed balance.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from tests.fakes.kalshi_activity import ACTIVITY_PATHS, FakeActivity
from tests.fakes.server import FakeServer

PREFIX = "/trade-api/v2"
TIMESTAMP_WINDOW_MS = 60_000
BALANCE = "/portfolio/balance"
SUBACCOUNT_BALANCES = "/portfolio/subaccounts/balances"
EXCHANGE_STATUS = "/exchange/status"
ACCOUNT_LIMITS = "/account/limits"
PUBLIC_PATHS = frozenset({EXCHANGE_STATUS})

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass
class Reply:
    """One scripted answer. ``body`` may be a JSON-able object or raw bytes."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body bytes
    reset: bool = False  # close the socket without an answer
    truncate: bool = False  # announce the full length, send half, close

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


def dollars(cents: int) -> str:
    """Cents as Kalshi's fixed-point dollar string with four decimals, exactly (no float)."""
    return f"{Decimal(cents).scaleb(-2):.4f}"


def balance_body(
    balance: int = 123456,
    portfolio_value: int = 50000,
    updated_ts: int = 1764000000,
    balance_dollars: str | None = None,
) -> dict[str, Any]:
    """``GetBalanceResponse`` as the live API sends it, breakdown per exchange index included."""
    exact = balance_dollars if balance_dollars is not None else dollars(balance)
    return {
        "balance": balance,
        "balance_dollars": exact,
        "portfolio_value": portfolio_value,
        "updated_ts": updated_ts,
        "balance_breakdown": [{"exchange_index": 0, "balance": exact}],
    }


def subaccount_row(number: int, balance: str, updated_ts: int = 1764000000, index: int = 0) -> dict[str, Any]:
    """One ``SubaccountBalance``: a subaccount's balance on one exchange index."""
    return {
        "subaccount_number": number,
        "exchange_index": index,
        "balance": balance,
        "updated_ts": updated_ts,
    }


def exchange_status_body(active: bool = True, resume: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "exchange_active": active,
        "trading_active": active,
        "intra_exchange_transfers_active": active,
    }
    if resume is not None:
        body["exchange_estimated_resume_time"] = resume
    return body


def account_limits_body(tier: str = "basic", read_rate: int = 200, write_rate: int = 100) -> dict[str, Any]:
    return {
        "usage_tier": tier,
        "read": {"refill_rate": read_rate, "bucket_capacity": read_rate},
        "write": {"refill_rate": write_rate, "bucket_capacity": write_rate * 2},
        "grants": [],
    }


def default_rows() -> list[dict[str, Any]]:
    return [subaccount_row(0, dollars(123456))]


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    verified: bool


class FakeKalshi:
    def __init__(self, public_key: PublicKey, key_id: str, *, latency: float = 0.0) -> None:
        self.keys: dict[str, PublicKey] = {key_id: public_key}
        self.key_id = key_id
        self.latency = latency
        self.default = Reply(body=balance_body())
        self.subaccount_rows: list[dict[str, Any]] = default_rows()
        self.activity = FakeActivity()
        self._routes: dict[str, Reply] = {}
        self._queues: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.requests: list[SeenRequest] = []
        self.clock_ms = lambda: time.time_ns() // 1_000_000
        self._server = FakeServer(self._handler_class(), "fake-kalshi")

    # -- control -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._server.origin + PREFIX

    def start(self) -> FakeKalshi:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def register(self, key_id: str, public_key: PublicKey) -> None:
        """Another API key Kalshi knows, as the key dialog registers it (RSA or Ed25519)."""
        self.keys[key_id] = public_key

    def queue(self, *replies: Reply, path: str = BALANCE) -> None:
        """Answers for the next requests to ``path`` (below the prefix), in order, then the default."""
        with self._lock:
            self._queues.setdefault(path, []).extend(replies)

    def route(self, path: str, reply: Reply) -> None:
        """The standing answer for ``path`` instead of the built-in one."""
        self._routes[path] = reply

    def set_balance(self, balance: int, portfolio_value: int = 50000, updated_ts: int = 1764000000) -> None:
        self.default = Reply(body=balance_body(balance, portfolio_value, updated_ts))

    def set_subaccounts(self, *rows: dict[str, Any]) -> None:
        """What ``/portfolio/subaccounts/balances`` lists (see :func:`subaccount_row`); the
        ``?subaccount=N`` balance of a listed N is the sum of its rows."""
        self.subaccount_rows = list(rows)

    def reset(self) -> None:
        with self._lock:
            self._queues.clear()
            self.requests.clear()
        self._routes.clear()
        self.default = Reply(body=balance_body())
        self.subaccount_rows = default_rows()
        self.activity.reset()
        self.latency = 0.0

    @property
    def count(self) -> int:
        return len(self.requests)

    def seen(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == PREFIX + path]

    # -- Kalshi's checks ------------------------------------------------------------------------------
    def verify(self, method: str, raw_path: str, headers: dict[str, str]) -> str | None:
        """None when the request is signed as Kalshi requires, else why not."""
        key_id = headers.get("kalshi-access-key")
        ts = headers.get("kalshi-access-timestamp")
        sig = headers.get("kalshi-access-signature")
        if not key_id or not ts or not sig:
            return "missing authentication headers"
        key = self.keys.get(key_id)
        if key is None:
            return "unknown API key"
        if not ts.isdigit() or abs(int(ts) - self.clock_ms()) > TIMESTAMP_WINDOW_MS:
            return "timestamp outside the allowed window"
        message = f"{ts}{method}{raw_path.split('?', 1)[0]}".encode()
        try:
            signature = base64.b64decode(sig, validate=True)
            if isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(signature, message)
            else:
                key.verify(
                    signature,
                    message,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
                    hashes.SHA256(),
                )
        except (InvalidSignature, ValueError):
            return "invalid signature"
        return None

    # -- what it serves -------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, list[str]]) -> Reply:
        with self._lock:
            queued = self._queues.get(path)
            if queued:
                return queued.pop(0)
        if path in self._routes:
            return self._routes[path]
        if path == BALANCE:
            return self._balance(query)
        if path == SUBACCOUNT_BALANCES:
            return Reply(body={"subaccount_balances": list(self.subaccount_rows)})
        if path == EXCHANGE_STATUS:
            return Reply(body=exchange_status_body())
        if path == ACCOUNT_LIMITS:
            return Reply(body=account_limits_body())
        if path in ACTIVITY_PATHS:
            status, body = self.activity.answer(path, query)
            return Reply(status, body)
        return Reply(404, {"code": "not_found", "message": "not found", "service": "api"})

    def _balance(self, query: dict[str, list[str]]) -> Reply:
        raw = query.get("subaccount", [None])[0]
        if raw is None:
            return self.default
        if not raw.isdigit() or not 0 <= int(raw) <= 63:
            return Reply(
                400, {"code": "invalid_parameters", "message": "invalid subaccount", "service": "api"}
            )
        rows = [r for r in self.subaccount_rows if r["subaccount_number"] == int(raw)]
        if not rows:
            if int(raw) == 0:
                return self.default
            return Reply(404, {"code": "not_found", "message": "subaccount not found", "service": "api"})
        total = sum((Decimal(r["balance"]) for r in rows), Decimal(0))
        cents = int(total.scaleb(2))  # whole cents, toward zero, as the integer field carries them
        body = {
            "balance": cents,
            "balance_dollars": f"{total:f}",
            "portfolio_value": 0,
            "updated_ts": max(r["updated_ts"] for r in rows),
            "balance_breakdown": [
                {"exchange_index": r["exchange_index"], "balance": r["balance"]} for r in rows
            ],
        }
        return Reply(body=body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                problem = fake.verify("GET", self.path, headers)
                split = urlsplit(self.path)
                query = parse_qs(split.query)
                with fake._lock:
                    fake.requests.append(SeenRequest("GET", split.path, query, headers, problem is None))
                if fake.latency:
                    time.sleep(fake.latency)
                path = split.path.removeprefix(PREFIX)
                if problem is not None and path not in PUBLIC_PATHS:
                    body = {"error": {"code": "authentication_error", "message": problem, "details": ""}}
                    self._send(Reply(status=401, body=body))
                    return
                self._send(fake.answer(path, query))

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if reply.truncate:
                        self.wfile.write(payload[: len(payload) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    if reply.drip:
                        for i in range(len(payload)):
                            self.wfile.write(payload[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--public-key", required=True, help="PEM file of the public key")
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    with open(args.public_key, "rb") as f:
        public_key = serialization.load_pem_public_key(f.read())
    assert isinstance(public_key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey)
    fake = FakeKalshi(public_key, args.key_id, latency=args.latency).start()
    print(f"KALSHI_API_BASE_URL={fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
