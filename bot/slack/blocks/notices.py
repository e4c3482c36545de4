"""Short replies that carry no figures: help, refusals, one-sentence notices, our own failures."""

from __future__ import annotations

from bot.slack.blocks.base import COMMAND, Message, build, code, section


def unexpected_error_message() -> Message:
    text = "Something went wrong on our side while reading the balance. The bot's log has the details."
    return Message(text, build(section(f":warning: {text}")))


USAGE = (
    f"*{COMMAND}* shows your Kalshi balance, only to you.\n"
    f"• `{COMMAND}`: available balance, portfolio value and total\n"
    f"• `{COMMAND} sub 3`: the same for one subaccount (0 is the primary account, 1 to 63 the others)\n"
    f"• `{COMMAND} all`: every subaccount's balance, when each was updated, and the sum\n"
    f"• `{COMMAND} history [7d|30d|90d]`: the balance over time (default 7 days)\n"
    f"• `{COMMAND} why [24h|7d|30d]`: what moved the balance: trades, settlements, deposits, withdrawals "
    f"and transfers, their sum and what they leave unexplained (default 24 h; `{COMMAND} sub 3 why` for one "
    "subaccount)\n"
    f"• `{COMMAND} alert`: the low-balance alert: levels, watched figure, mentions, channel, state\n"
    f"• `{COMMAND} alert 250`: warn when the balance falls below $250 (admins)\n"
    f"• `{COMMAND} alert critical 50`: a critical alert below $50, `critical off` clears it (admins)\n"
    f"• `{COMMAND} alert off`: turn the alert off (admins)\n"
    f"• `{COMMAND} help`: this help"
)


def usage_message(unknown: str | None = None) -> Message:
    intro = ""
    if unknown is not None:
        intro = f"I don't know {code(unknown)}. "
    text = intro + USAGE
    return Message(text, build(section(text)))


def refusal_message() -> Message:
    text = (
        "Sorry, the Kalshi balance isn't available to you here. "
        "Ask whoever runs this bot to allow your user or this channel."
    )
    return Message(text, build(section(f":no_entry: {text}")))


def alerts_off_message() -> Message:
    return notice_message(
        "Low-balance alerts are not set up on this bot (its operator sets BALANCE_ALERT_CHANNEL)."
    )


def notice_message(text: str, emoji: str = ":information_source:") -> Message:
    """A one-sentence reply; ``text`` must already be escaped where it holds user input."""
    return Message(text, build(section(f"{emoji} {text}")))
