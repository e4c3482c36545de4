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
    log.warning("user said %s", "hi\n2026-01-01 ERROR bot.jobs.alerts: forged\rX")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("failed on %r", "a\nb")
    lines = log_lines()
    assert len(lines) == 2, lines
    assert "hi\\n2026-01-01 ERROR bot.jobs.alerts: forged\\rX" in lines[0]
    assert lines[1].count(" ERROR ") == 1 and "ValueError: bad\\nvalue" in lines[1]


def test_short_secrets_are_scrubbed_as_whole_words(log_lines: Callable[[], list[str]]) -> None:
    logs.setup("INFO", ["pw9", "xoxb-long-enough-token"])
    log = logging.getLogger("bot.test")
    log.warning("connecting with pw9 to host; token xoxb-long-enough-token")
    log.warning("pw90 and apw9 are other words")
    first, second = log_lines()
    assert "pw9" not in first and "xoxb-long" not in first and first.count("***") == 2
    assert "pw90 and apw9 are other words" in second


def test_pem_text_is_scrubbed_even_when_not_configured(log_lines: Callable[[], list[str]]) -> None:
    from tests import keys

    pem = keys.pkcs8_pem()
    logs.setup("INFO", [])
    logging.getLogger("bot.test").error("bad key %s", pem)
    logging.getLogger("bot.test").error("escaped %s", pem.replace("\n", "\\n"))
    text = "\n".join(log_lines())
    for line in pem.splitlines()[1:-1]:
        assert line not in text
    assert "PRIVATE KEY" in text  # which kind of text was there is still said


def test_the_configured_key_is_scrubbed_line_by_line(log_lines: Callable[[], list[str]]) -> None:
    from bot.config import Mode, load_settings
    from tests import keys

    settings = load_settings(
        {"KALSHI_API_KEY_ID": keys.KEY_ID, "KALSHI_PRIVATE_KEY": keys.pkcs1_pem()}, Mode.KALSHI
    )
    logs.setup("INFO", settings.secrets())
    body = [ln for ln in keys.pkcs1_pem().splitlines() if not ln.startswith("-----")]
    logging.getLogger("bot.test").error("a piece: %s", body[3])
    (line,) = log_lines()
    assert body[3] not in line
