"""A fake Kalshi WebSocket API v2 of our own: a real WebSocket server on 127.0.0.1.

The upgrade request is checked as Kalshi checks it, by the REST fake's own verification
(:meth:`tests.fakes.kalshi.FakeKalshi.verify`, its keys, ``timestamp + "GET" + path``): a bad signature
is answered with HTTP 401. It answers ``subscribe`` as Kalshi does (one ``subscribed`` per channel, with
its ``sid``; Kalshi's error codes for bad commands), pings every ``ping_interval`` seconds, and does what
a test tells it: push fills and position changes, drop the connections, stop pinging, send error
messages (code 9 included), refuse the upgrade with a status of its choosing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from tests.fakes.kalshi import FakeKalshi

WS_PATH = "/trade-api/ws/v2"
KNOWN_CHANNELS = frozenset(
    {
        "orderbook_delta",
        "ticker",
        "trade",
        "fill",
        "market_positions",
        "market_lifecycle_v2",
        "communications",
    }
)


@dataclass
class Handshake:
    path: str
    headers: dict[str, str]
    problem: str | None  # why the signature does not hold; None: it does
    at: float = field(default_factory=time.monotonic)


def fill_body(count: int = 10, price: str = "0.5600", ticker: str = "KXTEST-26DEC31-T50") -> dict[str, Any]:
    """A ``fill`` message's ``msg``, as Kalshi's AsyncAPI document shows it."""
    return {
        "trade_id": str(uuid.uuid4()),
        "order_id": str(uuid.uuid4()),
        "market_ticker": ticker,
        "is_taker": True,
        "side": "yes",
        "yes_price_dollars": price,
        "count_fp": f"{count}.00",
        "action": "buy",
        "ts": int(time.time()),
        "post_position_fp": f"{count}.00",
        "purchased_side": "yes",
    }


def position_body(position: int = 10, ticker: str = "KXTEST-26DEC31-T50") -> dict[str, Any]:
    """A ``market_position`` message's ``msg``."""
    return {
        "user_id": "user-0001",
        "market_ticker": ticker,
        "position_fp": f"{position}.00",
        "position_cost_dollars": "5.6000",
        "realized_pnl_dollars": "0.0000",
        "fees_paid_dollars": "0.0100",
        "position_fee_cost_dollars": "0.0100",
        "volume_fp": f"{position}.00",
    }


