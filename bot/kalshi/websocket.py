"""Kalshi's WebSocket API v2: a listener that calls ``on_activity()`` for each fill and position change.

Connection life, in a thread of its own:

- the upgrade is signed like a REST call (``timestamp + "GET" + "/trade-api/ws/v2"``, the three
  ``KALSHI-ACCESS-*`` headers, through the one signer), freshly on every connect; redirects are not
  followed (the signed headers go to the host configured, nowhere else);
- it subscribes to ``fill`` and ``market_positions`` and is *connected* once Kalshi confirmed both;
- Kalshi's pings are answered (by the library); a socket on which Kalshi sends nothing, no ping and no
  message, for ``silence_seconds`` (30 s: three missed pings) is dead and is dropped;
- a lost connection is made again after a capped exponential backoff with jitter (0.25-0.5 s at first,
  then doubling, at most 60 s apart), and subscribed again; a reconnect calls ``on_activity()`` once,
  since fills may have happened while it was down;
- an authentication failure (HTTP 401 or 403 on the upgrade, or Kalshi's error code 9) is logged once
  with what to do; then it tries again only every 15 minutes (a key fixed on Kalshi's side, or a clock
  set right, comes back without a restart), quietly;
- any other error message from Kalshi is logged (once per code per connection) and ends nothing.

One log line per change of state (connected, lost with its cause, refused, stopped), never one per try.
The bot's polling is what carries on meanwhile; this only makes it faster.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import Frame, Opcode
from websockets.protocol import Event
from websockets.sync.client import ClientConnection, reconnect

from bot import __version__
from bot.kalshi.signer import KalshiAuth
from bot.kalshi.ws_messages import AUTH_REQUIRED, CHANNELS, parse, subscribe_command
from bot.kalshi.ws_status import (
    CONNECTED,
    DOWN,
    REFUSED,
    STARTING,
    STOPPED,
    Backoff,
    StreamStatus,
    network_cause,
    state_line,
)
from bot.kalshi.ws_url import signed_ws_path

log = logging.getLogger(__name__)

SILENCE_SECONDS = 30.0  # Kalshi pings every 10 s: three missed pings and the socket is dead
AUTH_RETRY_SECONDS = 900.0  # after Kalshi refused the key: one quiet try every 15 minutes
OPEN_TIMEOUT_SECONDS = 10.0  # TCP, TLS, the upgrade; then again for Kalshi to confirm the subscription
STABLE_SECONDS = 10.0  # a connection subscribed this long resets the backoff
SUBSCRIBE_ID = 1


class _Lost(Exception):
    """The connection ended, or could not be made; ``str()`` is the cause in a few words."""


class _Refused(_Lost):
    """Kalshi refused the credentials."""


class _HeardConnection(ClientConnection):
    """A client connection that notes when Kalshi last sent anything of its own: a message or a ping."""

    heard_at = 0.0

    def process_event(self, event: Event) -> None:
        super().process_event(event)
        if isinstance(event, Frame) and event.opcode is not Opcode.PONG:
            self.heard_at = time.monotonic()


class _NoRedirects(reconnect):
    """One connection (used as ``with``), following no redirect: the signed headers go nowhere else."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        return exc


