"""Where Kalshi's WebSocket API v2 lives, from the REST base URL the bot already uses.

Kalshi serves its WebSocket API on a host of its own beside each primary REST host (the official
AsyncAPI document: ``external-api-ws.kalshi.com``, ``external-api-ws.demo.kalshi.co``); the older shared
hosts serve both on one host. Any other host (a proxy, the tests' fake on 127.0.0.1) is taken to serve
both too, ``wss://`` for ``https://`` and ``ws://`` for plain ``http://``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WS_PATH = "/trade-api/ws/v2"
"""The path of the WebSocket endpoint, and what the upgrade request is signed over (with ``GET``)."""

WS_HOST_BY_REST_HOST = {
    "external-api.kalshi.com": "external-api-ws.kalshi.com",
    "external-api.demo.kalshi.co": "external-api-ws.demo.kalshi.co",
    "api.elections.kalshi.com": "api.elections.kalshi.com",
    "demo-api.kalshi.co": "demo-api.kalshi.co",
}

ENV_BY_KNOWN_WS_HOST = {
    "external-api-ws.kalshi.com": "prod",
    "api.elections.kalshi.com": "prod",
    "external-api-ws.demo.kalshi.co": "demo",
    "demo-api.kalshi.co": "demo",
}


def ws_url_for(rest_base_url: str) -> str:
    """The WebSocket URL that goes with a REST base URL (``https://HOST/trade-api/v2``)."""
    parts = urlsplit(rest_base_url)
    host = (parts.hostname or "").lower()
    scheme = "ws" if parts.scheme == "http" else "wss"
    if host in WS_HOST_BY_REST_HOST:
        return f"wss://{WS_HOST_BY_REST_HOST[host]}{WS_PATH}"
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return f"{scheme}://{netloc}{WS_PATH}"


def signed_ws_path(url: str) -> str:
    """The path Kalshi checks the upgrade's signature over: the URL's own path, never its query."""
    return urlsplit(url).path or "/"
