"""Burst benchmark: the bot in HTTP mode under a burst of signed /balance requests, all on 127.0.0.1.

    python -m benchmarks.burst [--requests 200] [--concurrency 50] [--latency 0.05] [--reads 200]

The bot keeps history (a sample every 2 s) and runs once on a fresh store and once on a store aged by
``history import`` (a week at 2 s and a year of daily rows, see benchmarks/aged_store.py). For each:
the answers that carried the figures and how fast (an answer without them, a "busy" refusal or none at
all is a failure, counted apart), ack latency, Kalshi requests made, whether the bot's own loop missed
a turn around the burst (from the samples it recorded), the bot's peak RSS and its start-up time to a
200 from /healthz. Then cold bursts alternated with a bare Bolt app (benchmarks/bare_bolt.py), and the
per-read overhead (time minus the fake's latency) of our pooled client, a naive client (a new HTTP
client per read, no coalescing) and the official SDK (kalshi-python-sync, if installed: pip install -e
'.[bench]'), each reading from the same fake Kalshi. Bounded: one burst per store, ``--rounds`` cold
bursts, every wait with a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from slack_sdk.signature import SignatureVerifier

from benchmarks.aged_store import make_aged_store
from bot.domain.history import RAW
from bot.kalshi import KalshiClient
from bot.kalshi.signer import KalshiAuth, load_private_key
from bot.slack.answer_pool import BUSY_TEXT
from bot.store.sqlite import SQLiteStore
from tests import keys
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, command_body, free_port
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import Call, FakeSlack

INTERVAL = 2.0  # the history's interval in the runs: the minimum, as for the aged store


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_BURST_IDS = itertools.count()
FIGURES = "available $1,234.56"  # the fake Kalshi's balance, as every answer with the figures says it


@dataclass
class Burst:
    """One burst: every acknowledgement's latency, and each person's outcome."""

    acks: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)  # send to figures in hand, per answer with them
    in_ack: int = 0  # of them, answered inside the acknowledgement (figures already in hand)
    busy: int = 0  # told "the bot is busy": a failure
    without_figures: int = 0  # answered, but without the figures (an error message): a failure
    unanswered: int = 0  # no answer within the wait: a failure
    started: float = 0.0  # wall clock, for the loop's samples
    ended: float = 0.0

    @property
    def failures(self) -> int:
        return self.busy + self.without_figures + self.unanswered


def burst(bot: BotProcess, slack: FakeSlack, n: int, concurrency: int, *, wait: float = 30.0) -> Burst:
    """Send ``n`` signed /balance requests over ``concurrency`` keep-alive connections.

    The load comes from one asyncio loop writing pre-signed raw HTTP/1.1 requests: far lighter than
    threads, so what is measured is the bot, not the GIL of the process measuring it. An answer counts
    only when it carries the figures; "busy" refusals and answers without figures are counted apart.
    """
    verifier = SignatureVerifier(SIGNING_SECRET)
    host, port = "127.0.0.1", int(bot.url.rsplit(":", 1)[1])

    def signed() -> tuple[str, bytes]:
        name = f"burst-{next(_BURST_IDS)}"  # each request its own: a repeat would be refused as a replay
        body = command_body("", slack.response_url(name)).encode()
        ts = str(int(time.time()))
        signature = verifier.generate_signature(timestamp=ts, body=body.decode())
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return name, head.encode() + body

    requests = [signed() for _ in range(n)]  # signed before the clock starts: measure the bot, not us
    result = Burst()
    sent: dict[str, float] = {}

    async def worker(queue: asyncio.Queue[tuple[str, bytes]]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while not queue.empty():
            name, raw = queue.get_nowait()
            t0 = time.monotonic()
            writer.write(raw)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            elapsed = time.monotonic() - t0
            assert b" 200 " in status, status
            result.acks.append(elapsed)
            text = json.loads(body).get("text", "") if body else None
            if text is None:
                sent[name] = t0  # the answer follows on the response_url
            elif FIGURES in text:
                result.answered.append(elapsed)
                result.in_ack += 1
            elif BUSY_TEXT in text:
                result.busy += 1
            else:
                result.without_figures += 1
        writer.close()

    async def run() -> None:
        queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        for item in requests:
            queue.put_nowait(item)
        await asyncio.gather(*(worker(queue) for _ in range(concurrency)))

    result.started = time.time()
    asyncio.run(run())
    paths = {f"/response/{name}": name for name in sent}

    def answers(s: FakeSlack) -> dict[str, Call]:
        return {paths[c.path]: c for c in s.calls if c.path in paths}

    with contextlib.suppress(AssertionError):  # the wait is bounded: who is not answered by then failed
        slack.wait_for(lambda s: len(answers(s)) == len(sent), timeout=wait)
    result.ended = time.time()
    got = answers(slack)
    for name, t0 in sent.items():
        call = got.get(name)
        if call is None:
            result.unanswered += 1
        elif FIGURES in call.body.get("text", ""):
            result.answered.append(call.at - t0)
        else:
            result.without_figures += 1
    return result


def loop_turns(state_path: Path, start: float, end: float, interval: float) -> tuple[int, float, int]:
    """The loop's turns between ``start`` and ``end`` (wall clock), from the samples it recorded (one a
    turn): how many, the longest gap between two, and the turns missed (a gap of two intervals or more)."""
    store = SQLiteStore(state_path)
    times = [s.at for s in store.samples(start, end) if s.resolution == RAW]
    store.close()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    missed = sum(int(gap // interval) - 1 for gap in gaps if gap >= 2 * interval)
    return len(times), max(gaps, default=float("nan")), missed


def overhead(read: Callable[[], object], reads: int, latency: float) -> float:
    read()  # warm-up (connection, imports)
    times = []
    for _ in range(reads):
        t0 = time.perf_counter()
        read()
        times.append(time.perf_counter() - t0 - latency)
    return statistics.median(times)


def naive_read(base_url: str, auth: KalshiAuth) -> Callable[[], object]:
    def read() -> object:
        with httpx.Client(auth=auth, timeout=5) as client:  # a new client (and connection) per read
            return client.get(f"{base_url}/portfolio/balance").json()

    return read


def sdk_read(base_url: str) -> Callable[[], object] | None:
    try:
        from kalshi_python_sync import Configuration
        from kalshi_python_sync import KalshiClient as SdkClient
    except ImportError:
        return None
    config = Configuration(host=base_url)
    config.api_key_id = keys.KEY_ID
    config.private_key_pem = keys.pkcs1_pem()
    client = SdkClient(config)
    read: Callable[[], object] = client.get_balance
    return read


class BareBolt(BotProcess):
    """benchmarks.bare_bolt as a process: the reference the bot's acknowledgements are measured against."""

    def start(self, wait_ready: bool = True) -> BotProcess:
        import subprocess
        import sys

        from tests.bot_process import base_env

        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bare_bolt"],
            env={**base_env(), **self.env},
            cwd=Path(__file__).resolve().parent.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()
        return self


