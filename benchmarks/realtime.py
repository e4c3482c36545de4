"""Real-time benchmark: from a fill leaving Kalshi's WebSocket to the figures (and the alert) that follow it.

    python -m benchmarks.realtime [--fills 100] [--storm 500] [--drops 5] [--latency 0.05] [--e2e]

All on 127.0.0.1: the project's fake Kalshi (REST, answering in ``--latency`` s) and its fake WebSocket
(tests/fakes/kalshi_ws.py, signatures checked as Kalshi does).

In process, with the real listener (bot.kalshi.websocket), coalescer (bot.realtime) and read path
(bot.balance), it measures over ``--fills`` fills, spaced at random from 0.05 to 1 s apart:

- fill -> ``on_activity()``: the time from the fill message leaving the fake to the listener's callback;
- fill -> fresh figures: to the end of the first Kalshi read that shows the balance after that fill;
- reads during a storm of ``--storm`` fills in one second (target: at most 5);
- after ``--drops`` dropped connections (each after 11 s connected), the time until connected and
  subscribed again (target: < 5 s).

``--e2e`` then starts the bot (``python -m bot``, HTTP mode) with alerts on (BALANCE_ALERT_INTERVAL 60,
the WebSocket pointed at the fake by KALSHI_WS_URL) and measures, over ``--fills`` fills that each move
the balance across the warning level (down, then back up), the time from the fill leaving the fake to
the alert's (or recovery's) ``chat.postMessage`` arriving at the fake Slack (target: p99 < 1 s). It
needs the listener wired into the bot's checks: without it the bot never connects, and it says so.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import tempfile
import threading
import time
from pathlib import Path

from bot.balance import BalanceReader
from bot.kalshi import KalshiClient
from bot.kalshi.signer import KalshiAuth, load_private_key
from bot.kalshi.websocket import KalshiStream
from bot.realtime import Coalescer, activity_handler
from tests import keys
from tests.bot_process import BotProcess, bot_env
from tests.fakes.kalshi import BALANCE, FakeKalshi
from tests.fakes.kalshi_ws import FakeKalshiWS
from tests.fakes.slack import Call, FakeSlack

ALERT_CHANNEL = "C0ALERTS1"
LOW, HIGH = 100_00, 400_00  # cents: below the $250 warning level, and above it plus the $10 margin


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float]) -> str:
    return f"{ms(pct(values, 50))} / {ms(pct(values, 99))} / {ms(max(values))}"


class Readings:
    """The coalescer's action: read through the one path, and note when each balance was first seen."""

    def __init__(self, reader: BalanceReader) -> None:
        self.reader = reader
        self.first_seen: dict[int, float] = {}
        self._cond = threading.Condition()

    def __call__(self) -> None:
        cents = self.reader.read().balance.balance_cents
        with self._cond:
            self.first_seen.setdefault(cents, time.monotonic())
            self._cond.notify_all()

    def wait_for(self, cents: int, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        with self._cond:
            while cents not in self.first_seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no read showed {cents} cents within {timeout}s")
                self._cond.wait(remaining)
            return self.first_seen[cents]


def in_process(kalshi: FakeKalshi, ws: FakeKalshiWS, fills: int, storm: int, drops: int) -> list[str]:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    client = KalshiClient(kalshi.base_url, auth)
    reader = BalanceReader(client, freshness_seconds=2)
    readings = Readings(reader)
    refresh = Coalescer(readings).start()
    callbacks: list[float] = []
    invalidate_and_trigger = activity_handler(reader, refresh)

    def on_activity() -> None:
        callbacks.append(time.monotonic())
        invalidate_and_trigger()

    stream = KalshiStream(ws.url, auth, on_activity).start()
    try:
        ws.wait_subscribed(1, timeout=10)
        to_callback, to_figures = [], []
        for i in range(fills):
            cents = 1_000_000 + i  # a balance no read has shown yet
            kalshi.set_balance(cents)
            seen = len(callbacks)
            left = ws.send_fill()
            to_figures.append(readings.wait_for(cents) - left)
            to_callback.append(callbacks[seen] - left)
            time.sleep(random.uniform(0.05, 1.0))
        assert refresh.wait_idle(10)

        reads = storm_reads(kalshi, ws, storm)
        last_seen = reader.latest()
        assert last_seen is not None and last_seen.balance.balance_cents == 2_000_000 + storm - 1
        reconnects = reconnect_times(ws, drops, pause=stream.stable_seconds + 1)
    finally:
        stream.stop()
        refresh.stop()
        client.close()
    return [
        f"| fill -> on_activity() p50 / p99 / max ({fills} fills) | {spread(to_callback)} | |",
        f"| fill -> fresh figures in hand p50 / p99 / max | {spread(to_figures)} | < 1 s |",
        *storm_and_drop_rows(reads, storm, reconnects),
    ]


def storm_reads(kalshi: FakeKalshi, ws: FakeKalshiWS, storm: int) -> int:
    """Send ``storm`` fills in one second, each moving the balance; the Kalshi balance reads they cost,
    counted until the reads stop (1.5 s without one)."""
    before = len(kalshi.seen(BALANCE))
    start = time.monotonic()
    for i in range(storm):
        kalshi.set_balance(2_000_000 + i)
        ws.send_fill()
        while time.monotonic() < start + (i + 1) / storm:  # paced: the storm lasts one second
            time.sleep(0.0005)
    count, quiet_since, deadline = before, time.monotonic(), time.monotonic() + 15
    while time.monotonic() - quiet_since < 1.5 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(kalshi.seen(BALANCE))
        if now != count:
            count, quiet_since = now, time.monotonic()
    return count - before


def reconnect_times(ws: FakeKalshiWS, drops: int, *, pause: float) -> list[float]:
    """Drop the connection ``drops`` times, each after ``pause`` s connected; the times until connected
    and subscribed again."""
    times = []
    for _ in range(drops):
        time.sleep(pause)  # a connection that lasted: the backoff starts afresh
        subscribed = len(ws.subscriptions)
        dropped = time.monotonic()
        ws.drop()
        times.append(ws.wait_subscribed(subscribed + 1, timeout=30) - dropped)
    return times


def storm_and_drop_rows(reads: int, storm: int, reconnects: list[float], who: str = "") -> list[str]:
    return [
        f"| {who}Kalshi reads during a storm of {storm} fills in 1 s | {reads} | at most 5 |",
        f"| {who}dropped -> connected and subscribed again, max of {len(reconnects)} | "
        f"{max(reconnects):.2f} s | < 5 s |",
    ]


def end_to_end(kalshi: FakeKalshi, ws: FakeKalshiWS, fills: int, storm: int, drops: int) -> list[str]:
    slack = FakeSlack().start()
    kalshi.set_balance(HIGH)
    with tempfile.TemporaryDirectory() as tmp:
        env = bot_env(
            kalshi.base_url,
            slack.api_url,
            Path(tmp),
            KALSHI_WS_URL=ws.url,
            BALANCE_ALERT_CHANNEL=ALERT_CHANNEL,
            BALANCE_ALERT_THRESHOLD="$250",
            BALANCE_ALERT_REARM="10",
            BALANCE_ALERT_INTERVAL="60",
            BALANCE_FRESHNESS_SECONDS="2",
            BOT_LOG_LEVEL="WARNING",
        )
        subscribed = len(ws.subscriptions)
        bot = BotProcess(env, Path(tmp) / "bot.log").start()
        try:
            try:
                ws.wait_subscribed(subscribed + 1, timeout=15)
            except AssertionError:
                why = "the bot did not connect to Kalshi's WebSocket in 15 s (not wired into its checks yet)"
                return [f"| bot: fill -> alert chat.postMessage | not measured: {why} | p99 < 1 s |"]
            latencies = []
            posted = len(alert_posts(slack))
            for i in range(fills):
                kalshi.set_balance(LOW if i % 2 == 0 else HIGH)
                left = ws.send_fill()
                posts = slack.wait_for(
                    lambda s, n=posted + i + 1: len(alert_posts(s)) >= n and alert_posts(s)
                )
                latencies.append(posts[posted + i].at - left)
                time.sleep(random.uniform(0.05, 1.0))
            reads = storm_reads(kalshi, ws, storm)
            reconnects = reconnect_times(ws, drops, pause=11.0)
        finally:
            bot.stop()
            slack.stop()
    what = f"bot: fill -> alert chat.postMessage p50 / p99 / max ({fills} alerts)"
    return [
        f"| {what} | {spread(latencies)} | p99 < 1 s |",
        *storm_and_drop_rows(reads, storm, reconnects, "bot: "),
    ]


def alert_posts(slack: FakeSlack) -> list[Call]:
    return [call for call in slack.posts() if call.body.get("channel") == ALERT_CHANNEL]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fills", type=int, default=100)
    parser.add_argument("--storm", type=int, default=500, help="fills in the one-second storm")
    parser.add_argument("--drops", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05, help="the fake Kalshi's latency, seconds")
    parser.add_argument("--e2e", action="store_true", help="also measure fill -> alert through the bot")
    args = parser.parse_args()
    logging.getLogger("bot").setLevel(logging.ERROR)  # the drops' "lost" lines are expected here

    kalshi = FakeKalshi(keys.rsa_key().public_key(), keys.KEY_ID, latency=args.latency).start()
    ws = FakeKalshiWS(kalshi).start()  # Kalshi's pace: a ping every 10 s
    try:
        rows = in_process(kalshi, ws, args.fills, args.storm, args.drops)
        if args.e2e:
            rows += end_to_end(kalshi, ws, args.fills, args.storm, args.drops)
    finally:
        ws.stop()
        kalshi.stop()
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"Fake Kalshi latency {ms(args.latency)}; fills spaced 0.05-1 s apart at random\n")
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
