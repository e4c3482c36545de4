"""Running the bot: HTTP mode under waitress (a production WSGI server) or Socket Mode.

- HTTP: Slack posts commands and interactivity to ``/slack/events``; ``GET /healthz`` answers 200.
- Socket Mode (SLACK_APP_TOKEN set): a websocket to Slack, no public URL, no port.

Both stop cleanly on SIGTERM (what a PaaS sends on restart) and SIGINT, stopping background work first.
"""

from __future__ import annotations

import contextlib
import io
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.slack.answer_pool import AcksFirst, AnswerPool
from bot.slack.app import BotIdentity, check_slack_token
from bot.slack.signatures import RequestVerifier

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 256 * 1024  # Slack's payloads are a few KB; anything larger is not Slack
HTTP_THREADS = 8


def wsgi_app(app: App, verifier: RequestVerifier, acks_first: AcksFirst | None = None) -> WSGIApplication:
    """Slack's requests go to Bolt once ``verifier`` accepts their signature; nothing else reaches Bolt
    (whose own check logs a refused body) or the log beyond one fixed line. ``acks_first`` is told while
    a request is being acknowledged, so that answers wait for it (see bot.slack.answer_pool)."""
    acknowledging = acks_first.acknowledging if acks_first is not None else contextlib.nullcontext
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            refusal = _verify(environ, verifier)
            if refusal is not None:
                log.warning("refused a request without a valid Slack signature (%s)", refusal)
                start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"invalid request\n"]
            try:
                with acknowledging():
                    return bolt(environ, start_response)
            except Exception as exc:  # noqa: BLE001 - a body Bolt cannot parse: the sender's fault, not a crash
                log.warning("refused a malformed request on %s (%s)", EVENTS_PATH, type(exc).__name__)
                start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"bad request\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return application


def _verify(environ: WSGIEnvironment, verifier: RequestVerifier) -> str | None:
    """Read the body, check its signature, and put the body back for Bolt to read."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return verifier.refusal(
        environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE"), body
    )


class Runtime(Protocol):
    """What the transport is handed, built by the composition root (:func:`bot.app.build_runtime`)."""

    app: App
    background: AnswerPool
    identity: BotIdentity | None

    def start_background(self) -> None: ...

    def stop(self) -> None: ...


def serve(runtime: Runtime, settings: Settings) -> int:
    """Run until SIGTERM or SIGINT; the exit code for the process."""
    assert settings.slack is not None
    threading.Thread(target=_log_token_check, args=(settings, runtime), daemon=True, name="auth-test").start()
    runtime.start_background()
    try:
        if settings.slack.socket_mode:
            code = _run_socket_mode(runtime, settings)
        else:
            code = _run_http(runtime, settings)
    finally:
        runtime.stop()  # after the server: answers already under way still go out
    log.info("stopped")
    return code


def _on_signals(handler: Callable[[int, FrameType | None], Any]) -> None:
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _run_http(runtime: Runtime, settings: Settings) -> int:
    from waitress.server import create_server

    assert settings.slack is not None and settings.slack.signing_secret is not None
    verifier = RequestVerifier(settings.slack.signing_secret.reveal())
    try:
        server = create_server(
            wsgi_app(runtime.app, verifier, runtime.background.acks_first),
            host=settings.slack.host,
            port=settings.slack.port,
            threads=HTTP_THREADS,
            max_request_body_size=MAX_BODY_BYTES,
            ident="kalshi-balance-bot",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:  # the port taken, or an address this machine does not have
        log.error(
            "cannot listen on %s:%d (%s): set PORT to a free port, or stop what listens there",
            settings.slack.host,
            settings.slack.port,
            exc.strerror or type(exc).__name__,
        )
        return 1

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        raise SystemExit(0)  # waitress's loop closes its sockets and finishes its requests on this

    _on_signals(stop)
    log.info("HTTP mode: listening on %s:%d%s", settings.slack.host, settings.slack.port, EVENTS_PATH)
    server.run()
    return 0


def _run_socket_mode(runtime: Runtime, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack is not None and settings.slack.app_token is not None
    handler = SocketModeHandler(runtime.app, app_token=settings.slack.app_token.reveal())
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stopping.set()

    _on_signals(stop)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        log.error(
            "Slack refused to open a Socket Mode connection (%s): check SLACK_APP_TOKEN is the app-level "
            "token (xapp-) with connections:write, and Socket Mode is on in the app's settings",
            error,
        )
        return 1
    except (SlackClientError, OSError) as exc:
        log.error("could not reach Slack to open a Socket Mode connection (%s)", type(exc).__name__)
        return 1
    log.info("Socket Mode: connected to Slack")
    stopping.wait()
    handler.close()  # type: ignore[no-untyped-call]
    return 0


def _log_token_check(settings: Settings, runtime: Runtime) -> None:
    assert settings.slack is not None
    ok, line = check_slack_token(settings.slack, runtime.identity)
    if ok:
        log.info("%s", line)
    else:
        log.error("%s; replies to /balance still work, but alerts cannot be posted", line)
