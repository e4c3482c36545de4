"""The SQLite store's sender lock: an exclusive lock on a file beside the database, and the one helper
that creates the store's files readable by this user only."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


def private_file(path: Path) -> None:
    """Create ``path`` (and its directory) readable by this user only: it holds balances and errors.

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's permissions, so those follow.
    A file an earlier version left readable by others is tightened.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, path.name + "-wal", path.name + "-shm", path.name + "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path.with_name(name), 0o600)


class FileSenderLock:
    """An exclusive lock on ``<state file>.lock``: only its holder posts alerts.

    The operating system releases it when the holder dies, even by SIGKILL, so a standby takes over.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._file: IO[str] | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._file is not None:
                return True
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: one process per state file is up to you
                log.warning("no file locking on this platform; run one bot process per state file")
                self._file = open(os.devnull)  # noqa: SIM115
                return True
            private_file(self.path)
            handle = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the lock
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {time.time():.0f}\n")
            handle.flush()
            self._file = handle
            return True

    def release(self) -> None:
        with self._mutex:
            if self._file is not None:
                self._file.close()  # closing drops the flock
                self._file = None
