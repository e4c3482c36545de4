"""``python -m bot history export`` and ``history import``: the balance history as CSV (the format is
:mod:`bot.domain.history_csv`), out of and into the store the settings choose.

- Export: the store's rows of the period, oldest first, as the store keeps them (every reading of the
  last 7 days, then the hourly and daily rows: each row's last reading).
- Import: the whole file is read and checked before the store is touched (a bad row imports nothing);
  the new samples go in in one transaction, as readings, so the bot's hourly compaction folds and
  drops them by the same rules as its own (samples already older than the 400 days kept are skipped).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.domain.history import Sample
from bot.domain.history_csv import CsvError, format_csv, parse_csv, plan_import
from bot.domain.retention import DAY
from bot.store import HistoryStore

PERIODS: dict[str, int | None] = {"7d": 7, "30d": 30, "90d": 90, "all": None}  # --since: days, None = all


def export_history(store: HistoryStore, since: str, now: float, out: TextIO) -> int:
    """Write the period's rows (``since``: a key of :data:`PERIODS`) as CSV to ``out``; how many."""
    days = PERIODS[since]
    rows = store.samples(0.0 if days is None else now - days * DAY, now)
    out.writelines(format_csv(rows))
    return len(rows)


FUTURE_SLACK = 86_400.0  # how far past this machine's clock a time may be (another machine's clock)


def read_csv(data: bytes, now: float) -> list[Sample]:
    """The file's samples, oldest first; :class:`CsvError` for the first problem (a byte-order mark, as
    spreadsheets write, is fine; a time more than a day past ``now`` is not)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError(line, "not UTF-8 text") from None
    return parse_csv(_lines(text), not_after=now + FUTURE_SLACK)


def _lines(text: str) -> Iterable[str]:
    return io.StringIO(text, newline="")


@dataclass(frozen=True)
class Imported:
    added: int
    already: int  # the store held them already
    too_old: int  # older than the history keeps: skipped

    def summary(self) -> str:
        text = f"added {self.added} samples, {self.already} already there"
        if self.too_old:
            text += f", {self.too_old} older than the 400 days the history keeps (skipped)"
        return text


def import_history(store: HistoryStore, samples: list[Sample], now: float) -> Imported:
    """Add what the store lacks of ``samples`` (oldest first) in one transaction."""
    if not samples:
        return Imported(0, 0, 0)
    existing = store.samples(samples[0].at // 1, samples[-1].at + DAY)  # a bucket's row may end later
    plan = plan_import(samples, existing, now)
    added = store.add_samples(plan.new)
    # a row the bot wrote meanwhile, in the same instant, is there already too
    return Imported(added, plan.already + len(plan.new) - added, plan.too_old)
