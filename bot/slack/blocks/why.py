"""The ``/balance why`` reply: the balance then and now, the activity between per kind, its sum, what it
leaves unexplained, and the markets that moved the most. Every amount exact, as Kalshi sent it."""

from __future__ import annotations

from bot.domain.activity import NAMES, Explanation, Funding, plural, signed
from bot.domain.money import format_dollars
from bot.kalshi.activity import BOUNDS
from bot.kalshi.activity_models import Kind
from bot.kalshi.errors import KalshiError
from bot.slack.blocks.balance import subaccount_label
from bot.slack.blocks.base import (
    DEMO_NOTE,
    Block,
    Message,
    build,
    code,
    context,
    error_emoji,
    error_lines,
    error_parts,
    error_tags,
    escape,
    fields,
    header,
    section,
    slack_date,
    utc_text,
)

PERIOD_WORDS = {"24h": "24 h", "7d": "7 days", "30d": "30 days"}
TITLES: dict[Kind, str] = {
    "trades": "Trades",
    "settlements": "Settlements",
    "deposits": "Deposits",
    "withdrawals": "Withdrawals",
    "transfers": "Transfers",
}


def _kind_lines(e: Explanation) -> list[tuple[Kind, str, str]]:
    """(kind, net, detail) for each kind read, in the order people read them."""
    rows: list[tuple[Kind, str, str]] = []
    if e.trades is not None:
        t = e.trades
        rows.append(
            (
                "trades",
                signed(t.net),
                f"bought {format_dollars(t.bought)} · sold {format_dollars(t.sold)} · fees "
                f"{format_dollars(t.fees)}; {plural(t.fills, 'fill')} on {plural(t.markets, 'market')}",
            )
        )
    if e.settlements is not None:
        s = e.settlements
        rows.append(
            (
                "settlements",
                signed(s.net),
                f"revenue {format_dollars(s.revenue)} · fees {format_dollars(s.fees)}; {s.count:,} settled",
            )
        )
    funding_kinds: tuple[tuple[Kind, Funding | None], ...] = (
        ("deposits", e.deposits),
        ("withdrawals", e.withdrawals),
    )
    for kind, funding in funding_kinds:
        if funding is not None:
            money = f"{format_dollars(funding.amount)} · fees {format_dollars(funding.fees)}"
            detail = f"{money}; {funding.count:,} applied"
            rows.append((kind, signed(funding.net), detail))
    if e.transfers is not None and (e.transfers.count or e.subaccount is not None):  # the account: when any
        x = e.transfers
        detail = f"in {format_dollars(x.into)} · out {format_dollars(x.out)}; {plural(x.count, 'transfer')}"
        rows.append(("transfers", signed(x.net), detail))
    return rows


def _unexplained(e: Explanation) -> tuple[str, str]:
    """(figure or why there is none, as mrkdwn; the same in plain text)."""
    if e.unexplained is not None:
        return format_dollars(e.unexplained), format_dollars(e.unexplained)
    if e.change is None:
        why = "unknown, since the balance at one end is unknown"
    elif e.failed:
        why = f"unknown, since the {', '.join(NAMES[k] for k, _ in e.failed)} could not be read"
    else:
        why = f"unknown, since the {', '.join(NAMES[k] for k in e.partial)} are partial"
    return f"_{why}_", why


def _ends(e: Explanation) -> tuple[str, str]:
    ends = e.ends
    parts, plain = [], []
    if ends.then is not None and ends.then_at is not None:
        parts.append(f"*Then* {format_dollars(ends.then)} ({slack_date(ends.then_at)})")
        plain.append(f"then {format_dollars(ends.then)} ({utc_text(ends.then_at)})")
    if ends.now is not None:
        parts.append(f"*Now* {format_dollars(ends.now)}")
        plain.append(f"now {format_dollars(ends.now)}")
    if e.change is not None:
        parts.append(f"*Change* {signed(e.change)}")
        plain.append(f"change {signed(e.change)}")
    text, text_plain = "   ".join(parts), ", ".join(plain)
    if ends.then is None:
        note = f"The starting balance is unknown: {escape(ends.then_unknown or 'no history')}."
        text, text_plain = f"{text}\n{note}".strip(), f"{text_plain}. {note}".lstrip(". ")
    if ends.now_error is not None:
        note = f"The balance now couldn't be read: {_error_plain(ends.now_error)}"
        text, text_plain = f"{text}\n{note}".strip(), f"{text_plain}. {note}".lstrip(". ")
    return text, text_plain


