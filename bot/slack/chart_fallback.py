"""Charts where Slack takes them, the same message without them where it does not.

Some surfaces or clients may not take the ``data_visualization`` block: Slack answers ``invalid_blocks``
(``chat.postMessage``, ``views.publish``) or HTTP 400 (a ``response_url``). Then the message goes again
without its chart (the sparkline, the figures and the ``text`` stay), the refusal is logged once, and
that surface gets no chart until the process restarts. ``BALANCE_CHARTS=off`` leaves them out everywhere.

:data:`CHARTS` is the process's memory of it, configured once at start-up (bot.slack.app.build_app) and
used by the three ways the bot sends blocks: the answer pool (response_url), views.publish (the Home
tab) and channel posts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from bot.slack.blocks.base import Block, Message
from bot.slack.blocks.chart import CHART_BLOCK

log = logging.getLogger(__name__)

EPHEMERAL = "replies only you can see"  # /balance history, through the response_url
CHANNEL = "channel messages"  # chat.postMessage: the daily digest
HOME = "the Home tab"  # views.publish
SURFACES = (EPHEMERAL, CHANNEL, HOME)

INVALID_BLOCKS = "invalid_blocks"
HTTP_400 = "HTTP 400"

R = TypeVar("R")


def has_chart(blocks: Sequence[Block]) -> bool:
    return any(block.get("type") == CHART_BLOCK for block in blocks)


def strip_charts(blocks: Sequence[Block]) -> list[Block]:
    """The blocks without their charts, everything else as it was."""
    return [block for block in blocks if block.get("type") != CHART_BLOCK]


def without_charts(message: Message) -> Message:
    return Message(message.text, strip_charts(message.blocks))


class ChartGate:
    """Whether a surface gets charts; thread-safe (answers, the Home tab and the checks send at once)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._lock = threading.Lock()
        self._enabled = enabled
        self._refused: dict[str, str] = {}  # surface -> Slack's answer when it refused a chart

    def configure(self, *, enabled: bool) -> None:
        """At start-up: ``BALANCE_CHARTS``. The surfaces refused so far stay refused."""
        with self._lock:
            self._enabled = enabled
        if not enabled:
            log.info("charts are off (BALANCE_CHARTS=off): the surfaces show the sparkline and figures only")

    def allows(self, surface: str) -> bool:
        with self._lock:
            return self._enabled and surface not in self._refused

    def refused(self, surface: str, answer: str) -> None:
        """Remember that Slack refused a chart on ``surface``; the first time only, say so in the log."""
        with self._lock:
            first = surface not in self._refused
            self._refused.setdefault(surface, answer)
        if first:
            log.warning(
                "Slack refused the chart block on %s (%s): sent again without it; charts are left out "
                "there until the bot restarts (the sparkline and figures are unchanged)",
                surface,
                answer,
            )

    def send(
        self,
        surface: str,
        blocks: Sequence[Block],
        attempt: Callable[[list[Block]], R],
        refusal: Callable[[R], str | None],
    ) -> R:
        """Send ``blocks`` with ``attempt`` (their charts left out where they are not allowed); when
        ``refusal`` says Slack refused blocks that held a chart, send them again without it, and when
        that is not refused too, remember the surface. Returns the last attempt's outcome."""
        sent = list(blocks) if self.allows(surface) else strip_charts(blocks)
        outcome = attempt(sent)
        answer = refusal(outcome)
        if answer is None or not has_chart(sent):
            return outcome
        again = attempt(strip_charts(sent))
        if refusal(again) is None:  # the chart was what Slack refused
            self.refused(surface, answer)
        return again


CHARTS = ChartGate()
"""The process's: configured by build_app, refusals remembered until the process ends."""


class PostOutcome(Protocol):
    """What a channel poster returns (bot.jobs.notifier.Delivery): Slack's error code on a refusal."""

    @property
    def error(self) -> str | None: ...


P = TypeVar("P", bound=PostOutcome)


def charted_poster(post: Callable[[Message], P], gate: ChartGate | None = None) -> Callable[[Message], P]:
    """``post`` (chat.postMessage to one channel), with the chart fallback of :data:`CHANNEL`; ``gate``:
    :data:`CHARTS` unless another is given."""
    chosen = gate if gate is not None else CHARTS

    def send(message: Message) -> P:
        return chosen.send(
            CHANNEL,
            message.blocks,
            lambda blocks: post(Message(message.text, blocks)),
            lambda outcome: outcome.error if outcome.error == INVALID_BLOCKS else None,
        )

    return send
