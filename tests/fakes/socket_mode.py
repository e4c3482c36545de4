"""A fake Slack Socket Mode endpoint: a websocket server on 127.0.0.1 that hands the bot envelopes.

Point the fake Slack's ``apps.connections.open`` at :attr:`FakeSocketMode.url`; the bot's Socket Mode
client then connects here, gets ``hello``, and acknowledges each envelope we send by its id.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self._ws: ServerConnection | None = None
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-socket")

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def _handle(self, ws: ServerConnection) -> None:
        self._ws = ws
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0BOT"}}))
        self.connected.set()
        for message in ws:
            self.received.put(json.loads(message))

    def send(self, envelope: dict[str, Any]) -> None:
        assert self._ws is not None
        self._ws.send(json.dumps(envelope))

    def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = self.received.get(timeout=timeout)
            if message.get("envelope_id") == envelope_id:
                return message
