"""``python -m bot check``: one line per check, each with whether it passed and why.

A check is ``(True, line)`` passed, ``(False, line)`` failed, or ``(None, line)`` a warning: worth
reading, but not a failed check (the API limits line when only that call fails).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.app import kalshi_auth, make_kalshi_client, make_store
from bot.config import ConfigError, Mode, Settings, load_settings
from bot.domain.money import format_dollars
from bot.kalshi import KalshiClient, KalshiError
from bot.kalshi.models import AccountLimits
from bot.kalshi.signer import key_type

Check = tuple[bool | None, str]
"""Whether the check passed (``None``: it passed with a warning), and the line saying so."""

READ_COST_TOKENS = 10
"""What one balance read costs of the read budget: Kalshi's default endpoint cost (its rate-limit docs)."""


def load(environ: Mapping[str, str]) -> tuple[Settings | None, list[str]]:
    """The settings to check with, and the configuration's problems. With problems, the settings are
    those of the Kalshi part alone when it is valid (its check still runs), else None."""
    try:
        return load_settings(environ, Mode.SERVE), []
    except ConfigError as exc:
        try:
            return load_settings(environ, Mode.KALSHI), exc.problems
        except ConfigError:
            return None, exc.problems


def run_checks(settings: Settings | None, problems: list[str]) -> Iterator[Check]:
    if problems:
        yield False, f"configuration: {len(problems)} problem(s)"
        for problem in problems:
            yield False, f"  {problem}"
    elif settings is not None:
        yield True, f"configuration: {describe(settings)}"
    if settings is None:
        return
    yield from check_kalshi(settings)
    if settings.realtime and not problems:
        yield check_realtime(settings)
    if problems:
        yield None, "Slack tokens and the store: not checked (fix the configuration first)"
        return
    if settings.slack is not None:
        from bot.slack.app import check_app_token, check_slack_token

        yield check_slack_token(settings.slack)
        if settings.slack.socket_mode:
            yield check_app_token(settings.slack)
    if settings.history is not None:
        yield check_store(settings)
        if settings.slack is not None:
            from bot.slack.access import Access, posting_channel_warnings

            access = Access(settings.slack.allowed_users, settings.slack.allowed_channels)
            for warning in posting_channel_warnings(settings.posting_channels(), access):
                yield None, f"channels: {warning}"


def check_realtime(settings: Settings) -> tuple[bool | None, str]:
    """Kalshi's WebSocket: connected and subscribed to fills, or why not (BALANCE_REALTIME)."""
    from bot.kalshi.websocket import probe
    from bot.kalshi.ws_status import check_line

    return check_line(probe(settings.kalshi.ws_url, kalshi_auth(settings.kalshi), timeout=5))


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


def check_kalshi(settings: Settings) -> Iterator[Check]:
    """The credentials (a balance read), then the API usage tier and read budget."""
    with make_kalshi_client(settings.kalshi) as client:
        try:
            balance = client.get_balance()
        except KalshiError as exc:
            hint = exc.hint()
            yield False, f"Kalshi credentials: {exc}" + (f". {hint}" if hint else "")
            return
        kind = key_type(settings.kalshi.private_key)
        available = format_dollars(balance.available_dollars)
        yield True, f"Kalshi credentials: accepted ({kind} key); available balance {available}"
        yield check_limits(client, settings)


def check_limits(client: KalshiClient, settings: Settings) -> Check:
    try:
        limits = client.get_account_limits()
    except KalshiError as exc:
        return None, f"Kalshi API limits: not read ({exc}); the bot does not need them to run"
    return True, f"Kalshi API limits: {describe_limits(limits, settings)}"


def describe_limits(limits: AccountLimits, settings: Settings) -> str:
    rate = limits.read_tokens_per_second
    reads = rate / READ_COST_TOKENS
    text = (
        f"usage tier {limits.usage_tier}; read budget {rate} tokens/s "
        f"(about {reads:g} balance reads/s at {READ_COST_TOKENS} tokens each)"
    )
    if settings.history is None:
        return text + "; no checks of its own, so only /balance reads use it"
    interval = settings.history.interval_seconds  # the loop's one read serves alerts, history and digest
    used = READ_COST_TOKENS / interval
    share = f"{100 * used / rate:.2g}% of it" if rate > 0 else "more than it allows"
    return text + f"; the bot's own checks (one read every {interval:g} s) use {used:.2g} tokens/s, {share}"


def check_store(settings: Settings) -> Check:
    from bot.store import StoreUnavailable

    try:
        store, _lock = make_store(settings, patient=True)  # to name the real cause, not "no answer"
        state = store.load_state()
        store.close()
    except StoreUnavailable as exc:
        return False, f"store: {settings.store_name} cannot be opened: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - any failure to open the store is what this check reports
        return False, f"store: {settings.store_name} cannot be opened ({type(exc).__name__})"
    return True, f"store: {store.describe()}, reachable; alert state {state.state.upper()}"
