"""The deadlines of PostgreSQL calls: the server's timeouts (statement, lock, idle in a transaction) set
on each connection, and the client's bound, a watchdog that cuts the connection of a call still without
an answer (:mod:`bot.store.watchdog`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from bot.store.watchdog import WATCHDOG, cut

IDLE_IN_TRANSACTION_SECONDS = 30  # the server ends a session of ours left idle inside a transaction


@dataclass(frozen=True)
class Limits:
    """How long a call may take on a connection: the server stops a statement at ``statement_seconds``
    and a wait for a lock at ``lock_seconds``; the client cuts the connection at ``cut_seconds``."""

    statement_seconds: float
    lock_seconds: float
    cut_seconds: float


READS = Limits(statement_seconds=2, lock_seconds=1, cut_seconds=3)  # people's reads: /balance waits on them
WRITES = Limits(statement_seconds=5, lock_seconds=2, cut_seconds=8)  # the checks, and the alert settings
SLOW = Limits(statement_seconds=60, lock_seconds=2, cut_seconds=65)  # migrations, the hourly compaction


def _ms(seconds: float) -> str:
    return f"{int(seconds * 1000)}ms"


def set_limits(cur: psycopg.Cursor[Any], limits: Limits, *, local: bool) -> None:
    """The server's timeouts, for the session or (``local``) for the transaction under way."""
    idle = max(IDLE_IN_TRANSACTION_SECONDS, limits.cut_seconds)
    cur.execute(
        "SELECT set_config('statement_timeout', %s, %s), set_config('lock_timeout', %s, %s), "
        "set_config('idle_in_transaction_session_timeout', %s, %s)",
        (_ms(limits.statement_seconds), local, _ms(limits.lock_seconds), local, _ms(idle), local),
    )


class Cut(psycopg.OperationalError):
    """The watchdog cut the connection: the server did not answer in time."""


class Guard:
    """Cut ``conn`` if the block has not ended in ``seconds`` (``on_cut`` runs first, to log); a block
    that fails because of the cut raises :class:`Cut` instead of psycopg's error."""

    def __init__(self, conn: psycopg.Connection[Any], seconds: float, on_cut: Callable[[], None]) -> None:
        self.conn, self.seconds, self.on_cut = conn, seconds, on_cut

    def __enter__(self) -> None:
        def fire() -> None:
            self.on_cut()
            cut(self.conn)

        self.alarm = WATCHDOG.arm(self.seconds, fire)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if WATCHDOG.disarm(self.alarm):
            self.conn.close()  # cut, perhaps just as it answered: not to be used again
            if isinstance(exc, psycopg.Error):
                raise Cut() from None
