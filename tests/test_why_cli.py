"""``python -m bot balance --why`` as a person runs it: a real process, the fake Kalshi serving the activity
in pages, the bot's own history file when there is one."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.domain.history import Sample
from bot.store.sqlite import SQLiteStore
from tests.fakes.kalshi import FakeKalshi, Reply
from tests.fakes.kalshi_activity import DEPOSITS, FILLS, TRANSFERS, WITHDRAWALS, fill, funding, transfer
from tests.test_cli import run_cli

DAY = 86_400


def add_activity(kalshi: FakeKalshi, now: float) -> None:
    """+$234.56 in all: the fake's balance of $1,234.56 against $1,000.00 a day ago."""
    t = int(now)
    kalshi.activity.add(
        FILLS,
        fill(
            "KXRAIN-1", t - 3600, action="buy", side="yes", count="100.00", yes_price="0.4000", fee="0.7000"
        ),
        fill(
            "KXRAIN-1", t - 1800, action="sell", side="yes", count="100.00", yes_price="0.7456", fee="0.5000"
        ),
        fill("KXSNOW-2", t - 600, legacy=False, count="10.00", yes_price="0.1000", fee="0.0000"),  # buy yes
    )
    kalshi.activity.add(DEPOSITS, funding(20_000, t - 7200, finalized_ts=t - 7100, fee_cents=100))
    kalshi.activity.add(DEPOSITS, funding(99_999, t - 60, status="pending"))
    kalshi.activity.add(WITHDRAWALS, funding(500, t - 900, finalized_ts=t - 800))
    kalshi.activity.add(TRANSFERS, transfer(3, 0, 820, t - 300))


def history(tmp_path: Path, at: float, cents: int) -> Path:
    path = tmp_path / "state.sqlite3"
    store = SQLiteStore(path)
    store.add_sample(Sample.reading(at, cents, 0))
    store.close()
    return path


def a_day_with_history(tmp_path: Path, kalshi: FakeKalshi) -> tuple[float, Path]:
    """$1,000.00 kept a day (and two minutes) ago, and the day's activity: now and the state file."""
    now = time.time()
    state = history(tmp_path, now - DAY - 120, 1000_00)
    add_activity(kalshi, now)
    return now, state


def test_why_json_explains_the_change_to_the_last_digit(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    now, state = a_day_with_history(tmp_path, kalshi)
    env = {**kalshi_env, "BOT_STATE_PATH": str(state)}
    result = run_cli(["balance", "--why", "24h", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["balance_start"] == "1000.00" and data["balance_end"] == "1234.5600"
    assert data["window"]["start_ts"] == int(now - DAY - 120)  # the window starts at the sample
    assert data["totals"] == {
        "trades": "32.360000",  # 74.56 sold - 41.00 bought - 1.20 fees
        "settlements": "0.00",
        "deposits": "199.00",  # 200.00 less its 1.00 fee; the pending one not
        "withdrawals": "-5.00",
        "transfers": "8.20",
    }
    assert data["details"]["trades"] == {
        "bought": "41.000000",
        "sold": "74.560000",
        "fees": "1.2000",
        "fills": 3,
        "markets": 2,
    }
    assert data["activity"] == "234.560000" and data["change"] == "234.5600"
    assert data["unexplained"] == "0.000000"  # every digit accounted for
    assert data["markets"][0] == {
        "ticker": "KXRAIN-1",
        "moved": "115.760000",
        "net": "33.360000",
        "fees": "1.2000",
        "fills": 2,
    }
    assert data["errors"] == {} and data["partial"] == []
    fills = kalshi.seen(FILLS)
    assert fills[0].verified and fills[0].query["subaccount"] == ["0"]


def test_why_without_history_says_the_start_is_unknown_and_creates_no_store(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    add_activity(kalshi, time.time())
    state = tmp_path / "state.sqlite3"
    result = run_cli(["balance", "--why", "7d"], {**kalshi_env, "BOT_STATE_PATH": str(state)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not state.exists()
    out = result.stdout
    assert "Balance then         unknown  (this bot keeps no balance history)" in out
    assert "Balance now          $1,234.56" in out
    assert (
        "Trades               +$32.36  (bought $41.00, sold $74.56, fees $1.20; 3 fills on 2 markets)" in out
    )
    assert "Sum of the activity  +$234.56" in out and "Not explained        unknown" in out


def test_why_names_the_kind_that_failed_and_prints_the_rest(
    kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path
) -> None:
    add_activity(kalshi, time.time())
    kalshi.route("/portfolio/withdrawals", Reply(503, {"code": "unavailable", "message": "ledger is busy"}))
    env = {**kalshi_env, "BOT_STATE_PATH": str(tmp_path / "none.sqlite3"), "KALSHI_TIMEOUT_SECONDS": "1"}
    result = run_cli(["balance", "--why", "24h", "--json"], env, tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["totals"]["withdrawals"] is None and data["totals"]["trades"] == "32.360000"
    assert data["errors"] == {"withdrawals": "Kalshi said: ledger is busy"}
    assert data["unexplained"] is None
    assert "error: the withdrawals could not be read: Kalshi said: ledger is busy (HTTP 503" in result.stderr
    assert "Traceback" not in result.stderr


def test_why_for_a_subaccount(kalshi: FakeKalshi, kalshi_env: dict[str, str], tmp_path: Path) -> None:
    from tests.fakes.kalshi import subaccount_row

    now = int(time.time())
    kalshi.set_subaccounts(subaccount_row(3, "50.0000"))
    kalshi.activity.add(FILLS, fill("KX-3", now - 60, subaccount=3, fee="0.0123"), fill("KX-0", now - 60))
    kalshi.activity.add(TRANSFERS, transfer(0, 3, 5_000, now - 120), transfer(0, 4, 1, now - 100))
    env = {**kalshi_env, "BOT_STATE_PATH": str(tmp_path / "none.sqlite3")}
    result = run_cli(["balance", "--why", "30d", "--subaccount", "3", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["subaccount"] == 3 and data["balance_end"] == "50.0000" and data["balance_start"] is None
    assert data["totals"] == {
        "trades": "-0.572300",
        "settlements": "0.00",
        "deposits": None,  # the primary account's
        "withdrawals": None,
        "transfers": "50.00",
    }
    assert not kalshi.seen(DEPOSITS)
    assert run_cli(["balance", "--why", "24h", "--all"], env, tmp_path).returncode == 2
    assert run_cli(["balance", "--why", "1y"], env, tmp_path).returncode == 2
