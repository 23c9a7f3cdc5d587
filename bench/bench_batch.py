"""Batch benchmarks: throughput against a plain requests loop, and memory on 100,000 rows.

Prints figures and ratios; asserts nothing. Loopback only.

    python bench/bench_batch.py            (project installed, or PYTHONPATH=gui)

(a) Throughput at unlimited rate: ``BatchSender`` (reading, validating and sending a JSON
    Lines file) against a plain ``requests.Session().post`` loop over the same events, both
    to one in-process sandbox, in interleaved rounds. Budget: ratio >= 0.8.
(b) Memory: a 100,000-row CSV file is generated to a temp file, then streamed and validated
    whole; the Python heap's peak while doing so is reported (flat = it does not grow with the
    row count), then the first SEND_ROWS rows of it are sent.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

try:
    import attribution_workbench  # noqa: F401
except ImportError:  # a checkout without the project installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gui"))

import requests

from attribution_workbench.core import batch
from attribution_workbench.core.client import Client
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

ROUNDS = 3
PER_ROUND = 600
BIG_ROWS = 100_000
SEND_ROWS = 2_000
BUDGET = 0.8


def idfa(n: int) -> str:
    return f"6D0B3A4F-5C1E-4B8A-9D2F-{n:012X}"


def write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            event = {"event_type": "[Bench] Install", "platform": "ios", "idfa": idfa(n)}
            out.write(json.dumps(event, separators=(",", ":")) + "\n")


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("event_type,platform,idfa,time,user_properties.[Bench] campaign\n")
        for n in range(count):
            out.write(f"[Bench] Install,ios,{idfa(n)},1700000000000,spring {n}\n")


def bench_throughput(server: SandboxServer, path: Path) -> dict[str, float]:
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    key = DEMO_KEYS["us"]
    texts = path.read_text(encoding="utf-8").splitlines()
    session = requests.Session()
    client = Client()

    def plain() -> None:
        for text in texts:
            request = prepare(text, destination, key)
            response = session.post(request.url, data=request.body, headers=dict(request.headers))
            assert response.status_code == 200

    def ours(concurrency: int) -> None:
        sender = batch.BatchSender(client, destination, key, concurrency=concurrency)
        results = sender.run(batch.iter_rows(path))
        assert all(r.status is batch.RowStatus.OK for r in results)

    runs = {"plain": plain, "batch x1": lambda: ours(1), "batch x4": lambda: ours(4)}
    for run in runs.values():  # warm-up
        run()
        server.reset()
    seconds = dict.fromkeys(runs, 0.0)
    for index in range(ROUNDS):
        names = list(runs)
        names = names[index % len(names) :] + names[: index % len(names)]
        for name in names:
            started = time.perf_counter()
            runs[name]()
            seconds[name] += time.perf_counter() - started
            server.reset()
    client.close()
    session.close()
    return {name: ROUNDS * PER_ROUND / total for name, total in seconds.items()}


def bench_memory(server: SandboxServer, path: Path) -> tuple[int, int, float, int, float]:
    """(rows validated, peak heap KiB, seconds, rows sent, send seconds)."""
    # ru_maxrss is a process-wide high-water mark that earlier phases may have set, so the
    # Python heap's own peak during the pass (tracemalloc) is the figure that shows flatness.
    tracemalloc.start()
    started = time.perf_counter()
    valid, invalid = batch.count_rows(batch.iter_rows(path))
    seconds = time.perf_counter() - started
    growth = tracemalloc.get_traced_memory()[1] // 1024
    tracemalloc.stop()
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    with Client() as client:
        sender = batch.BatchSender(client, destination, DEMO_KEYS["us"])
        started = time.perf_counter()
        results = sender.run(itertools.islice(batch.iter_rows(path), SEND_ROWS))
        send_seconds = time.perf_counter() - started
    assert not invalid and all(r.status is batch.RowStatus.OK for r in results)
    return valid, growth, seconds, len(results), send_seconds


def main() -> None:
    print(f"Python {sys.version.split()[0]}, requests {requests.__version__}")
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(port=0) as server:
        small = Path(tmp) / "events.jsonl"
        write_jsonl(small, PER_ROUND)
        print(f"\n(a) batch throughput to an in-process sandbox, {ROUNDS} x {PER_ROUND} events")
        rates = bench_throughput(server, small)
        for name, rate in rates.items():
            print(f"    {name:<10} {rate:8.0f} events/s   ratio {rate / rates['plain']:.2f}")
        big = Path(tmp) / "big.csv"
        write_csv(big, BIG_ROWS)
        size_mb = big.stat().st_size / 1e6
        print(f"\n(b) {BIG_ROWS} rows ({size_mb:.1f} MB CSV): stream, validate, send {SEND_ROWS}")
        server.reset()
        valid, growth, seconds, sent, send_seconds = bench_memory(server, big)
        print(f"    validated {valid} rows in {seconds:.1f} s ({valid / seconds:.0f} rows/s)")
        print(f"    peak Python heap while streaming: {growth} KiB (file {size_mb:.1f} MB)")
        print(f"    sent {sent} rows in {send_seconds:.2f} s ({sent / send_seconds:.0f}/s)")
    best = max(rates["batch x1"], rates["batch x4"]) / rates["plain"]
    print("\nmetric                       value     budget   verdict")
    print(
        f"batch / plain requests       {best:5.2f}     >= {BUDGET}   "
        f"{'PASS' if best >= BUDGET else 'OVER'}"
    )
    print(f"peak heap, 100k-row pass     {growth:5d} KiB  flat     info")


if __name__ == "__main__":
    main()
