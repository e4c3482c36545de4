"""The bot's own store: alert state and config, balance samples and the digest log, in one database.

One class per database, each with one ordered list of migrations: :class:`bot.store.sqlite.SQLiteStore`
(the default, a file at BOT_STATE_PATH) and :class:`bot.store.postgres.PostgresStore` (DATABASE_URL).
Beside each, the lock that makes one process the sender: :class:`bot.store.file_lock.FileSenderLock`
and :class:`bot.store.advisory_lock.AdvisorySenderLock`.

Every call has a deadline (:mod:`bot.store.sqlite_connections`; :mod:`bot.store.postgres_deadlines`
with :mod:`bot.store.watchdog`) and raises :class:`StoreUnavailable` when it runs over; people's reads
never wait for the jobs' writes, nor hold them up. The surfaces read the history through the bounded
reads of :class:`bot.domain.buckets.HistoryReads` (:mod:`bot.store.sqlite_reads`,
:mod:`bot.store.postgres_reads`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from bot.domain.alert_state import AlertConfig, AlertState
from bot.domain.buckets import Bucket, HistoryReads
from bot.domain.history import Sample

T = TypeVar("T")


class StoreUnavailable(Exception):
    """The store cannot be reached or did not answer in time (a database down, hung, locked, or refusing
    us); ``reason`` says why in a few words, never with the connection URL or the server's own message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AlertStore(Protocol):
    def load_state(self) -> AlertState: ...

    def save_state(self, state: AlertState) -> None: ...

    def load_config(self) -> AlertConfig | None: ...

    def save_config(self, config: AlertConfig) -> None: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class HistoryStore(Protocol):
    def add_sample(self, sample: Sample) -> None: ...

    def add_samples(self, samples: list[Sample]) -> int:
        """Many samples in one transaction (``history import``); how many were not there yet."""
        ...

    def samples(self, since: float, until: float) -> list[Sample]:
        """Rows with ``since <= at <= until``, oldest first: every one (tools, tests; the surfaces use
        :meth:`read`)."""
        ...

    def read(self, work: Callable[[HistoryReads], T]) -> T:
        """Run ``work`` over the history's bounded reads, in one read transaction that never waits for a
        write (nor holds one up)."""
        ...

    def buckets(self, since: float, until: float, width_seconds: float) -> list[Bucket]:
        """The rows with ``since <= at <= until`` in buckets of ``width_seconds`` (see
        :mod:`bot.domain.buckets`): one row per bucket, whatever the history holds."""
        ...

    def compact(self, now: float) -> None:
        """Apply the retention rules of :mod:`bot.domain.retention` as of ``now``; raises
        :class:`bot.domain.retention.ImplausibleClock`, changing nothing, when ``now`` is far past the
        history."""
        ...


class DigestLog(Protocol):
    def digest_status(self, day: str) -> str | None:
        """``"sent"``, ``"skipped"`` or ``None`` for the digest of ``day`` (``YYYY-MM-DD`` in its zone)."""
        ...

    def record_digest(self, day: str, status: str, at: float) -> bool:
        """Record the day's digest once; ``False`` when it was already recorded (the first record wins)."""
        ...


class Store(AlertStore, HistoryStore, DigestLog, Protocol):
    """Everything a process with background checks keeps: alert state, history, digest log."""

    def for_jobs(self) -> Store:
        """The same store as the background jobs use it: on PostgreSQL every call goes over the jobs' own
        connection, so people's reads never hold up a check (SQLite's readers never do: itself)."""
        ...


class SenderLock(Protocol):
    """Held by exactly one process at a time; released by the system when the holder dies."""

    def try_acquire(self) -> bool:
        """Whether this process holds the lock; raises :class:`StoreUnavailable` when it cannot tell."""
        ...

    def release(self) -> None: ...