def cold_burst(
    bot: BotProcess, slack: FakeSlack, requests: int, concurrency: int, *, cold: bool = True
) -> list[float]:
    """One burst; the acknowledgement latencies. ``cold``: wait out the freshness window first."""
    slack.reset()
    if cold:
        time.sleep(2.2)
    return burst(bot, slack, requests, concurrency).acks


@dataclass
class Run:
    """The bot on one store under one burst."""

    label: str
    burst: Burst
    kalshi_requests: int
    rss_mb: float
    started_in: float
    turns: tuple[int, float, int]  # the loop's turns around the burst: count, longest gap, missed


def run_on_store(
    label: str,
    env: dict[str, str],
    state_dir: Path,
    fakes: tuple[FakeKalshi, FakeSlack],
    args: argparse.Namespace,
) -> tuple[Run, BotProcess]:
    """Start the bot on the store in ``state_dir``, warm it, let the freshness window lapse, send the burst,
    and watch the loop for three of its intervals after; the bot is left running."""
    kalshi, slack = fakes
    bot = BotProcess(env, state_dir / "bot.log").start()
    assert bot.proc is not None and bot.started_in is not None
    bot.post_signed(command_body("", slack.response_url(f"warm-{label}")))  # one request to warm up
    slack.wait_response(f"warm-{label}", timeout=30)
    time.sleep(2.2)  # the burst starts cold: the first read goes to Kalshi
    before = kalshi.count
    result = burst(bot, slack, args.requests, args.concurrency)
    kalshi_requests = kalshi.count - before
    time.sleep(3 * INTERVAL)
    turns = loop_turns(
        state_dir / "state.sqlite3", result.started - 3 * INTERVAL, result.ended + 3 * INTERVAL, INTERVAL
    )
    return Run(label, result, kalshi_requests, peak_rss_mb(bot.proc.pid), bot.started_in, turns), bot


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="the fake Kalshi's latency, seconds")
    parser.add_argument("--reads", type=int, default=200, help="sequential reads per client for overhead")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="cold bursts to each of the bot and the bare Bolt app, alternated",
    )
    args = parser.parse_args()

    kalshi = FakeKalshi(keys.rsa_key().public_key(), keys.KEY_ID, latency=args.latency).start()
    slack = FakeSlack().start()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir, aged_dir = Path(tmp) / "fresh", Path(tmp) / "aged"
        fresh_dir.mkdir()
        aged_dir.mkdir()
        imported, import_took = make_aged_store(aged_dir / "state.sqlite3")
        for label, state_dir in (("aged", aged_dir), ("fresh", fresh_dir)):
            env = bot_env(
                kalshi.base_url,
                slack.api_url,
                state_dir,
                BALANCE_FRESHNESS_SECONDS="2",
                BALANCE_HISTORY_INTERVAL=f"{INTERVAL:g}",
                BOT_LOG_LEVEL="WARNING",
            )
            run, bot = run_on_store(label, env, state_dir, (kalshi, slack), args)
            runs.append(run)
            if label == "aged":
                bot.stop()
                continue
            # side by side: cold bursts to the bot (fresh store) and a bare Bolt app acking a static
            # message, alternated
            bare = BareBolt({**env, "PORT": str(free_port())}, Path(tmp) / "bare.log").start()
            bot_p99s, bare_p99s = [pct(run.burst.acks, 99)], []
            for _ in range(args.rounds):
                bare_p99s.append(
                    pct(cold_burst(bare, slack, args.requests, args.concurrency, cold=False), 99)
                )
                bot_p99s.append(pct(cold_burst(bot, slack, args.requests, args.concurrency), 99))
            bare.stop()
            bot.stop()

    key = load_private_key(keys.pkcs1_pem())
    auth = KalshiAuth(keys.KEY_ID, key)
    ours = KalshiClient(kalshi.base_url, auth)
    rows = [("this bot (pooled client)", overhead(ours.get_balance, args.reads, args.latency))]
    rows.append(
        ("naive (new client per read)", overhead(naive_read(kalshi.base_url, auth), args.reads, args.latency))
    )
    sdk = sdk_read(kalshi.base_url)
    sdk_overhead = overhead(sdk, args.reads, args.latency) if sdk else None
    if sdk_overhead is not None:
        rows.append(("official SDK (kalshi-python-sync)", sdk_overhead))
    kalshi.stop()
    slack.stop()

    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(
        f"Burst: {args.requests} signed /balance at concurrency {args.concurrency}, fake Kalshi latency "
        f"{ms(args.latency)}, history kept (a sample every {INTERVAL:g} s); aged store: {imported:,} samples "
        f"(a week at {INTERVAL:g} s and a year of daily rows) imported by `history import` in "
        f"{import_took:.1f} s\n"
    )
    aged, fresh = runs
    print_table(fresh, aged, args.requests)
    bot_p99, bare_p99 = statistics.median(bot_p99s), statistics.median(bare_p99s)
    print(
        f"| cold-burst ack p99 (fresh store), median of {len(bot_p99s)} bursts: bot / bare Bolt app | "
        f"{ms(bot_p99)} / {ms(bare_p99)} = {bot_p99 / bare_p99:.2f}x | | at most 2x |"
    )
    print(f"\nPer-read overhead ({args.reads} sequential reads each, median, minus the fake's latency):\n")
    print("| client | overhead | vs official SDK |")
    print("| --- | --- | --- |")
    for name, value in rows:
        ratio = f"{value / sdk_overhead:.2f}x" if sdk_overhead else "n/a (SDK not installed)"
        print(f"| {name} | {ms(value)} | {ratio} |")


