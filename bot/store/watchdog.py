"""The client's bound on a database call: one daemon thread that acts when a call outlives its deadline.

For PostgreSQL it cuts the call's connection (:func:`cut`): the socket is shut down under the waiting
call, which then fails at once, instead of waiting for a server that stopped answering. Closing the
connection from another thread is not safe (psycopg would free it under the call); shutting the socket
down is: the call's own thread sees the end of the stream, raises, and closes it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

log = logging.getLogger(__name__)


@dataclass(order=True)
class Alarm:
    at: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    fired: bool = field(default=False, compare=False)
    done: threading.Event = field(default_factory=threading.Event, compare=False)  # its callback has run


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._alarms: list[Alarm] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> Alarm:
        """Run ``callback`` (quick, on the watchdog's thread) in ``seconds`` unless disarmed before."""
        with self._cond:
            alarm = Alarm(time.monotonic() + seconds, next(self._seq), callback)
            heapq.heappush(self._alarms, alarm)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="store-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
        return alarm

    def disarm(self, alarm: Alarm) -> bool:
        """Whether the alarm went off; if it did, its callback has run by the time this returns."""
        with self._cond:
            alarm.cancelled = True
            fired = alarm.fired
        if fired:
            alarm.done.wait()
        return fired

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._alarms and self._alarms[0].cancelled:
                    heapq.heappop(self._alarms)
                if not self._alarms:
                    self._cond.wait()
                    continue
                delay = self._alarms[0].at - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                alarm = heapq.heappop(self._alarms)
                alarm.fired = True
            try:
                alarm.callback()
            except Exception:  # the watchdog must outlive any one callback
                log.exception("a store watchdog callback failed")
            finally:
                alarm.done.set()


WATCHDOG = Watchdog()


def cut(conn: psycopg.Connection[Any]) -> None:
    """Shut down the connection's socket: a call blocked on it fails at once; the connection is dead."""
    try:
        fd = os.dup(conn.fileno())
    except (psycopg.Error, OSError):
        return  # already closed
    with socket.socket(fileno=fd) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
