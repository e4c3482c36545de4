"""Why the balance changed over a window: the balance at both ends and the activity between, for
``/balance why``, ``python -m bot balance --why``, the alert's line and the digest's line.

- The balance *then* is the bot's own history: the last sample at or before the window's start (at most
  a day before it). The window then starts at that sample, so the balances and the activity cover the
  same span. The history is the account's, so a subaccount's starting balance is unknown.
- The balance *now* comes through the one read path (:mod:`bot.balance`); the window ends when it was read.
- The activity is read (:mod:`bot.kalshi.activity`) and summed (:mod:`bot.domain.activity`) in one
  shared flight per view and period (:meth:`bot.balance.BalanceReader.shared`): everyone who asks within
  ``SHARE_SECONDS`` shares one set of Kalshi requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.balance import BalanceReader
from bot.domain.activity import Ends, Explanation, alert_line, digest_line, explain
from bot.domain.money import cents_to_dollars
from bot.kalshi.activity import ALERT_PACER, ActivityReads, ActivitySource
from bot.kalshi.errors import KalshiError
from bot.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.history import HistoryView
    from bot.store import HistoryStore

log = logging.getLogger(__name__)

DAY = 86_400
PERIODS = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
SHARE_SECONDS = 10.0  # one window's figures are shared this long
THEN_TOLERANCE = DAY  # the starting sample may be this much older than the window's start
ALERT_DEADLINE = 2.0  # seconds the alert waits for its line; without it by then
DIGEST_DEADLINE = 10.0


@dataclass(frozen=True)
class Then:
    at: float
    cents: int


def history_store(history: HistoryView | None) -> HistoryStore | None:
    """The store under the bot's history view (``ctx.history``), ``None`` when it keeps none: the one
    use the why makes of the history."""
    return None if history is None else history.store


def balance_then(store: HistoryStore, start: float) -> Then | None:
    """The last sample at or before ``start`` (within :data:`THEN_TOLERANCE`), ``None`` when the history
    does not reach back that far."""
    (last,) = store.read(lambda reads: reads.last_at_or_before([start], start - THEN_TOLERANCE))
    return Then(last.at, last.balance_cents) if last is not None else None


def explain_window(
    reader: BalanceReader,
    source: ActivitySource,
    store: HistoryStore | None,
    period: str,
    subaccount: int | None = None,
    *,
    deadline: float | None = None,
    wall: Callable[[], float] = time.time,
) -> Explanation:
    """The last ``period`` (``24h``, ``7d``, ``30d``) of the account (``None``) or a subaccount, shared;
    ``deadline``: seconds the activity read may take (the flight's first asker sets it)."""

    def fetch() -> Explanation:
        nominal = wall() - PERIODS[period]
        then, unknown = _then(store, nominal, subaccount)
        now = now_error = None
        end = int(wall())
        try:
            reading = reader.read(subaccount=subaccount)
            now, end = reading.balance.available_dollars, int(reading.fetched_wall)
        except KalshiError as exc:
            log.warning("the balance now, behind /balance why, could not be read: %s", exc)
            now_error = exc
        start = int(then.at) if then is not None else int(nominal)
        number = 0 if subaccount is None else subaccount
        read = ActivityReads(source).read(start, end, number, deadline_seconds=deadline)
        kinds = (read.trades, read.settlements, read.deposits, read.withdrawals, read.transfers)
        reader.mark_maintenance(k.error for k in kinds if k is not None and k.error is not None)
        ends = Ends(
            then=None if then is None else cents_to_dollars(then.cents),
            then_at=None if then is None else int(then.at),
            then_unknown=unknown,
            now=now,
            now_error=now_error,
        )
        return explain(read, ends, subaccount)

    return reader.shared(("why", subaccount, period), fetch, keep_seconds=SHARE_SECONDS)


def _then(store: HistoryStore | None, start: float, subaccount: int | None) -> tuple[Then | None, str | None]:
    """The starting balance, or why it is unknown (a few words, shown to the person)."""
    if subaccount is not None:
        return None, "the bot's history is the account's balance, not a subaccount's"
    if store is None:
        return None, "this bot keeps no balance history"
    try:
        then = balance_then(store, start)
    except StoreUnavailable as exc:
        log.warning(
            "/balance why goes without the starting balance: history store unreachable (%s)", exc.reason
        )
        return None, "the history store is unreachable right now"
    except Exception as exc:  # noqa: BLE001 - sqlite3 or psycopg: the activity still goes out
        log.error("could not read the balance history for /balance why: %s", type(exc).__name__)
        return None, "the history could not be read"
    if then is None:
        return None, "the bot's history does not reach back to the window's start"
    return then, None


def alert_explanation(
    source: ActivitySource, since: int, until: int, *, deadline: float = ALERT_DEADLINE
) -> Explanation | None:
    """What moved the account's balance from ``since`` (the last reading before the drop) to ``until``,
    read once within ``deadline`` seconds and not shared; ``None`` when any kind could not be read in
    time: the alert goes without it. Balances are left out (the alert shows its own)."""
    # never waits for the read budget: an alert is not held up behind /balance why's reads (real time)
    reads = ActivityReads(source, pacer=ALERT_PACER)
    read = reads.read(since, until, 0, deadline_seconds=deadline, patient=False)
    e = explain(read, Ends(), None)
    if e.failed:
        log.info("the alert goes without its activity line: %s", ", ".join(kind for kind, _ in e.failed))
        return None
    return e


def alert_activity_line(
    source: ActivitySource, since: int, until: int, when: Callable[[int], str]
) -> str | None:
    """The alert's line, ``since 14:05: 3 fills on 2 markets, -$118.60 including $1.40 fees`` (``when``
    renders the start), or ``None`` (see :func:`alert_explanation`)."""
    e = alert_explanation(source, since, until)
    return None if e is None else alert_line(e, when)


def digest_explanation(
    reader: BalanceReader, source: ActivitySource, store: HistoryStore | None
) -> Explanation | None:
    """The last 24 h for the digest, through the shared read of ``/balance why 24h`` (within
    :data:`DIGEST_DEADLINE`); ``None`` when no kind could be read."""
    e = explain_window(reader, source, store, "24h", deadline=DIGEST_DEADLINE)
    return e if e.counted else None


def digest_activity_line(
    reader: BalanceReader, source: ActivitySource, store: HistoryStore | None
) -> str | None:
    """The digest's line on where the day went (:func:`bot.domain.activity.digest_line`), or ``None``."""
    e = digest_explanation(reader, source, store)
    return None if e is None else digest_line(e)