class KalshiStream:
    """Listens to Kalshi's pushes in a thread of its own; :meth:`status` says how it is going."""

    def __init__(
        self,
        url: str,
        auth: KalshiAuth,
        on_activity: Callable[[], None],
        *,
        silence_seconds: float = SILENCE_SECONDS,
        backoff: Backoff | None = None,
        auth_retry_seconds: float = AUTH_RETRY_SECONDS,
        open_timeout: float = OPEN_TIMEOUT_SECONDS,
        stable_seconds: float = STABLE_SECONDS,
        on_change: Callable[[StreamStatus], None] | None = None,
        announce: bool = True,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``on_change``: told every change of status (and every new cause); ``announce``: log the
        changes at their level (else at DEBUG)."""
        self.url = url
        self._auth = auth
        self._on_activity = on_activity
        self.silence_seconds = silence_seconds
        self.backoff = backoff or Backoff()
        self.auth_retry_seconds = auth_retry_seconds
        self.open_timeout = open_timeout
        self.stable_seconds = stable_seconds
        self._on_change = on_change
        self.announce = announce
        self._wall = wall
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._status = StreamStatus(STARTING, wall(), None, auth_retry_seconds)
        self._ws: ClientConnection | None = None
        self._thread: threading.Thread | None = None
        self._subscribed_at: float | None = None  # monotonic, of the current connection
        self._callback_failed = False

    # -- control ---------------------------------------------------------------------------------------
    def start(self) -> KalshiStream:
        self._thread = threading.Thread(target=self._run, name="kalshi-websocket", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Close the connection and end the thread; ``True`` once it has ended."""
        self._stop.set()
        with self._lock:
            ws = self._ws
        if ws is not None:
            ws.close()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def status(self) -> StreamStatus:
        with self._lock:
            return self._status

    # -- the loop --------------------------------------------------------------------------------------
    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._subscribed_at = None
            try:
                self._session()
                break  # only a stop ends a session without an exception
            except _Refused as exc:
                self._change(REFUSED, str(exc))
                failures = 0
                self._stop.wait(self.auth_retry_seconds)
                continue
            except _Lost as exc:
                cause = str(exc)
            except Exception as exc:  # noqa: BLE001 - nothing Kalshi sends may end the listener
                cause = f"unexpected {type(exc).__name__}"
            if self._stop.is_set():
                break
            stable = self._subscribed_at is not None and (
                time.monotonic() - self._subscribed_at >= self.stable_seconds
            )
            failures = 1 if stable else failures + 1
            self._change(DOWN, cause)
            self._stop.wait(self.backoff.delay(failures))
        self._change(STOPPED, None)

    def _session(self) -> None:
        headers = self._auth.headers("GET", signed_ws_path(self.url))  # fresh on every connect
        try:
            with _NoRedirects(
                self.url,
                additional_headers=headers,
                user_agent_header=f"kalshi-balance-bot/{__version__}",
                open_timeout=self.open_timeout,
                ping_interval=None,  # Kalshi pings us; silence is what we watch
                close_timeout=1.0,
                create_connection=_HeardConnection,
            ) as ws:
                assert isinstance(ws, _HeardConnection)
                with self._lock:
                    self._ws = ws
                if not self._stop.is_set():
                    self._converse(ws)
        except _Lost:
            raise
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise _Refused(f"HTTP {exc.response.status_code} on the upgrade") from None
            raise _Lost(network_cause(exc)) from None
        except (ConnectionClosed, OSError, InvalidHandshake, InvalidURI) as exc:
            if self._stop.is_set():
                return
            raise _Lost(network_cause(exc)) from None
        finally:
            with self._lock:
                self._ws = None

    def _converse(self, ws: _HeardConnection) -> None:
        """Subscribe, then hand each fill and position change to ``on_activity`` until the socket ends."""
        ws.heard_at = time.monotonic()
        ws.send(subscribe_command(SUBSCRIBE_ID))
        waiting = set(CHANNELS)
        confirm_by = time.monotonic() + self.open_timeout
        logged_codes: set[int | None] = set()
        while not self._stop.is_set():
            now = time.monotonic()
            quiet = now - ws.heard_at
            if quiet >= self.silence_seconds:
                raise _Lost(f"no ping or message for {self.silence_seconds:g} s")
            if waiting and now >= confirm_by:
                raise _Lost("Kalshi did not confirm the subscription")
            timeout = self.silence_seconds - quiet
            if waiting:
                timeout = min(timeout, confirm_by - now)
            try:
                raw = ws.recv(timeout=timeout)
            except TimeoutError:
                continue  # a ping may have come meanwhile: look again
            message = parse(raw)
            if message is None:
                log.debug("Kalshi WebSocket: a message that is not a JSON object with a type, ignored")
            elif message.activity:
                self._notify()
            elif message.type == "subscribed" and message.channel in waiting:
                waiting.discard(message.channel)
                if not waiting:
                    self._subscribed()
            elif message.type == "error":
                if message.code == AUTH_REQUIRED:
                    raise _Refused(f"Kalshi error {message.error_text()}")
                if message.id == SUBSCRIBE_ID and waiting:
                    raise _Lost(f"Kalshi refused the subscription ({message.error_text()})")
                if message.code not in logged_codes:
                    logged_codes.add(message.code)
                    log.warning("Kalshi WebSocket sent an error (%s); carrying on", message.error_text())

    def _subscribed(self) -> None:
        self._subscribed_at = time.monotonic()
        self._change(CONNECTED, None)
        if self.status().connects > 1:  # fills may have happened while it was down
            self._notify()

    def _notify(self) -> None:
        try:
            self._on_activity()
        except Exception as exc:  # noqa: BLE001 - a failing callback must not drop the connection
            if not self._callback_failed:
                self._callback_failed = True
                log.warning("the real-time callback failed (%s); the listener carries on", type(exc).__name__)

    def _change(self, state: str, cause: str | None) -> None:
        with self._lock:
            before = self._status
            since = self._wall() if state != before.state else before.since
            connects = before.connects + (state == CONNECTED)
            self._status = now = StreamStatus(state, since, cause, self.auth_retry_seconds, connects)
        if state != before.state:  # one line per change of state, never one per try
            self._announce(before.state, now)
        if self._on_change is not None:
            self._on_change(now)

    def _announce(self, before: str, now: StreamStatus) -> None:
        said = state_line(before, now, self.backoff.cap)
        if said is not None:
            level, line = said
            log.log(level if self.announce else logging.DEBUG, "%s", line)


def probe(url: str, auth: KalshiAuth, timeout: float = OPEN_TIMEOUT_SECONDS) -> StreamStatus:
    """One connect and subscribe, for ``python -m bot check``: connected, or why not (no retries, and
    no log lines but at DEBUG: the check prints its own)."""
    settled = threading.Event()

    def on_change(status: StreamStatus) -> None:
        if status.state in (CONNECTED, DOWN, REFUSED):
            settled.set()

    stream = KalshiStream(url, auth, lambda: None, open_timeout=timeout, on_change=on_change, announce=False)
    stream.start()
    settled.wait(2 * timeout + 1)
    result = stream.status()
    stream.stop()
    return result
