"""Batch benchmarks: throughput against a plain requests loop, and memory on 10k and 100k rows.

Prints figures and ratios; asserts nothing. Loopback only.

    python bench/bench_batch.py            (project installed, or PYTHONPATH=gui)

(a) Throughput at unlimited rate: ``BatchSender`` (reading, validating and sending a JSON
    Lines file) against a plain ``requests.Session().post`` loop over the same events, both
    to one in-process sandbox, in rotating rounds. Budget: the sequential sender (x1) /
    plain >= 0.8, like for like; x4 (four sends at once) is printed for information only,
    as its concurrency would hide the sender's own per-request cost.
(b) Memory: CSV files of 10,000 and 100,000 rows are generated to temp files and each is
    streamed and validated whole. The validation speed is timed without tracemalloc (it
    slows Python's allocator); a second pass under tracemalloc gives the Python heap's peak.
    Flat = the peak for 100,000 rows is about the peak for 10,000. Then the first SEND_ROWS
    rows of the big file are sent.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import requests

from _common import bootstrap, print_table, rotating, verdict

bootstrap()  # before the project's imports: a checkout without the project installed

from attribution_workbench.core import batch  # noqa: E402
from attribution_workbench.core.client import Client  # noqa: E402
from attribution_workbench.core.regions import Destination, Region, Target  # noqa: E402
from attribution_workbench.core.wire import prepare  # noqa: E402
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer  # noqa: E402

ROUNDS = 3
PER_ROUND = 600
ROW_COUNTS = (10_000, 100_000)
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


def timed(run: Callable[[], None]) -> Callable[[], float]:
    def seconds() -> float:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started

    return seconds


def bench_throughput(server: SandboxServer, path: Path) -> dict[str, float]:
    """Events per second of each sender over ROUNDS rotating rounds."""
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

    runs: dict[str, Callable[[], None]] = {
        "plain": plain,
        "batch x1": lambda: ours(1),
        "batch x4": lambda: ours(4),
    }
    for run in runs.values():  # warm-up
        server.reset()
        run()
    # Reset before every run: the sandbox's record list is the same size for everyone.
    seconds = rotating({name: timed(run) for name, run in runs.items()}, ROUNDS, server.reset)
    client.close()
    session.close()
    return {name: ROUNDS * PER_ROUND / sum(values) for name, values in seconds.items()}


def validate(path: Path) -> int:
    """Stream and validate the whole file; the row count."""
    valid, invalid = batch.count_rows(batch.iter_rows(path))
    assert not invalid
    return valid


def peak_heap_kib(path: Path) -> int:
    """The Python heap's peak while ``validate`` runs (tracemalloc; ru_maxrss is the process's
    high-water mark, which earlier phases may have set)."""
    tracemalloc.start()
    try:
        validate(path)
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def send_rows(server: SandboxServer, path: Path, count: int) -> tuple[int, float]:
    """(rows sent, seconds) for the first ``count`` rows of ``path``."""
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    with Client() as client:
        sender = batch.BatchSender(client, destination, DEMO_KEYS["us"])
        started = time.perf_counter()
        results = sender.run(itertools.islice(batch.iter_rows(path), count))
        seconds = time.perf_counter() - started
    assert all(r.status is batch.RowStatus.OK for r in results)
    return len(results), seconds


def main() -> None:
    print(f"Python {sys.version.split()[0]}, requests {requests.__version__}")
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(port=0) as server:
        small = Path(tmp) / "events.jsonl"
        write_jsonl(small, PER_ROUND)
        print(f"\n(a) batch throughput to an in-process sandbox, {ROUNDS} x {PER_ROUND} events")
        rates = bench_throughput(server, small)
        for name, rate in rates.items():
            print(f"    {name:<10} {rate:8.0f} events/s   ratio {rate / rates['plain']:.2f}")

        print("\n(b) stream and validate CSV files whole, then send the start of the big one")
        peaks: dict[int, int] = {}
        for count in ROW_COUNTS:
            path = Path(tmp) / f"rows-{count}.csv"
            write_csv(path, count)
            size_mb = path.stat().st_size / 1e6
            started = time.perf_counter()
            valid = validate(path)
            seconds = time.perf_counter() - started
            peaks[count] = peak_heap_kib(path)
            print(
                f"    {valid:7d} rows ({size_mb:5.1f} MB): validated in {seconds:.2f} s "
                f"({valid / seconds:.0f} rows/s), peak Python heap {peaks[count]} KiB"
            )
        big = Path(tmp) / f"rows-{ROW_COUNTS[-1]}.csv"
        server.reset()
        sent, send_seconds = send_rows(server, big, SEND_ROWS)
        rate = sent / send_seconds
        print(f"    sent the first {sent} rows in {send_seconds:.2f} s ({rate:.0f}/s)")

    ratio = rates["batch x1"] / rates["plain"]
    small_rows, big_rows = ROW_COUNTS
    growth = peaks[big_rows] / peaks[small_rows]
    print_table(
        [
            ("batch x1 / plain requests", f"{ratio:.2f}", f">= {BUDGET}", verdict(ratio >= BUDGET)),
            ("batch x4 / plain requests", f"{rates['batch x4'] / rates['plain']:.2f}", "info", "-"),
            (
                f"peak heap, {small_rows} -> {big_rows} rows",
                f"{peaks[small_rows]} -> {peaks[big_rows]} KiB (x{growth:.2f})",
                "flat",
                "info",
            ),
        ]
    )


if __name__ == "__main__":
    main()
