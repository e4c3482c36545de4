"""How large the history store grows: a year of samples at the default interval on a simulated clock.

    python -m benchmarks.history_size            # --days 365 --interval 60

Fills a fresh SQLite store (the default store) with one sample per interval for ``--days`` days,
compacting once a simulated hour as the bot does, and prints the rows kept by resolution and the file
size. Durability is relaxed for the run (``synchronous=OFF``): it changes the speed, not the size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bot.domain.history import Sample
from bot.store.sqlite import SQLiteStore

START = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--interval", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite3"
        store = SQLiteStore(path)
        store._db.execute("PRAGMA synchronous=OFF")  # speed only: the file's contents are the same
        t0 = time.monotonic()
        now, compacted, count = START, START, 0
        end = START + args.days * 86_400
        while now < end:
            cents = 10_000_00 + int(500_00 * ((now // 3600) % 24) / 24)  # a daily swing of $500
            store.add_sample(Sample.reading(now, cents, 2_500_00))
            count += 1
            if now - compacted >= 3600:
                store.compact(now)
                compacted = now
            now += args.interval
        store.compact(now)
        rows = store.samples(0, now)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        size = sum(os.path.getsize(p) for p in Path(tmp).iterdir() if p.name.startswith("state.sqlite3"))
        by_resolution: dict[int, int] = {}
        for row in rows:
            by_resolution[row.resolution] = by_resolution.get(row.resolution, 0) + 1
        took = time.monotonic() - t0
        print(f"{count:,} samples over {args.days} days at one per {args.interval:g} s, {took:.0f} s")
        raw, hourly, daily = (by_resolution.get(r, 0) for r in (0, 3600, 86400))
        print(f"rows kept: {len(rows):,} (raw {raw:,}, hourly {hourly:,}, daily {daily:,})")
        print(f"SQLite file with its WAL: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
