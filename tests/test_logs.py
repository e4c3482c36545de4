"""The log as the operator reads it: one record per line whatever it quotes, no secret in any line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from bot import logs


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[str]]]:
    """Lines written by the handler :func:`bot.logs.setup` installs; the root logger restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def lines() -> list[str]:
        return capsys.readouterr().err.splitlines()

    yield lines
    root.handlers[:] = handlers
    root.setLevel(level)


def test_cr_and_lf_in_arguments_and_exceptions_stay_inside_one_line(
    log_lines: Callable[[], list[str]],
) -> None:
    logs.setup("INFO")
    log = logging.getLogger("bot.test")
    log.warning("user said %s", "hi\n2026-01-01 ERROR bot.alerts.monitor: forged\rX")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("failed on %r", "a\nb")
    lines = log_lines()
    assert len(lines) == 2, lines
    assert "hi\\n2026-01-01 ERROR bot.alerts.monitor: forged\\rX" in lines[0]
    assert lines[1].count(" ERROR ") == 1 and "ValueError: bad\\nvalue" in lines[1]
