"""A fake Slack of our own on 127.0.0.1: the Web API (``/api/<method>``) and response_url receivers.

Records every call; tests wait for what they expect with :meth:`FakeSlack.wait_for`. ``chat.postMessage``
answers can be scripted (ratelimited with Retry-After, channel_not_found, a 500, …) with :meth:`script`.
Charts (``data_visualization`` blocks) are checked against Slack's documented limits
(:mod:`tests.fakes.chart_rules`) and refused as Slack refuses them: ``invalid_blocks`` from the Web API,
HTTP 400 at a response_url; :meth:`refuse_charts` makes a surface refuse every chart, as a surface or
client that does not take the block would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.fakes import chart_rules
from tests.fakes.server import FakeServer

RESPONSE = "response"  # the response_urls, for refuse_charts (the Web API surfaces by method name)


@dataclass
class Call:
    path: str  # "/api/chat.postMessage" or "/response/<name>"
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class ApiReply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer: a slow Slack


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._scripts: dict[str, list[ApiReply]] = {}
        self._always: dict[str, ApiReply] = {}  # a method's answer until reset, after its script
        self._refusing: set[str] = set()  # surfaces that refuse every chart, until reset
        self.chart_refusals: list[tuple[str, list[str]]] = []  # (path, why) of each refused chart
        self._cond = threading.Condition()
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self._server = FakeServer(self._handler_class(), "fake-slack")

    @property
    def base(self) -> str:
        return self._server.origin

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/response/{name}"

    def start(self) -> FakeSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self._scripts.clear()
            self._always.clear()
            self._refusing.clear()
            self.chart_refusals.clear()

    def script(self, method: str, *replies: ApiReply) -> None:
        with self._cond:
            self._scripts.setdefault(method, []).extend(replies)

    def always(self, method: str, reply: ApiReply) -> None:
        """Answer every call of ``method`` (an API method, or ``response`` for the response_urls) with
        ``reply`` until :meth:`reset`."""
        with self._cond:
            self._always[method] = reply

    def refuse_charts(self, *surfaces: str) -> None:
        """Refuse every chart on these surfaces until :meth:`reset`: ``chat.postMessage``,
        ``views.publish`` (``invalid_blocks``) or :data:`RESPONSE` (HTTP 400 at a response_url)."""
        with self._cond:
            self._refusing.update(surfaces)

    def posts(self, method: str = "chat.postMessage") -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.path == f"/api/{method}"]

    def published_views(self) -> list[tuple[str, dict[str, Any]]]:
        """(user id, view) of every ``views.publish`` call, the view decoded when sent as a string."""
        views = []
        for call in self.posts("views.publish"):
            view = call.body.get("view")
            views.append((str(call.body.get("user_id")), json.loads(view) if isinstance(view, str) else view))
        return views

    def responses(self, name: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.path == f"/response/{name}"]

    def wait_for(self, predicate: Callable[[FakeSlack], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; calls so far: {[c.path for c in self.calls]}")
                self._cond.wait(remaining)

    def wait_response(self, name: str, count: int = 1, timeout: float = 10.0) -> Call:
        calls: list[Call] = self.wait_for(
            lambda s: len(s.responses(name)) >= count and s.responses(name), timeout
        )
        return calls[count - 1]

    def _record(self, call: Call) -> ApiReply:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            refused = self._chart_refusal(call)
            if refused is not None:
                return refused
            script = self._scripts.get(call.method)
            if call.path.startswith("/api/") and script:
                return script.pop(0)
            key = call.method if call.path.startswith("/api/") else "response"
            if key in self._always:
                return self._always[key]
        return self._default(call)

    def _chart_refusal(self, call: Call) -> ApiReply | None:
        """Slack's answer to blocks whose charts it does not take; None when there is none to refuse."""
        blocks = call_blocks(call)
        if not chart_rules.charts(blocks):
            return None
        surface = RESPONSE if call.path.startswith("/response/") else call.method
        why = chart_rules.problems(blocks) or (
            ["refused on this surface"] if surface in self._refusing else []
        )
        if not why:
            return None
        self.chart_refusals.append((call.path, why))
        if surface == RESPONSE:
            return ApiReply(status=400, body={"ok": False, "error": "invalid_blocks"})
        return ApiReply(body={"ok": False, "error": "invalid_blocks", "errors": why})

    def _default(self, call: Call) -> ApiReply:
        if call.method == "auth.test":
            return ApiReply(body={"ok": True, "team": "Test Desk", "user": "kalshi_bot", "bot_id": "B1"})
        if call.method == "chat.postMessage":
            return ApiReply(
                body={"ok": True, "channel": call.body.get("channel"), "ts": f"{time.time():.6f}"}
            )
        if call.method == "views.publish":
            return ApiReply(body={"ok": True, "view": {"id": "V0HOME001", "type": "home"}})
        if call.method == "apps.connections.open":
            if self.socket_url is None:
                return ApiReply(body={"ok": False, "error": "not_allowed_token_type"})
            return ApiReply(body={"ok": True, "url": self.socket_url})
        return ApiReply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = fake._record(Call(self.path, body, headers))
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def call_blocks(call: Call) -> Any:
    """The blocks a call carries: a message's, or the view's of ``views.publish`` (JSON text or not)."""
    holder: Any = call.body
    if call.method == "views.publish":
        holder = holder.get("view")
        holder = json.loads(holder) if isinstance(holder, str) else holder
    blocks = holder.get("blocks") if isinstance(holder, dict) else None
    return json.loads(blocks) if isinstance(blocks, str) else blocks
