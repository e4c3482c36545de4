"""Burst benchmark: the bot in HTTP mode under a burst of signed /balance requests, all on 127.0.0.1.

    python -m benchmarks.burst [--requests 200] [--concurrency 50] [--latency 0.05] [--reads 200]

Reports ack latency and time to the answer (the response_url POST), Kalshi requests made, the bot's peak
RSS and its start-up time to a 200 from /healthz; then per-read overhead (time minus the fake's latency)
of our pooled client, a naive client (a new HTTP client per read, no coalescing) and the official SDK
(kalshi-python-sync, if installed: pip install -e '.[bench]'), each reading from the same fake Kalshi.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.kalshi import KalshiClient
from bot.kalshi.signer import KalshiAuth, load_private_key
from tests import keys
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, command_body, free_port
from tests.fakes.kalshi import FakeKalshi
from tests.fakes.slack import FakeSlack


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


def burst(
    bot: BotProcess, slack: FakeSlack, n: int, concurrency: int
) -> tuple[list[float], list[float], int]:
    """Send ``n`` signed /balance requests over ``concurrency`` keep-alive connections.

    The load comes from one asyncio loop writing pre-signed raw HTTP/1.1 requests: far lighter than
    threads, so what is measured is the bot, not the GIL of the process measuring it.
    """
    verifier = SignatureVerifier(SIGNING_SECRET)
    host, port = "127.0.0.1", int(bot.url.rsplit(":", 1)[1])

    def signed(i: int) -> tuple[str, bytes]:
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

    requests = [signed(i) for i in range(n)]  # signed before the clock starts: measure the bot, not us
    acks: list[float] = []
    sent: dict[str, float] = {}
    answered_in_ack: list[float] = []

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
            acks.append(elapsed)
            if body:  # the figures came in the ack itself
                answered_in_ack.append(elapsed)
            else:
                sent[name] = t0
        writer.close()

    async def run() -> None:
        queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        for item in requests:
            queue.put_nowait(item)
        await asyncio.gather(*(worker(queue) for _ in range(concurrency)))

    asyncio.run(run())

    def answered_all(s: FakeSlack) -> bool:
        return all(s.responses(name) for name in sent)

    slack.wait_for(answered_all, timeout=30)
    answers = [slack.responses(name)[0].at - t0 for name, t0 in sent.items()]
    return acks, answers + answered_in_ack, len(answered_in_ack)


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
    acks, _answers, _in_ack = burst(bot, slack, requests, concurrency)
    return acks


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
    with tempfile.TemporaryDirectory() as tmp:
        env = bot_env(
            kalshi.base_url, slack.api_url, Path(tmp), BALANCE_FRESHNESS_SECONDS="2", BOT_LOG_LEVEL="WARNING"
        )
        bot = BotProcess(env, Path(tmp) / "bot.log").start()
        assert bot.proc is not None and bot.started_in is not None
        # one request to warm up, then let the freshness window lapse so the burst starts cold
        bot.post_signed(command_body("", slack.response_url("warm")))
        slack.wait_response("warm")
        time.sleep(2.2)
        before = kalshi.count
        t0 = time.monotonic()
        acks, answers, in_ack = burst(bot, slack, args.requests, args.concurrency)
        wall = time.monotonic() - t0
        kalshi_requests = kalshi.count - before
        # side by side: cold bursts to the bot and to a bare Bolt app acking a static message, alternated
        bare = BareBolt({**env, "PORT": str(free_port())}, Path(tmp) / "bare.log").start()
        bot_p99s, bare_p99s = [pct(acks, 99)], []
        for _ in range(args.rounds):
            bare_p99s.append(pct(cold_burst(bare, slack, args.requests, args.concurrency, cold=False), 99))
            bot_p99s.append(pct(cold_burst(bot, slack, args.requests, args.concurrency), 99))
        bare.stop()
        rss = peak_rss_mb(bot.proc.pid)
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
        f"Burst: {args.requests} signed /balance at concurrency {args.concurrency}, "
        f"fake Kalshi latency {ms(args.latency)}, finished in {wall:.2f} s\n"
    )
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    bot_p99, bare_p99 = statistics.median(bot_p99s), statistics.median(bare_p99s)
    print(f"| ack latency p50 / p99 (first cold burst) | {ms(pct(acks, 50))} / {ms(pct(acks, 99))} | |")
    print(
        f"| cold-burst ack p99, median of {len(bot_p99s)} bursts: bot / bare Bolt app | {ms(bot_p99)} / "
        f"{ms(bare_p99)} = {bot_p99 / bare_p99:.2f}x | at most 2x |"
    )
    print(
        f"| time to answer p50 / p99 / max | {ms(pct(answers, 50))} / {ms(pct(answers, 99))} / "
        f"{ms(max(answers))} | every answer < 1 s |"
    )
    print(f"| answered inside the ack (figures in hand) | {in_ack} of {args.requests} | |")
    print(f"| Kalshi requests for the burst | {kalshi_requests} (naive: {args.requests}) | at most 2 |")
    print(f"| bot peak RSS | {rss:.1f} MB | < 80 MB |")
    print(f"| start-up to 200 from /healthz | {bot.started_in * 1000:.0f} ms | < 1.5 s |")
    print(f"\nPer-read overhead ({args.reads} sequential reads each, median, minus the fake's latency):\n")
    print("| client | overhead | vs official SDK |")
    print("| --- | --- | --- |")
    for name, value in rows:
        ratio = f"{value / sdk_overhead:.2f}x" if sdk_overhead else "n/a (SDK not installed)"
        print(f"| {name} | {ms(value)} | {ratio} |")


if __name__ == "__main__":
    main()
