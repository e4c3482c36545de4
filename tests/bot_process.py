"""The bot as a real process (``python -m bot``) on 127.0.0.1, and requests signed as Slack signs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests import keys

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "canary-signing-secret-8d1f"
BOT_TOKEN = "xoxb-canary-bot-token-5e2a"
APP_TOKEN = "xapp-canary-app-token-77c1"


ALERTS_ENV = {
    "BALANCE_ALERT_CHANNEL": "C0ALERTS1",
    "BALANCE_ALERT_THRESHOLD": "$250",
    "BALANCE_ALERT_INTERVAL": "2",
    "BALANCE_ALERT_REARM": "10",
    "BALANCE_ADMIN_USERS": "U0ADMIN01",
}


def canaries() -> list[str]:
    """Every secret the tests hand the bot: none may appear in a log line or a reply."""
    pem_body = [line for line in keys.pkcs1_pem().splitlines() if line and not line.startswith("-----")]
    ed_body = [line for line in keys.ed25519_pem().splitlines() if line and not line.startswith("-----")]
    return [
        SIGNING_SECRET,
        BOT_TOKEN,
        APP_TOKEN,
        keys.KEY_ID,
        keys.ED25519_KEY_ID,
        pem_body[1],
        pem_body[-2],
        ed_body[0],
    ]


def assert_no_secrets(text: str, where: str) -> None:
    for secret in canaries():
        assert secret not in text, f"a secret ({secret[:6]}…) leaked into {where}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env() -> dict[str, str]:
    """The parent's environment without any of the bot's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KALSHI_", "SLACK_", "BALANCE_", "BOT_"))}
    env.pop("PORT", None)
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def bot_env(kalshi_url: str, slack_api_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    """The bot's environment against the fakes. Real time (Kalshi's WebSocket) is off unless the test
    points it at the fake WebSocket (KALSHI_WS_URL) or sets BALANCE_REALTIME itself: the fake REST server
    answers an upgrade with 404, which would only add a reconnecting listener to every test."""
    realtime = {} if "KALSHI_WS_URL" in extra or "BALANCE_REALTIME" in extra else {"BALANCE_REALTIME": "off"}
    return {
        **realtime,
        "KALSHI_API_KEY_ID": keys.KEY_ID,
        "KALSHI_PRIVATE_KEY": keys.pkcs1_pem().replace("\n", "\\n"),
        "KALSHI_API_BASE_URL": kalshi_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "BOT_HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "BOT_STATE_PATH": str(state_dir / "state.sqlite3"),
        "BALANCE_FRESHNESS_SECONDS": "0",
        "BOT_LOG_LEVEL": "DEBUG",
        **extra,
    }


_clients = threading.local()


def http() -> httpx.Client:
    """This thread's client for the requests the tests send the bot. A client built per request
    (httpx.get/post) costs about 20 ms of CPU, minutes over the suite; one client shared by threads is not
    safe (a connection closed under another thread's read). Without keep-alive each request still has
    its own connection."""
    client: httpx.Client | None = getattr(_clients, "client", None)
    if client is None:
        client = _clients.client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
    return client


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path, args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.log_path = log_path
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_in: float | None = None
        self.started_at = 0.0  # unix time of the start, for what the bot records (tests/waits.py)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    def start(self, wait_ready: bool = True) -> BotProcess:
        log = self.log_path.open("ab")
        t0 = time.monotonic()
        self.started_at = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *self.args],
            env={**base_env(), **self.env},
            cwd=self.log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if wait_ready:
            self.wait_ready()
            self.started_in = time.monotonic() - t0
        return self

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if http().get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"bot not ready in {timeout}s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    # -- requests as Slack sends them -----------------------------------------------------------------
    def post_signed(
        self,
        body: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        h = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(headers or {}),
        }
        return http().post(f"{self.url}/slack/events", content=body.encode(), headers=h, timeout=10)

    def command(
        self, text: str, response_url: str, user: str = "U0TRADER1", channel: str = "C0DESK001", **kw: Any
    ) -> httpx.Response:
        return self.post_signed(command_body(text, response_url, user, channel), **kw)

    def event(self, event: dict[str, Any], **kw: Any) -> httpx.Response:
        """An Events API request (JSON), signed as Slack signs it."""
        headers = {"Content-Type": "application/json"}
        return self.post_signed(json.dumps(event_envelope(event)), headers=headers, **kw)

    def open_home(self, user: str = "U0TRADER1", tab: str = "home") -> httpx.Response:
        return self.event(home_opened_event(user, tab))

    def click_home_refresh(self, user: str = "U0TRADER1") -> httpx.Response:
        return self.post_signed(home_refresh_body(user))

    def click_refresh(
        self, response_url: str, user: str = "U0TRADER1", channel: str = "C0DESK001", value: str = "refresh"
    ) -> httpx.Response:
        return self.post_signed(refresh_body(response_url, user, channel, value))


def command_body(text: str, response_url: str, user: str = "U0TRADER1", channel: str = "C0DESK001") -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0DESK",
            "team_domain": "desk",
            "channel_id": channel,
            "channel_name": "trading",
            "user_id": user,
            "user_name": "trader",
            "command": "/balance",
            "text": text,
            "api_app_id": "A0BOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def refresh_body(
    response_url: str, user: str = "U0TRADER1", channel: str = "C0DESK001", value: str = "refresh"
) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "trader", "team_id": "T0DESK"},
        "api_app_id": "A0BOT",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": channel, "is_ephemeral": True},
        "trigger_id": "1.2.3",
        "team": {"id": "T0DESK", "domain": "desk"},
        "channel": {"id": channel, "name": "trading"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": "balance_refresh",
                "block_id": "balance_actions",
                "type": "button",
                "value": value,
                "text": {"type": "plain_text", "text": "Refresh"},
                "action_ts": "1.3",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def home_opened_event(user: str = "U0TRADER1", tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME001", "tab": tab, "event_ts": "1.1"}


def event_envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T0DESK",
        "api_app_id": "A0BOT",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{int(time.time() * 1000)}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": "T0DESK", "user_id": "U0BOT", "is_bot": True}],
    }


def home_refresh_body(user: str = "U0TRADER1") -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "trader", "team_id": "T0DESK"},
        "api_app_id": "A0BOT",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0HOME001"},
        "trigger_id": "1.2.3",
        "team": {"id": "T0DESK", "domain": "desk"},
        "view": {"id": "V0HOME001", "type": "home", "blocks": []},
        "actions": [
            {
                "action_id": "home_refresh",
                "block_id": "home_actions",
                "type": "button",
                "value": "refresh",
                "text": {"type": "plain_text", "text": "Refresh"},
                "action_ts": "1.3",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
