"""The Kalshi part: key, host, environment, timeout."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from bot.config.reader import Reader, https_url
from bot.config.settings import KalshiSettings, Secret
from bot.kalshi.signer import KeyLoadError, PrivateKey, load_private_key
from bot.kalshi.ws_url import ENV_BY_KNOWN_WS_HOST

# The SDK's primary hosts are the defaults; the older shared hosts stay known (kalshi-python-sync 3.34).
BASE_URLS_BY_ENV = {
    "prod": "https://external-api.kalshi.com/trade-api/v2",
    "demo": "https://external-api.demo.kalshi.co/trade-api/v2",
}
ENV_BY_KNOWN_HOST = {
    "external-api.kalshi.com": "prod",
    "api.elections.kalshi.com": "prod",
    "external-api.demo.kalshi.co": "demo",
    "demo-api.kalshi.co": "demo",
}


def kalshi_env(r: Reader, base_url: str | None) -> str:
    """The DEMO label follows the host: a known host decides; one that contradicts KALSHI_ENV is an error."""
    explicit = r.get("KALSHI_ENV")
    env = explicit.lower() if explicit else None
    if env is not None and env not in BASE_URLS_BY_ENV:
        r.problems.append("KALSHI_ENV must be 'prod' or 'demo'")
        env = None
    host_env = None
    if base_url is not None:
        try:
            host_env = ENV_BY_KNOWN_HOST.get((urlsplit(base_url).hostname or "").lower())
        except ValueError:
            host_env = None
    if host_env is not None and env is not None and host_env != env:
        kind = "a demo" if host_env == "demo" else "a production (real-money)"
        r.problems.append(
            f"KALSHI_API_BASE_URL is {kind} Kalshi host, which contradicts KALSHI_ENV; "
            "make the two agree, or leave KALSHI_ENV unset to follow the host"
        )
    return host_env or env or "prod"


def kalshi_settings(r: Reader) -> KalshiSettings | None:
    key_id = r.required("KALSHI_API_KEY_ID", " (the API key id shown when you created the key)")
    key = private_key(r)
    override = r.get("KALSHI_API_BASE_URL")
    env = kalshi_env(r, override)
    base_url = override or BASE_URLS_BY_ENV[env]
    if override is not None:
        https_url(r, "KALSHI_API_BASE_URL", override, "https://external-api.kalshi.com/trade-api/v2")
    timeout = r.number("KALSHI_TIMEOUT_SECONDS", 6.0, minimum=0.5, unit="seconds")
    ws_url = ws_url_override(r, env)
    if key_id is None or key is None:
        return None
    return KalshiSettings(Secret(key_id), key, env, base_url.rstrip("/"), timeout, ws_url)


def ws_url_override(r: Reader, env: str) -> str | None:
    """KALSHI_WS_URL: ``wss://`` (plain ``ws://`` for loopback only); a known Kalshi host of the other
    environment than the REST URL's is an error (the key would be refused there)."""
    url = r.get("KALSHI_WS_URL")
    if url is None:
        return None
    name = "KALSHI_WS_URL"
    example = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    if not https_url(r, name, url, example, secure="wss", plain="ws"):
        return None
    host_env = ENV_BY_KNOWN_WS_HOST.get((urlsplit(url).hostname or "").lower())
    if host_env is not None and host_env != env:
        kind = "a demo" if host_env == "demo" else "a production (real-money)"
        r.problems.append(
            f"{name} is {kind} Kalshi host, but the REST API in use is not; make it match "
            "KALSHI_ENV / KALSHI_API_BASE_URL, or leave it unset to follow the REST host"
        )
        return None
    return url.rstrip("/")


def private_key(r: Reader) -> PrivateKey | None:
    text, path = r.get("KALSHI_PRIVATE_KEY"), r.get("KALSHI_PRIVATE_KEY_PATH")
    if text and path:
        r.problems.append("set KALSHI_PRIVATE_KEY or KALSHI_PRIVATE_KEY_PATH, not both")
        return None
    if path:
        name = "KALSHI_PRIVATE_KEY_PATH"
        if "-----BEGIN" in path or "\n" in path or "\\n" in path:
            r.problems.append(
                f"{name} is not a readable file path (it looks like PEM text; put PEM text in "
                "KALSHI_PRIVATE_KEY)"
            )
            return None
        try:
            text = Path(path).expanduser().read_text(encoding="ascii", errors="replace")
        except OSError as exc:  # the path itself is not shown: it is the variable's value
            r.problems.append(f"{name} is not a readable file path ({exc.strerror or type(exc).__name__})")
            return None
    elif text:
        name = "KALSHI_PRIVATE_KEY"
    else:
        r.problems.append(
            "KALSHI_PRIVATE_KEY (the PEM text) or KALSHI_PRIVATE_KEY_PATH (a PEM file) is not set"
        )
        return None
    try:
        return load_private_key(text)
    except KeyLoadError as exc:
        r.problems.append(f"{name}: {exc}")
        return None