def print_table(fresh: Run, aged: Run, requests: int) -> None:
    def both(cell: Callable[[Run], str]) -> str:
        return f"| {cell(fresh)} | {cell(aged)} |"

    def times(run: Run) -> str:
        a = run.burst.answered
        return f"{ms(pct(a, 50))} / {ms(pct(a, 99))} / {ms(max(a))}" if a else "none"

    def turns(run: Run) -> str:
        count, gap, missed = run.turns
        return f"{count} turns, longest gap {gap:.2f} s, {missed} missed"

    print("| measure | fresh store | aged store | target |")
    print("| --- | --- | --- | --- |")
    print(
        f"| answered with the figures {both(lambda r: f'{len(r.burst.answered)} of {requests}')} every one |"
    )
    print(f"| refused as busy {both(lambda r: str(r.burst.busy))} 0 |")
    print(
        "| answered without the figures / not answered "
        f"{both(lambda r: f'{r.burst.without_figures} / {r.burst.unanswered}')} 0 |"
    )
    print(f"| time to the figures p50 / p99 / max {both(times)} every one < 1 s |")
    f99, a99 = pct(fresh.burst.answered, 99), pct(aged.burst.answered, 99)
    print(f"| answer p99, aged / fresh | | {a99 / f99:.2f}x | at most 1.2x |")
    acks = both(lambda r: f"{ms(pct(r.burst.acks, 50))} / {ms(pct(r.burst.acks, 99))}")
    print(f"| ack latency p50 / p99 {acks} |")
    print(f"| answered inside the ack (figures in hand) {both(lambda r: str(r.burst.in_ack))} |")
    print(f"| Kalshi requests for the burst {both(lambda r: str(r.kalshi_requests))} at most 2 |")
    print(f"| the loop around the burst (a turn every {INTERVAL:g} s) {both(turns)} none missed |")
    print(f"| bot peak RSS {both(lambda r: f'{r.rss_mb:.1f} MB')} < 80 MB |")
    print(f"| start-up to 200 from /healthz {both(lambda r: f'{r.started_in * 1000:.0f} ms')} < 1.5 s |")


if __name__ == "__main__":
    main()
