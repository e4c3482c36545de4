"""The SQLite state, its journal and the sender lock are created readable by the bot's user only: they
hold balances and Kalshi's error messages."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from bot.store.sqlite import SQLiteStore
from tests.bot_process import ALERTS_ENV, BotProcess
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack


def test_state_files_are_private_to_the_bot_user(
    start_bot: Callable[..., BotProcess], kalshi: FakeKalshi, slack: FakeSlack, tmp_path: Path
) -> None:
    old = tmp_path / "old" / "state.sqlite3"  # files an earlier version left readable by all
    old.parent.mkdir()
    SQLiteStore(old).close()
    for f in old.parent.iterdir():
        f.chmod(0o644)
    kalshi.set_balance(100_00)
    for path in (tmp_path / "new" / "state.sqlite3", old):
        bot = start_bot(**ALERTS_ENV, BOT_STATE_PATH=str(path))
        slack.wait_for(lambda s: s.posts(), 10)  # the state is written
        names = {f.name: stat.S_IMODE(f.stat().st_mode) for f in path.parent.iterdir()}
        assert {"state.sqlite3", "state.sqlite3.lock", "state.sqlite3-wal"} <= set(names)
        assert all(mode == 0o600 for mode in names.values()), {n: oct(m) for n, m in names.items()}
        assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0 or path == old
        bot.stop()
        slack.reset()
