"""``python -m bot history export [--since 7d|30d|90d|all]`` and ``history import FILE|-``: the balance
history as CSV (bot.history_csv), with the store alone configured (DATABASE_URL, else BOT_STATE_PATH).
Exit codes as every command: 0 done, 1 the store failed, 2 the configuration or the file is invalid
(nothing imported); one line on stderr says why, never a secret.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot import logs
from bot.app import make_store
from bot.config import ConfigError, StoreSettings, load_store_settings
from bot.domain.history import Sample
from bot.domain.history_csv import CsvError
from bot.history_csv import export_history, import_history, read_csv
from bot.store import Store, StoreUnavailable

EXIT_FAILED = 1
EXIT_CONFIG = 2


def _load_store_settings(verbose: bool) -> StoreSettings | None:
    try:
        settings = load_store_settings(os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return None
    logs.setup("INFO" if verbose else "ERROR", settings.secrets(), settings.library_log_level)
    return settings


def run(action: str, since: str, path: str | None, *, verbose: bool = False) -> int:
    """``history export`` (CSV on stdout) or ``history import FILE`` (``-``: stdin); the exit code."""
    settings = _load_store_settings(verbose)
    if settings is None:
        return EXIT_CONFIG
    if action == "export":
        if settings.database_url is None and not settings.state_path.exists():
            _error(f"no history at {settings.store_name}: the file does not exist")
            return EXIT_FAILED
        return _with_store(settings, lambda store: _export(store, since))
    assert path is not None
    source = "standard input" if path == "-" else path
    try:
        samples = read_csv(sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes(), time.time())
    except OSError as exc:
        _error(f"cannot read {source}: {exc.strerror or type(exc).__name__}")
        return EXIT_CONFIG
    except CsvError as exc:  # nothing was imported: the store is not even opened
        _error(f"{source}, {exc}; nothing imported")
        return EXIT_CONFIG
    return _with_store(settings, lambda store: _import(store, samples))


def _export(store: Store, since: str) -> None:
    try:
        export_history(store, since, time.time(), sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (``| head``): what it wanted, it has
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _import(store: Store, samples: list[Sample]) -> None:
    sys.stdout.write(import_history(store, samples, time.time()).summary() + "\n")


def _with_store(settings: StoreSettings, work: Callable[[Store], None]) -> int:
    """Run ``work`` on the store the settings choose; a store that fails is one line and exit 1."""
    store = None
    try:
        store, _lock = make_store(settings, patient=True)  # to name the real cause, not "no answer"
        work(store)
    except StoreUnavailable as exc:
        _error(f"{settings.store_name} cannot be reached: {exc.reason}")
        return EXIT_FAILED
    except Exception as exc:
        if not isinstance(exc, sqlite3.Error) and type(exc).__module__.partition(".")[0] != "psycopg":
            raise
        # the database's own refusal (a file that is no SQLite database, a missing privilege…)
        _error(f"{settings.store_name} cannot be used ({type(exc).__name__})")
        return EXIT_FAILED
    finally:
        if store is not None:
            store.close()
    return 0


def _error(text: str) -> None:
    """One line for the person: what failed, never a secret (the store is named, not its URL)."""
    sys.stderr.write(f"error: {text}\n")