def _error_plain(error: KalshiError) -> str:
    return error_parts(error, _slack_when)[0] + error_tags(error)


def _slack_when(ts: int) -> str:
    return slack_date(ts, "{date_short_pretty} at {time}")


def _market_lines(e: Explanation) -> tuple[str, str]:
    lines, plain = [], []
    for m in e.markets:
        fills = f", {plural(m.fills, 'fill')}" if m.fills else ""
        figures = (
            f"moved {format_dollars(m.moved)}: net {signed(m.net)}, fees {format_dollars(m.fees)}{fills}"
        )
        lines.append(f"• {code(m.ticker, 60)} {figures}")
        plain.append(f"{escape(m.ticker[:60])} {figures}")
    return "\n".join(lines), "; ".join(plain)


def why_message(e: Explanation, *, period: str, demo: bool) -> Message:
    demo_tag = " (DEMO)" if demo else ""
    span = PERIOD_WORDS.get(period, period)
    whose = "" if e.subaccount is None else f" · {subaccount_label(e.subaccount)}"
    title = f"Why the balance changed · last {span}{whose}{demo_tag}"
    ends, ends_plain = _ends(e)
    unexplained, unexplained_plain = _unexplained(e)
    kinds = _kind_lines(e)
    failed = dict(e.failed)
    texts = [f"*{TITLES[kind]}* {net}\n{detail}" for kind, net, detail in kinds]
    texts += [f"*{TITLES[kind]}*\n:warning: couldn't be read (below)" for kind in failed]
    total = (
        f"*Sum of the activity:* {signed(e.activity)}\n*Not explained by the activity above:* {unexplained}"
    )
    blocks: list[Block] = [header(title)]
    if ends:
        blocks.append(section(ends))
    if texts:
        blocks.append(fields(*texts))
    blocks.append(section(total))
    markets, markets_plain = _market_lines(e)
    if markets:
        blocks.append(section(f"*Markets that moved the most*\n{markets}"))
    for kind, error in e.failed:
        _plain, shown = error_parts(error, _slack_when)
        lines = [f"{error_emoji(error)} {TITLES[kind]} couldn't be read. {shown}{error_tags(error)}"]
        blocks.append(context(*lines, *error_lines(error)))
    notes = [f":warning: {_partial_note(kind)}" for kind in e.partial]
    if e.trades is not None and e.trades.from_outcome_side:
        notes.append(
            f"{e.trades.from_outcome_side:,} fill(s) came without Kalshi's buy/sell: read as purchases of "
            "their outcome side (see the README)"
        )
    notes.append(f"From {slack_date(e.start)} to {slack_date(e.end)} · exact amounts, as Kalshi sent them")
    if demo:
        notes.insert(0, DEMO_NOTE)
    blocks.append(context(*notes))

    lead = f"Why the balance changed, last {span}{whose.replace(' · ', ', ').lower()}{demo_tag}"
    text_parts = [f"{lead}: {ends_plain}." if ends_plain else f"{lead}."]
    text_parts += [f"{TITLES[kind]} {net} ({detail})." for kind, net, detail in kinds]
    text_parts.append(
        f"Sum of the activity {signed(e.activity)}; not explained by the activity above: {unexplained_plain}."
    )
    if markets_plain:
        text_parts.append(f"Markets that moved the most: {markets_plain}.")
    text_parts += [f"{TITLES[kind]} couldn't be read: {_error_plain(error)}" for kind, error in e.failed]
    text_parts += [_partial_note(kind) + "." for kind in e.partial]
    return Message(" ".join(text_parts), build(*blocks))


def _partial_note(kind: Kind) -> str:
    return f"{TITLES[kind]}: more than {BOUNDS[kind]:,} in the window, so these figures are partial"
