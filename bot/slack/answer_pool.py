"""Answers that need Kalshi or the store: prepared on a few threads and sent to each request's
response_url through one pooled HTTP client.

- Shared: answers with the same ``key`` (the same view: ``/balance``, ``sub 3``, ``all``, a history
  period) wait together for one preparation, which reads through the one read path's single flight, and
  each gets the same figures. A waiting answer holds no thread, only its response_url (a few hundred
  bytes), so a burst of thousands waits for one read and is answered from it.
- Bounded: ``ANSWER_THREADS`` prepare (distinct views, Home tabs, alert commands), ``POST_THREADS``
  send concurrently, and at most ``MAX_WAITING`` answers may be waiting or being sent at once. Only
  past that, in a truly overloaded process, does the acknowledgement itself say the bot is busy; the
  log says so too, as a failure. The bound protects memory, not the bot from one team's burst.
- Polite: the response_url posts reuse pooled connections and give up after ``RESPONSE_TIMEOUT``
  seconds, so a slow Slack cannot hold a sending thread for long; and they wait while requests are
  being acknowledged (:class:`AcksFirst`), since Slack needs those within 3 s: the answers of one
  preparation at most ``ACKS_FIRST_MAX_WAIT`` in all, so a steady stream of requests cannot starve them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from slack_bolt import Ack, Respond

from bot.slack.blocks import notices
from bot.slack.blocks.base import Message
from bot.slack.chart_fallback import CHARTS, EPHEMERAL, HTTP_400

log = logging.getLogger(__name__)

ANSWER_THREADS = 4  # preparing answers: each distinct view at a time, the Home tab, alert commands
POST_THREADS = 4  # sending prepared answers to their response_urls, concurrently
MAX_WAITING = 5000  # answers accepted and not yet sent (about 0.5 KB each): beyond it, "busy"
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


class _Waiter:
    """One person's answer: where it goes."""

    __slots__ = ("replace", "response_url")

    def __init__(self, response_url: str | None, replace: bool) -> None:
        self.response_url = response_url
        self.replace = replace


class AnswerPool:
    """Thread-safe; :meth:`shutdown` lets every accepted answer go out, then closes the HTTP client."""

    def __init__(
        self, *, threads: int = ANSWER_THREADS, posters: int = POST_THREADS, max_waiting: int = MAX_WAITING
    ) -> None:
        self._prepare_pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="answer")
        self._post_pool = ThreadPoolExecutor(max_workers=posters, thread_name_prefix="answer-post")
        self._lock = threading.Lock()
        self._groups: dict[Hashable, list[_Waiter]] = {}  # by key: answers waiting for one preparation
        self._waiting = 0  # answers (and tasks) accepted and not yet done
        self.max_waiting = max_waiting
        self.busy_refusals = 0  # answers refused as busy since start (a failure: the target is none)
        self.acks_first = AcksFirst()
        self._http = httpx.Client(
            timeout=RESPONSE_TIMEOUT,
            limits=httpx.Limits(max_connections=posters, max_keepalive_connections=posters),
        )

    @property
    def waiting(self) -> int:
        return self._waiting

    def answer(
        self,
        response_url: str | None,
        render: Callable[[], Message],
        *,
        replace: bool,
        key: Hashable | None = None,
    ) -> bool:
        """Prepare ``render()`` and send it to ``response_url`` in the background; ``False`` when the
        process is overloaded (or stopping) and nothing was queued. With a ``key``, joins the answers of
        that key waiting for their preparation, if any: ``render`` must then give the same message for
        anyone (it is not called for this answer)."""
        waiter = _Waiter(response_url, replace)
        with self._lock:  # the executor is handed the work under it, so a group is never half made
            if not self._take_place():
                return False
            group = self._groups.get(key) if key is not None else None
            if group is not None:
                group.append(waiter)
                return True
            group = [waiter]
            if not self._start(self._prepare, key, render, group):
                self._waiting -= 1
                return False
            if key is not None:
                self._groups[key] = group
            return True

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> bool:
        """Run ``fn`` on a preparing thread (the Home tab); ``False`` when overloaded or stopping."""
        with self._lock:
            if not self._take_place():
                return False
            if not self._start(self._run, fn, args, kwargs):
                self._waiting -= 1
                return False
            return True

    def shutdown(self) -> None:
        """Every accepted answer is prepared and sent, then the HTTP client is closed."""
        self._prepare_pool.shutdown(wait=True, cancel_futures=False)  # hands its answers to the posters
        self._post_pool.shutdown(wait=True, cancel_futures=False)
        self._http.close()

    # -- inside ------------------------------------------------------------------------------------------
    def _take_place(self) -> bool:
        """One more answer, unless the bound is reached; called with the lock held."""
        if self._waiting >= self.max_waiting:
            self.busy_refusals += 1
            return False
        self._waiting += 1
        return True

    def _done(self, count: int) -> None:
        with self._lock:
            self._waiting -= count

    def _start(self, fn: Callable[..., None], *args: Any) -> bool:
        try:
            self._prepare_pool.submit(fn, *args)
        except RuntimeError:  # shut down: the process is stopping
            return False
        return True

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("unexpected error in background work for a listener")
        finally:
            self._done(1)

    def _prepare(self, key: Hashable | None, render: Callable[[], Message], group: list[_Waiter]) -> None:
        """Render once for the group; whatever fails, each person gets a sentence. Then the group is
        closed (later answers of its key start a new one) and its answers go to the posters."""
        message = _rendered(render)
        with self._lock:
            if key is not None and self._groups.get(key) is group:
                del self._groups[key]
        hold_until = time.monotonic() + ACKS_FIRST_MAX_WAIT  # for the whole group, however large
        for waiter in group:  # the group is closed: nobody joins it any more
            try:
                self._post_pool.submit(self._send, waiter, message, hold_until)
            except RuntimeError:  # the posters are stopped only after every preparation ended
                self._done(1)

    def _send(self, waiter: _Waiter, message: Message, hold_until: float) -> None:
        try:
            self._deliver(waiter, message, hold_until)
        finally:
            self._done(1)

    def _deliver(self, waiter: _Waiter, message: Message, hold_until: float | None = None) -> None:
        """Post to the waiter's response_url; without the chart where Slack refuses it (chart_fallback)."""
        response_url = waiter.response_url
        if not response_url:
            log.error("could not deliver the reply: the request had no response_url")
            return
        if hold_until is None:
            hold_until = time.monotonic() + ACKS_FIRST_MAX_WAIT
        self.acks_first.wait_for_quiet(max(0.0, hold_until - time.monotonic()))
        outcome = CHARTS.send(
            EPHEMERAL,
            message.blocks,
            lambda blocks: self._post(response_url, Message(message.text, blocks), replace=waiter.replace),
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


def _rendered(render: Callable[[], Message]) -> Message:
    try:
        return render()
    except Exception:
        log.exception("unexpected error while preparing a reply")
        return notices.unexpected_error_message()


def ack_and_answer(
    pool: AnswerPool,
    ack: Ack,
    respond: Respond,
    render: Callable[[], Message],
    *,
    replace: bool = False,
    key: Hashable | None = None,
) -> None:
    """Queue the answer (with those of the same ``key``), then acknowledge: empty when it is queued,
    "busy" only when the process is overloaded."""
    if pool.answer(respond.response_url, render, replace=replace, key=key):
        ack()
        return
    log.error(
        "answer refused as busy: %d answers already waiting (the most this process holds); "
        "told the person to try again",
        pool.waiting,
    )
    ack(**notices.notice_message(BUSY_TEXT, ":hourglass:").ephemeral())
