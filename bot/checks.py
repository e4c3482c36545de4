"""``python -m bot check``: one line per check, each with whether it passed and why."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.config import ConfigError, Mode, Settings, load_settings
from bot.kalshi import KalshiError
from bot.money import format_cents
from bot.runtime import make_kalshi_client, make_store

Check = tuple[bool | None, str]
"""Whether the check passed (``None``: it passed with a warning), and the line saying so."""


def run_checks(environ: Mapping[str, str]) -> Iterator[Check]:
    try:
        settings = load_settings(environ, Mode.SERVE)
    except ConfigError as exc:
        yield False, f"configuration: {len(exc.problems)} problem(s)"
        for problem in exc.problems:
            yield False, f"  {problem}"
        try:
            settings = load_settings(environ, Mode.KALSHI)
        except ConfigError:
            return
    else:
        yield True, f"configuration: {describe(settings)}"
    yield check_kalshi(settings)
    if settings.slack is not None:
        from bot.slack.app import check_slack_token

        yield check_slack_token(settings.slack)
    if settings.history is not None:
        yield check_store(settings)
        if settings.slack is not None:
            from bot.slack.access import Access, posting_channel_warnings

            access = Access(settings.slack.allowed_users, settings.slack.allowed_channels)
            for warning in posting_channel_warnings(settings.posting_channels(), access):
                yield None, f"channels: {warning}"


def describe(settings: Settings) -> str:
    parts = [f"Kalshi {settings.kalshi.env} ({settings.kalshi.base_url})"]
    if settings.slack is not None:
        mode = "Socket Mode" if settings.slack.socket_mode else f"HTTP on port {settings.slack.port}"
        parts.append(mode)
    parts.append("alerts on" if settings.alerts else "alerts off")
    if settings.history is not None:
        parts.append(f"history every {settings.history.interval_seconds:g}s")
    if settings.digest is not None:
        parts.append(f"digest at {settings.digest.time_text}")
    return ", ".join(parts)


def check_kalshi(settings: Settings) -> Check:
    try:
        with make_kalshi_client(settings.kalshi) as client:
            balance = client.get_balance()
    except KalshiError as exc:
        hint = exc.hint()
        return False, f"Kalshi credentials: {exc}" + (f". {hint}" if hint else "")
    return True, f"Kalshi credentials: accepted; available balance {format_cents(balance.balance_cents)}"


def check_store(settings: Settings) -> Check:
    from bot.alerts.store import StoreUnavailable

    try:
        store, _lock = make_store(settings)
        state = store.load_state()
        store.close()
    except StoreUnavailable as exc:
        return False, f"alert store: {settings.store_name} cannot be opened: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - any failure to open the store is what this check reports
        return False, f"alert store: {settings.store_name} cannot be opened ({type(exc).__name__})"
    return True, f"alert store: {store.describe()}, reachable; alert state {state.state.upper()}"
