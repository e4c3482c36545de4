"""The history as CSV, for a spreadsheet or another store: ``time,balance,portfolio_value``, one row per
sample, oldest first; times ISO 8601 UTC (``2026-12-01T14:05:00Z``), amounts plain dollars (``1234.56``).

Pure: text in, samples out (and back). Reading is all or nothing: the first bad row stops it with a
:class:`CsvError` naming the line and the problem, and nothing is handed on. :func:`plan_import` then
sorts the good rows into those the store lacks and those it already holds.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bot.domain.history import DAILY, HOURLY, RAW, Sample
from bot.domain.money import parse_plain_dollars, plain_dollars
from bot.domain.retention import DAY, HOURLY_DAYS, KEEP_DAYS, RAW_DAYS

HEADER = ("time", "balance", "portfolio_value")
T = TypeVar("T")

# ISO 8601 with ASCII digits only, a zone required: Z or an offset (+01:00, +0100, -05:00)
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|z|[+-][0-9]{2}:?[0-9]{2})"
)


class CsvError(ValueError):
    """A file the import refuses; ``line`` is its line number (1 is the header)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


# -- writing -------------------------------------------------------------------------------------------
def time_text(at: float) -> str:
    """Unix seconds as ``2026-12-01T14:05:00Z`` (whole seconds: a sample is one a second at most)."""
    return datetime.fromtimestamp(int(at // 1), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_csv(samples: Iterable[Sample]) -> Iterator[str]:
    """The header and one line per sample, each ending in ``\\n``."""
    yield ",".join(HEADER) + "\n"
    for s in samples:
        yield f"{time_text(s.at)},{plain_dollars(s.balance_cents)},{plain_dollars(s.portfolio_value_cents)}\n"


# -- reading -------------------------------------------------------------------------------------------
def parse_time(text: str) -> float:
    """``2026-12-01T14:05:00Z`` or with an offset (``2026-12-01T15:05:00+01:00``) -> unix seconds."""
    value = text.strip()
    if not _TIME.fullmatch(value):
        raise ValueError("not an ISO 8601 time with a zone, like 2026-12-01T14:05:00Z")
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        raise ValueError("not a real date and time, like 2026-12-01T14:05:00Z") from None
    return moment.timestamp()


def parse_csv(lines: Iterable[str], *, not_after: float | None = None) -> list[Sample]:
    """Every row as a reading, oldest first; :class:`CsvError` at the first bad one. Columns are found by
    the header's names (any order, any case; others ignored); blank lines are skipped. A time later than
    ``not_after`` (unix seconds) is refused: a sample from the future is a clock set wrong somewhere."""
    rows = csv.reader(lines)
    header = next(rows, None)
    if header is None:
        raise CsvError(1, f"the file is empty: the first line must be the header {','.join(HEADER)}")
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [name for name in HEADER if name not in names]
    if missing:
        needs = ",".join(HEADER)
        raise CsvError(1, f"the header has no {', '.join(missing)} column (it needs {needs})")
    where = [names.index(name) for name in HEADER]
    samples: list[Sample] = []
    seen: dict[int, int] = {}  # whole second -> the line that has it
    for fields in rows:
        line = rows.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) <= max(where):
            absent = [name for name, i in zip(HEADER, where, strict=True) if i >= len(fields)]
            raise CsvError(line, f"no {', '.join(absent)} value (the row has {len(fields)} columns)")
        at = _field(line, "time", fields[where[0]], parse_time)
        balance = _field(line, "balance", fields[where[1]], parse_plain_dollars)
        portfolio = _field(line, "portfolio_value", fields[where[2]], parse_plain_dollars)
        if not_after is not None and at > not_after:
            raise CsvError(line, f"time {time_text(at)} is in the future")
        second = int(at // 1)
        if second in seen:
            raise CsvError(line, f"a second row for {time_text(at)} (line {seen[second]} has that time)")
        seen[second] = line
        samples.append(Sample.reading(at, balance, portfolio))
    samples.sort(key=lambda s: s.at)
    return samples


def _field(line: int, name: str, text: str, parse: Callable[[str], T]) -> T:
    if not text.strip():
        raise CsvError(line, f"no {name} value")
    try:
        return parse(text)
    except ValueError as exc:  # AmountError is one
        raise CsvError(line, f"{name} {_quote(text)}: {exc}") from None


def _quote(text: str) -> str:
    """The field as the person wrote it, cut short and on one line: it is shown back in the error."""
    shown = text.strip().replace("\r", " ").replace("\n", " ")
    return repr(shown if len(shown) <= 40 else shown[:40] + "…")


# -- importing -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportPlan:
    new: list[Sample]  # what the store lacks: to be added (as readings; retention folds them as it does)
    already: int  # rows the store holds already
    too_old: int  # rows older than the history keeps (KEEP_DAYS): retention would drop them at once


def resolution_at(at: float, now: float) -> int | None:
    """The resolution retention keeps a sample at ``at`` in, as of ``now``; None: not kept at all."""
    age = now - at
    if age <= RAW_DAYS * DAY:
        return RAW
    if age <= HOURLY_DAYS * DAY:
        return HOURLY
    if age <= KEEP_DAYS * DAY:
        return DAILY
    return None


def plan_import(samples: Sequence[Sample], existing: Sequence[Sample], now: float) -> ImportPlan:
    """A sample is already there when the store has a row in the same second, or when the store's row for
    its hour (or day), where retention keeps it at that resolution, already covers it: a later reading,
    with the balance inside the lowest and highest. Adding such a one would change nothing, so importing
    the same file twice adds nothing, even where its readings were folded into hourly or daily rows."""
    seconds = {int(row.at // 1) for row in existing}
    rollups = {(row.resolution, int(row.at // row.resolution)): row for row in existing if row.resolution}
    new: list[Sample] = []
    already = too_old = 0
    for sample in samples:
        resolution = resolution_at(sample.at, now)
        if resolution is None:
            too_old += 1
            continue
        rollup = rollups.get((resolution, int(sample.at // resolution))) if resolution else None
        covered = rollup is not None and (
            rollup.at >= sample.at and rollup.low_cents <= sample.balance_cents <= rollup.high_cents
        )
        if covered or int(sample.at // 1) in seconds:
            already += 1
        else:
            new.append(sample)
    return ImportPlan(new, already, too_old)
