"""Answers that need Kalshi or the alert store: prepared on a small, bounded pool of threads and sent to
the request's response_url through one pooled HTTP client.

- Bounded: at most ``ANSWER_THREADS`` answers are prepared at once and ``ANSWER_QUEUE`` more wait; when
  both are full the acknowledgement itself says the bot is busy, so an answer is never silently lost
  and a burst cannot pile up work (or memory) without end.
- Small: the answer threads compete with the request threads for the GIL, so fewer of them keep the
  acknowledgements quick; the answers mostly wait on the one shared Kalshi read anyway.
- Polite: the response_url posts reuse pooled connections and give up after ``RESPONSE_TIMEOUT``
  seconds, so a slow Slack cannot hold an answer thread for long.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
from slack_bolt import Ack, Respond

from bot.slack.blocks import notices
from bot.slack.blocks.base import Message
from bot.slack.chart_fallback import CHARTS, EPHEMERAL, HTTP_400

log = logging.getLogger(__name__)

ANSWER_THREADS = 4
ANSWER_QUEUE = 60  # answers waiting for a thread, beyond those being prepared
RESPONSE_TIMEOUT = 5.0  # seconds for one response_url post, connection included
BUSY_TEXT = "The bot is busy right now; try again in a few seconds."
ACKS_FIRST_MAX_WAIT = 0.5  # seconds an answer may hold back while requests are being acknowledged


class AcksFirst:
    """Counts the requests being acknowledged right now. An answer about to be sent waits (at most
    ``ACKS_FIRST_MAX_WAIT``) until there are none, so under a burst the acknowledgements, which Slack
    needs within 3 s, do not queue for the GIL behind response_url posts, which may come at any time."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._acknowledging = 0

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        with self._cond:
            self._acknowledging += 1
        try:
            yield
        finally:
            with self._cond:
                self._acknowledging -= 1
                if not self._acknowledging:
                    self._cond.notify_all()

    def wait_for_quiet(self, timeout: float = ACKS_FIRST_MAX_WAIT) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._acknowledging, timeout)


class AnswerPool:
    """Thread-safe; :meth:`shutdown` lets every accepted answer go out, then closes the HTTP client."""

    def __init__(self, *, threads: int = ANSWER_THREADS, queue: int = ANSWER_QUEUE) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="answer")
        self._slots = threading.BoundedSemaphore(threads + queue)
        self.acks_first = AcksFirst()
        self._http = httpx.Client(
            timeout=RESPONSE_TIMEOUT,
            limits=httpx.Limits(max_connections=threads, max_keepalive_connections=threads),
        )

    def answer(self, response_url: str | None, render: Callable[[], Message], *, replace: bool) -> bool:
        """Prepare ``render()`` and send it to ``response_url`` in the background; ``False`` when the
        pool is full (or shut down) and nothing was queued."""
        return self.submit(self._answer, response_url, render, replace=replace)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        try:
            future = self._executor.submit(fn, *args, **kwargs)
        except RuntimeError:  # shut down: the process is stopping
            self._slots.release()
            return False
        future.add_done_callback(self._release)
        return True

    def _release(self, _future: Future[Any]) -> None:
        self._slots.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)  # answers under way still go out
        self._http.close()

    def _answer(self, response_url: str | None, render: Callable[[], Message], *, replace: bool) -> None:
        """Render and send through the response_url; whatever fails, the person gets a sentence."""
        try:
            message = render()
        except Exception:
            log.exception("unexpected error while preparing a reply")
            message = notices.unexpected_error_message()
        if not response_url:
            log.error("could not deliver the reply: the request had no response_url")
            return
        self.acks_first.wait_for_quiet()
        outcome = CHARTS.send(
            EPHEMERAL,
            message.blocks,
            lambda blocks: self._post(response_url, Message(message.text, blocks), replace=replace),
            lambda sent: HTTP_400 if isinstance(sent, httpx.Response) and sent.status_code == 400 else None,
        )
        if isinstance(outcome, httpx.HTTPError):  # Slack's side failed: log it and keep serving
            log.error("could not deliver the reply to Slack's response_url: %s", type(outcome).__name__)
        elif outcome.status_code != 200:
            log.error(
                "Slack refused the reply on its response_url: HTTP %d %s",
                outcome.status_code,
                outcome.text[:200],
            )

    def _post(
        self, response_url: str, message: Message, *, replace: bool
    ) -> httpx.Response | httpx.HTTPError:
        try:
            return self._http.post(response_url, json={**message.ephemeral(), "replace_original": replace})
        except httpx.HTTPError as exc:
            return exc


def ack_and_answer(
    pool: AnswerPool, ack: Ack, respond: Respond, render: Callable[[], Message], *, replace: bool = False
) -> None:
    """Queue the answer, then acknowledge: empty when it is queued, "busy" when the pool is full."""
    if pool.answer(respond.response_url, render, replace=replace):
        ack()
        return
    log.warning("answer pool full (%d waiting): told the person to try again", ANSWER_QUEUE)
    ack(**notices.notice_message(BUSY_TEXT, ":hourglass:").ephemeral())