class FakeKalshiWS:
    def __init__(self, kalshi: FakeKalshi, *, ping_interval: float = 10.0) -> None:
        self.kalshi = kalshi  # whose keys and clock the signature is checked with
        self.ping_interval = ping_interval
        self.pinging = True
        self.refuse_status: int | None = None  # answer every upgrade with this status
        self.subscribe_error: tuple[int, str] | None = None  # answer every subscribe with this error
        self.handshakes: list[Handshake] = []
        self.commands: list[dict[str, Any]] = []
        self.subscriptions: list[float] = []  # when each connection had both channels confirmed
        self.sent: list[tuple[float, dict[str, Any]]] = []  # pushed messages, with when they left
        self.pongs = 0
        self._sids = itertools.count(1)
        self._seq = itertools.count(1)
        self._subscribed: dict[ServerConnection, dict[str, int]] = {}  # connection -> channel -> sid
        self._connections: set[ServerConnection] = set()
        self._cond = threading.Condition()
        self._server = serve(
            self._handle, "127.0.0.1", 0, process_request=self._check_upgrade, ping_interval=None
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-kalshi-ws")
        host, port = self._server.socket.getsockname()[:2]
        self._url = f"ws://{host}:{port}{WS_PATH}"
        self._stopped = False

    # -- control ---------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._url

    def start(self) -> FakeKalshiWS:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.drop()
        self._server.shutdown()

    def send_fill(self, **fields: Any) -> float:
        """Push a fill to every connection subscribed to ``fill``; when it left (monotonic seconds)."""
        return self._push("fill", "fill", fill_body(**fields))

    def send_position(self, **fields: Any) -> float:
        return self._push("market_positions", "market_position", position_body(**fields))

    def send_error(self, code: int, text: str, command_id: int | None = None) -> None:
        """An error message, as Kalshi sends one for a failed command, to every connection."""
        message: dict[str, Any] = {"type": "error", "msg": {"code": code, "msg": text}}
        if command_id is not None:
            message["id"] = command_id
        self._broadcast(json.dumps(message))

    def send_raw(self, text: str) -> None:
        self._broadcast(text)

    def drop(self) -> None:
        """Cut every connection at the TCP level, without a close frame: a dropped connection."""
        with self._cond:
            connections = list(self._connections)
        for ws in connections:
            with contextlib.suppress(OSError):
                ws.socket.shutdown(socket.SHUT_RDWR)

    @property
    def connections(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_subscribed(self, count: int = 1, timeout: float = 5.0) -> float:
        """Wait until ``count`` connections in all had both channels confirmed; when the last one did."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.subscriptions) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(self.subscriptions)} subscription(s), not {count}, in {timeout}s"
                    )
                self._cond.wait(remaining)
            return self.subscriptions[count - 1]

    def wait_handshakes(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.handshakes) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.handshakes)} handshake(s), not {count}, in {timeout}s")
                self._cond.wait(remaining)

    # -- Kalshi's side -----------------------------------------------------------------------------------
    def _check_upgrade(self, connection: ServerConnection, request: Request) -> Response | None:
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        problem = self.kalshi.verify("GET", request.path, headers)
        with self._cond:
            self.handshakes.append(Handshake(request.path, headers, problem))
            self._cond.notify_all()
        if self.refuse_status is not None:
            return self._refuse(connection, self.refuse_status, "refused by the test")
        if request.path.split("?", 1)[0] != WS_PATH:
            return self._refuse(connection, 404, "not found")
        if problem is not None:
            return self._refuse(connection, 401, problem)
        return None

    @staticmethod
    def _refuse(connection: ServerConnection, status: int, message: str) -> Response:
        """Kalshi's nested error shape (as its REST 401s come), as the body of the refused upgrade."""
        return connection.respond(status, json.dumps({"error": {"code": "refused", "message": message}}))

    def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            self._connections.add(ws)
        threading.Thread(target=self._ping, args=(ws,), daemon=True, name="fake-kalshi-ws-ping").start()
        try:
            for raw in ws:
                self._command(ws, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._connections.discard(ws)
                self._subscribed.pop(ws, None)

    def _ping(self, ws: ServerConnection) -> None:
        while True:
            time.sleep(self.ping_interval)
            with self._cond:
                if ws not in self._connections:
                    return
            if not self.pinging:
                continue
            try:
                pong = ws.ping()
            except ConnectionClosed:
                return
            if pong.wait(max(1.0, self.ping_interval)):
                with self._cond:
                    self.pongs += 1

    def _command(self, ws: ServerConnection, raw: str | bytes) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._reply(ws, {"type": "error", "msg": {"code": 1, "msg": "Unable to process message"}})
            return
        with self._cond:
            self.commands.append(data)
        command_id = data.get("id")
        if data.get("cmd") != "subscribe":
            self._reply(ws, {"id": command_id, "type": "error", "msg": {"code": 5, "msg": "Unknown command"}})
            return
        params = data.get("params")
        if not isinstance(params, dict):
            self._reply(ws, {"id": command_id, "type": "error", "msg": {"code": 2, "msg": "Params required"}})
            return
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            self._reply(
                ws, {"id": command_id, "type": "error", "msg": {"code": 3, "msg": "Channels required"}}
            )
            return
        if self.subscribe_error is not None:
            code, text = self.subscribe_error
            self._reply(ws, {"id": command_id, "type": "error", "msg": {"code": code, "msg": text}})
            return
        for channel in channels:
            if channel not in KNOWN_CHANNELS:
                error = {"code": 8, "msg": "Unknown channel name"}
                self._reply(ws, {"id": command_id, "type": "error", "msg": error})
                continue
            sid = next(self._sids)
            with self._cond:
                self._subscribed.setdefault(ws, {})[channel] = sid
            self._reply(ws, {"id": command_id, "type": "subscribed", "msg": {"channel": channel, "sid": sid}})
        with self._cond:
            if {"fill", "market_positions"} <= set(self._subscribed.get(ws, {})):
                self.subscriptions.append(time.monotonic())
                self._cond.notify_all()

    @staticmethod
    def _reply(ws: ServerConnection, message: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed):
            ws.send(json.dumps(message))

    def _push(self, channel: str, kind: str, body: dict[str, Any]) -> float:
        with self._cond:
            targets = [(ws, sids[channel]) for ws, sids in self._subscribed.items() if channel in sids]
        left = time.monotonic()
        for ws, sid in targets:
            message = {"type": kind, "sid": sid, "seq": next(self._seq), "msg": body}
            self._reply(ws, message)
            with self._cond:
                self.sent.append((left, message))
        return left

    def _broadcast(self, text: str) -> None:
        with self._cond:
            connections = list(self._connections)
        for ws in connections:
            with contextlib.suppress(ConnectionClosed):
                ws.send(text)
