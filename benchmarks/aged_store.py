"""A store aged by import, for the burst benchmark: a week of readings at the 2 s minimum interval
(302,400) and a year of daily rows before it, written as the CSV of ``python -m bot history export``
and read in with ``python -m bot history import`` (the real command, as a process).

    python -m benchmarks.aged_store PATH   # makes the SQLite store at PATH and prints what it took
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bot.domain.history import Sample
from bot.domain.history_csv import format_csv
from tests.bot_process import ROOT, base_env

WEEK_READINGS = 7 * 86_400 // 2  # 302,400
YEAR_DAYS = 365


def aged_history(now: float) -> list[Sample]:
    """A week at 2 s ending now, and a daily reading for the year before it (a saw-tooth in cents)."""
    start = int(now) - 7 * 86_400
    week = [
        Sample.reading(start + 2 * i, 1000_00 + (i % 5000) - 2500, 250_00 + i % 7)
        for i in range(WEEK_READINGS)
    ]
    year = [Sample.reading(start - d * 86_400, 900_00 + d * 37 % 20_000, 0) for d in range(YEAR_DAYS, 0, -1)]
    return year + week


def make_aged_store(state_path: Path, now: float | None = None) -> tuple[int, float]:
    """Write the CSV beside ``state_path`` and import it there; the rows imported and the import's time."""
    csv_path = state_path.with_suffix(".csv")
    samples = aged_history(time.time() if now is None else now)
    with csv_path.open("w") as f:
        f.writelines(format_csv(samples))
    t0 = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "history", "import", str(csv_path)],
        env={**base_env(), "BOT_STATE_PATH": str(state_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    took = time.monotonic() - t0
    csv_path.unlink()
    if result.returncode != 0 or f"added {len(samples)} samples" not in result.stdout:
        raise RuntimeError(f"the import failed: {result.stdout}{result.stderr}")
    return len(samples), took


def main() -> None:
    rows, took = make_aged_store(Path(sys.argv[1]))
    print(f"imported {rows:,} samples in {took:.1f} s into {sys.argv[1]}")


if __name__ == "__main__":
    main()
