"""A fake Kalshi trade API of our own: a real HTTP server on 127.0.0.1 that checks signatures as Kalshi does.

It verifies KALSHI-ACCESS-KEY / -TIMESTAMP / -SIGNATURE (RSA-PSS, SHA-256, MGF1-SHA-256, salt = digest
length, over ``timestamp + METHOD + path-without-query``) with the public key, and answers 401 in Kalshi's
nested shape when they do not hold. Tests script its answers with :meth:`FakeKalshi.queue`.

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
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.server import FakeServer

PREFIX = "/trade-api/v2"
TIMESTAMP_WINDOW_MS = 60_000


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


def balance_body(
    balance: int = 123456, portfolio_value: int = 50000, updated_ts: int = 1764000000
) -> dict[str, Any]:
    return {
        "balance": balance,
        "portfolio_value": portfolio_value,
        "updated_ts": updated_ts,
        "balance_dollars": f"{balance / 100:.4f}",  # the live API sends extras: clients must tolerate them
        "balance_breakdown": {"cash": balance},
    }


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    verified: bool


class FakeKalshi:
    def __init__(self, public_key: rsa.RSAPublicKey, key_id: str, *, latency: float = 0.0) -> None:
        self.public_key = public_key
        self.key_id = key_id
        self.latency = latency
        self.default = Reply(body=balance_body())
        self._queue: list[Reply] = []
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

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def set_balance(self, balance: int, portfolio_value: int = 50000, updated_ts: int = 1764000000) -> None:
        self.default = Reply(body=balance_body(balance, portfolio_value, updated_ts))

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.default = Reply(body=balance_body())
        self.latency = 0.0

    @property
    def count(self) -> int:
        return len(self.requests)

    # -- Kalshi's checks ------------------------------------------------------------------------------
    def verify(self, method: str, raw_path: str, headers: dict[str, str]) -> str | None:
        """None when the request is signed as Kalshi requires, else why not."""
        key = headers.get("kalshi-access-key")
        ts = headers.get("kalshi-access-timestamp")
        sig = headers.get("kalshi-access-signature")
        if not key or not ts or not sig:
            return "missing authentication headers"
        if key != self.key_id:
            return "unknown API key"
        if not ts.isdigit() or abs(int(ts) - self.clock_ms()) > TIMESTAMP_WINDOW_MS:
            return "timestamp outside the allowed window"
        path = raw_path.split("?", 1)[0]
        try:
            self.public_key.verify(
                base64.b64decode(sig, validate=True),
                f"{ts}{method}{path}".encode(),
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return "invalid signature"
        return None

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default

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
                with fake._lock:
                    fake.requests.append(
                        SeenRequest("GET", split.path, parse_qs(split.query), headers, problem is None)
                    )
                if fake.latency:
                    time.sleep(fake.latency)
                if problem is not None:
                    body = {"error": {"code": "authentication_error", "message": problem, "details": ""}}
                    self._send(Reply(status=401, body=body))
                    return
                if split.path != f"{PREFIX}/portfolio/balance":
                    self._send(Reply(404, {"code": "not_found", "message": "not found", "service": "api"}))
                    return
                self._send(fake._next_reply())

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
    assert isinstance(public_key, rsa.RSAPublicKey)
    fake = FakeKalshi(public_key, args.key_id, latency=args.latency).start()
    print(f"KALSHI_API_BASE_URL={fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
