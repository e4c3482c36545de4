"""``python -m bot history export`` and ``history import`` as a person runs them: real processes, against
SQLite and the real PostgreSQL the tests start, configured with the store alone (no Slack, no Kalshi)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.history import DAILY, HOURLY, RAW, Sample
from bot.domain.history_csv import CsvError, parse_csv, plan_import
from bot.domain.retention import DAY
from bot.store import Store
from tests.bot_process import assert_no_secrets, base_env
from tests.test_postgres_store import refused_url

HEADER = "time,balance,portfolio_value\n"
ROW = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z,[0-9]+\.[0-9]{2},[0-9]+\.[0-9]{2}")


class StoreUnderTest:
    """One store of each kind: the environment the CLI is given, and the store for the test to look in."""

    def __init__(self, kind: str, env: dict[str, str], open_store: Callable[[], Store]) -> None:
        self.kind = kind
        self.env = env
        self.open = open_store

    def rows(self) -> list[Sample]:
        store = self.open()
        try:
            return store.samples(0, time.time() + DAY)
        finally:
            store.close()

    def add(self, samples: list[Sample]) -> None:
        store = self.open()
        try:
            store.add_samples(samples)
        finally:
            store.close()


def store_under_test(kind: str, request: pytest.FixtureRequest, directory: Path) -> StoreUnderTest:
    if kind == "sqlite":
        from bot.store.sqlite import SQLiteStore

        path = directory / "state.sqlite3"
        return StoreUnderTest(kind, {"BOT_STATE_PATH": str(path)}, lambda: SQLiteStore(path))
    from bot.store.postgres import PostgresStore

    url = request.getfixturevalue("postgres").new_database()
    return StoreUnderTest(kind, {"DATABASE_URL": url}, lambda: PostgresStore(url))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request.param, request, tmp_path)


def history(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "history", *args],
        env={**base_env(), **env},  # no KALSHI_* nor SLACK_*: the command asks only for the store
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_no_secrets(result.stdout + result.stderr, "the history command's output")
    assert "Traceback" not in result.stderr, result.stderr
    return result


def aged_history(now: float) -> list[Sample]:
    """What a store holds after months: readings of the last days (times with fractions, as the bot
    takes them), hourly rows for a month, daily rows for a year."""
    raw = [Sample.reading(now - 6 * DAY + i * 600.25, 1000_00 + i % 97, 5_00 + i % 3) for i in range(800)]
    hourly = [
        Sample(now - 8 * DAY - h * 3600.0, 900_00 + h, 0, 890_00, 990_00 + h, HOURLY)
        for h in range(0, 500, 7)
    ]
    daily = [
        Sample(now - 31 * DAY - d * DAY, 800_00 + d, 12_34, 1, 2_000_00, DAILY) for d in range(0, 360, 3)
    ]
    return raw + hourly + daily


@pytest.mark.parametrize("source_kind", ["sqlite", "postgres"])
def test_export_then_import_into_an_empty_store_then_export_gives_the_same_file(
    source_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A laptop's SQLite to a PaaS's PostgreSQL, and back."""
    source = store_under_test(source_kind, request, tmp_path / "source")
    target = store_under_test(
        "postgres" if source_kind == "sqlite" else "sqlite", request, tmp_path / "target"
    )
    source.add(aged_history(time.time()))

    exported = history(["export"], source.env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0] == "time,balance,portfolio_value" and len(lines) == 1 + len(source.rows())
    assert lines[1:] == sorted(lines[1:])  # oldest first (the times sort as text)
    assert all(ROW.fullmatch(line) for line in lines[1:]), lines[1:3]
    (tmp_path / "history.csv").write_text(exported.stdout)

    imported = history(["import", "history.csv"], target.env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == f"added {len(lines) - 1} samples, 0 already there"
    again = history(["export"], target.env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == exported.stdout

    twice = history(["import", "-"], target.env, tmp_path, stdin=exported.stdout)  # stdin, the same file
    assert twice.returncode == 0, twice.stderr
    assert twice.stdout.strip() == f"added 0 samples, {len(lines) - 1} already there"
    assert history(["export"], target.env, tmp_path).stdout == exported.stdout


def test_export_since_a_period(store: StoreUnderTest, tmp_path: Path) -> None:
    now = time.time()
    store.add([Sample.reading(now - d * DAY, 100 * d, 0) for d in range(1, 100)])
    for since, days in (("7d", 7), ("30d", 30), ("90d", 90), ("all", 99)):
        result = history(["export", "--since", since], store.env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == 1 + (days - 1 if since != "all" else days), since
    refused = history(["export", "--since", "1y"], store.env, tmp_path)
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


def test_extra_columns_offsets_and_a_spreadsheets_byte_order_mark_are_accepted(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    (tmp_path / "desk.csv").write_bytes(
        "\ufeffnote,Portfolio_Value,time,balance\r\n"
        '"from the desk, by hand",0.5,2026-12-01T15:05:00+01:00,1234.56\r\n'
        "\r\n"
        "x,12,2026-12-01T14:06:30.75Z,-3\r\n".encode()
    )
    result = history(["import", "desk.csv"], store.env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 2 samples, 0 already there"
    at = 1_796_133_900.0  # 2026-12-01T14:05:00Z
    assert [(r.at, r.balance_cents, r.portfolio_value_cents, r.resolution) for r in store.rows()] == [
        (at, 1234_56, 50, RAW),
        (at + 90.75, -3_00, 12_00, RAW),
    ]
    exported = history(["export"], store.env, tmp_path).stdout
    assert exported == HEADER + "2026-12-01T14:05:00Z,1234.56,0.50\n2026-12-01T14:06:30Z,-3.00,12.00\n"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("2026-12-01T14:05:00Z,1.00,0\nyesterday,1.00,0\n", "line 3: time 'yesterday': not an ISO 8601 time"),
        ("2026-12-01T14:05:00Z,1.00,0\n2026-12-01T14:06:00,1.00,0\n", "line 3: time '2026-12-01T14:06:00'"),
        ("2026-02-30T14:05:00Z,1.00,0\n", "line 2: time '2026-02-30T14:05:00Z': not a real date"),
        (
            "2026-12-01T14:05:00Z,1.00,0\n2026-12-01T14:06:00Z,12.345,0\n",
            "line 3: balance '12.345': more than 2",
        ),
        ("2026-12-01T14:05:00Z,1.00,0\n2026-12-01T14:06:00Z,1.00,1.000\n", "line 3: portfolio_value '1.000'"),
        ("2026-12-01T14:05:00Z,$1,234.56,0\n", "line 2: balance '$1': not a plain dollar amount"),
        ("2026-12-01T14:05:00Z,1e3,0\n", "line 2: balance '1e3': not a plain dollar amount"),
        (
            "2026-12-01T14:05:00Z,\uff11\uff12,0\n",
            "line 2: balance '\uff11\uff12': not a plain dollar amount",
        ),
        ("2026-12-01T14:05:00Z,1.00,0\n2026-12-01T14:06:00Z,1.00\n", "line 3: no portfolio_value value"),
        ("2026-12-01T14:05:00Z,,0\n", "line 2: no balance value"),
        (
            "2026-12-01T14:05:00Z,1,0\n2099-01-01T00:00:00Z,1,0\n",
            "line 3: time 2099-01-01T00:00:00Z is in the future",
        ),
        (
            "2026-12-01T14:05:00Z,1,0\n2026-12-01T14:05:00.5Z,2,0\n",
            "line 3: a second row for 2026-12-01T14:05:00Z",
        ),
    ],
)
def test_a_bad_row_fails_the_whole_import_naming_the_line(
    store: StoreUnderTest, tmp_path: Path, body: str, where: str
) -> None:
    result = history(["import", "-"], store.env, tmp_path, stdin=HEADER + body)
    assert result.returncode == 2
    assert f"error: standard input, {where}" in result.stderr and "nothing imported" in result.stderr
    assert result.stdout == ""
    assert store.rows() == []


def test_a_file_without_a_required_column_or_unreadable_fails_whole(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    no_column = history(["import", "-"], store.env, tmp_path, stdin="time,balance\n2026-12-01T14:05:00Z,1\n")
    assert (
        no_column.returncode == 2 and "line 1: the header has no portfolio_value column" in no_column.stderr
    )
    (tmp_path / "latin1.csv").write_bytes(HEADER.encode() + b"2026-12-01T14:05:00Z,1,0\n\xe9,1,0\n")
    latin1 = history(["import", "latin1.csv"], store.env, tmp_path)
    assert latin1.returncode == 2 and "latin1.csv, line 3: not UTF-8 text" in latin1.stderr
    missing = history(["import", "nowhere.csv"], store.env, tmp_path)
    assert missing.returncode == 2 and "cannot read nowhere.csv" in missing.stderr
    assert store.rows() == []


@pytest.mark.slow(6)
def test_a_week_at_two_seconds_imports_well_under_a_minute(store: StoreUnderTest, tmp_path: Path) -> None:
    now = int(time.time())
    start = now - 7 * 86_400 + 60
    with (tmp_path / "week.csv").open("w") as f:
        f.write(HEADER)
        for i in range(302_400):
            at = time.gmtime(start + 2 * i)
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', at)},{1000 + i % 500}.{i % 100:02d},25.00\n")
    t0 = time.monotonic()
    result = history(["import", "week.csv"], store.env, tmp_path)
    took = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 302400 samples, 0 already there"
    assert took < 30, f"{took:.1f} s"
    print(f"\n{store.kind}: 302,400 samples imported in {took:.1f} s")


def test_imported_samples_are_kept_by_the_retention_rules(store: StoreUnderTest, tmp_path: Path) -> None:
    """Readings older than a week are folded into hourly rows by the next compaction, as the bot's own;
    those older than 400 days are skipped; importing the file again, after the folding, adds nothing."""
    now = time.time()
    hour = (now - 10 * DAY) // 3600 * 3600 + 1800
    readings = [(hour + 60 * m, 500_00 - 100 * m) for m in range(3)]  # three readings in one hour
    readings += [(now - k * DAY / 2, 700_00) for k in range(19, 0, -1)]  # and one every 12 h since
    readings.append((now - 401 * DAY, 1_00))
    body = HEADER + "".join(f"{_iso(at)},{cents // 100}.{cents % 100:02d},0\n" for at, cents in readings)
    first = history(["import", "-"], store.env, tmp_path, stdin=body)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        "added 22 samples, 0 already there, 1 older than the 400 days the history keeps (skipped)"
    )
    compacting = store.open()
    compacting.compact(now)  # what the bot's hourly compaction does
    compacting.close()
    rows = store.rows()
    folded = [r for r in rows if r.at // 3600 == hour // 3600]
    assert [(r.resolution, r.at, r.balance_cents, r.low_cents, r.high_cents) for r in folded] == [
        (HOURLY, float(int(hour + 120)), 498_00, 498_00, 500_00)
    ]
    assert [r.resolution for r in rows if r.at > now - 7 * DAY] == [RAW] * 13
    assert len(rows) == 1 + 19 and min(r.at for r in rows) > now - 400 * DAY
    again = history(["import", "-"], store.env, tmp_path, stdin=body)
    assert again.stdout.strip() == (
        "added 0 samples, 22 already there, 1 older than the 400 days the history keeps (skipped)"
    )
    assert store.rows() == rows


def test_the_command_asks_only_for_the_store_and_never_shows_its_password(
    database_url: str, tmp_path: Path
) -> None:
    bad = history(["export"], {"DATABASE_URL": "mysql://user:pw@host/db"}, tmp_path)
    assert bad.returncode == 2 and "DATABASE_URL must be a PostgreSQL URL" in bad.stderr
    assert "KALSHI" not in bad.stderr and "SLACK" not in bad.stderr
    one = HEADER + "2026-12-01T14:05:00Z,1.00,0\n"
    down = history(["import", "-"], {"DATABASE_URL": refused_url(database_url)}, tmp_path, stdin=one)
    assert down.returncode == 1
    assert "PostgreSQL (DATABASE_URL) cannot be reached: connection refused" in down.stderr
    assert "s3cret-canary" not in down.stderr
    nothing = history(["export"], {"BOT_STATE_PATH": str(tmp_path / "none.sqlite3")}, tmp_path)
    assert nothing.returncode == 1 and "the file does not exist" in nothing.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


# -- the pure parts --------------------------------------------------------------------------------------
def test_parse_reads_exact_cents_and_sorts_oldest_first() -> None:
    samples = parse_csv(
        [HEADER, "2026-12-01T14:06:00Z,0.1,7\n", "2026-12-01T14:05:00-00:30,99999999.99,0.07\n"]
    )
    assert [(s.balance_cents, s.portfolio_value_cents) for s in samples] == [(10, 700), (9_999_999_999, 7)]
    with pytest.raises(CsvError) as caught:
        parse_csv([])
    assert caught.value.line == 1 and "empty" in caught.value.problem


def test_a_sample_a_rollup_already_covers_is_already_there() -> None:
    now = 100 * DAY
    hour_row = Sample(now - 10 * DAY + 1800, 5_00, 0, 1_00, 9_00, HOURLY)  # mid-hour
    inside = Sample.reading(hour_row.at - 60, 2_00, 0)  # earlier in its hour, within its low and high
    outside = Sample.reading(hour_row.at - 120, 10_00, 0)  # above its high: it would change the rollup
    later = Sample.reading(hour_row.at + 60, 2_00, 0)  # after its last reading: it would become the last
    plan = plan_import([outside, inside, later], [hour_row], now)
    assert plan.new == [outside, later] and plan.already == 1 and plan.too_old == 0


def test_an_export_whose_reader_goes_away_ends_quietly(tmp_path: Path) -> None:
    """``history export | head``: the pipe closes early; no traceback, no "unexpected error"."""
    from bot.store.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "state.sqlite3")
    now = time.time()
    store.add_samples([Sample.reading(now - 6 * DAY + 2 * i, 1000_00, 0) for i in range(100_000)])
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "history", "export"],
        env={**base_env(), "BOT_STATE_PATH": str(tmp_path / "state.sqlite3")},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == HEADER.encode()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""
    proc.stderr.close()
