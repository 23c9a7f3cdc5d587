"""Core benchmarks: preview rebuild time, sender throughput, sandbox requests per second.

Prints figures and a verdict table; asserts nothing (budgets are checked by reading, never as
timed unit tests). Loopback only, under a minute.

    python bench/bench_core.py            (project installed, or PYTHONPATH=gui)

(a) Preview rebuild: what the GUI does on every edit of a 200-property event: build the
    AttributionEvent, ``prepare()`` it, render the body and the curl command.
(b) Sender throughput: ``Client.send`` against a plain ``requests.Session().post`` loop,
    both to one in-process sandbox, in interleaved rounds so drift hits both alike.
(c) Sandbox requests per second: the plain loop's figure (the sandbox is the bottleneck).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

try:
    import attribution_workbench  # noqa: F401
except ImportError:  # a checkout without the project installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gui"))

import requests

from attribution_workbench.core.client import CancelToken, Client
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import Format, PreparedRequest, prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

PREVIEW_RUNS = 3000
ROUNDS = 5
PER_ROUND = 300
PREVIEW_BUDGET_MS = 2.0
THROUGHPUT_BUDGET = 0.8

Row = tuple[str, str, str, str]  # metric, value, budget, verdict


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_preview() -> tuple[float, float]:
    properties = {f"[Bench] property {i:03d}": f"value {i} ü+&=%#" for i in range(200)}
    destination = Destination(Region.US)
    key = DEMO_KEYS["us"]

    def rebuild() -> None:
        event = AttributionEvent(
            event_type="[Bench] Install",
            platform="ios",
            idfa="AEBE52E7-03EE-455A-B3C4-E57283966239",
            idfv="BCCF52E7-03EE-455A-B3C4-E57283966239",
            time=1_700_000_000_000,
            user_properties=dict(properties),  # the form hands over a fresh dict per edit
        )
        prepared = prepare(event, destination, key)
        prepared.render(Format.BODY)
        prepared.render(Format.CURL)

    for _ in range(50):  # warm-up: imports, caches
        rebuild()
    samples = []
    for _ in range(PREVIEW_RUNS):
        started = time.perf_counter_ns()
        rebuild()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return statistics.median(samples), percentile(samples, 0.95)


def timed_loop(count: int, send: Callable[[], None]) -> float:
    """Seconds for ``count`` sends."""
    started = time.perf_counter()
    for _ in range(count):
        send()
    return time.perf_counter() - started


def bench_throughput(server: SandboxServer) -> dict[str, float]:
    """Requests per second for each sender over ROUNDS interleaved rounds."""
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    event = (
        '{"event_type":"[Bench] Install","platform":"ios",'
        '"idfa":"AEBE52E7-03EE-455A-B3C4-E57283966239"}'
    )
    request: PreparedRequest = prepare(event, destination, DEMO_KEYS["us"])
    client = Client()
    session = requests.Session()

    def ours() -> None:
        outcome = client.send(request)
        assert outcome.status == 200, outcome.text

    def ours_cancellable() -> None:
        outcome = client.send(request, cancel=CancelToken())
        assert outcome.status == 200, outcome.text

    def plain() -> None:
        response = session.post(request.url, data=request.body, headers=dict(request.headers))
        assert response.status_code == 200, response.text

    senders: dict[str, Callable[[], None]] = {
        "plain": plain,
        "ours": ours,
        "ours_cancellable": ours_cancellable,
    }
    for send in senders.values():  # warm-up: connections, first-call costs
        timed_loop(30, send)
    seconds = dict.fromkeys(senders, 0.0)
    for round_index in range(ROUNDS):
        # Rotate the order each round so no sender always runs first (or last).
        names = list(senders)
        names = names[round_index % len(names) :] + names[: round_index % len(names)]
        for name in names:
            seconds[name] += timed_loop(PER_ROUND, senders[name])
            server.reset()  # keep the sandbox's record list the same size for everyone
    client.close()
    session.close()
    return {name: ROUNDS * PER_ROUND / total for name, total in seconds.items()}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "OVER"


def main() -> None:
    gc.collect()
    print(f"Python {sys.version.split()[0]}, requests {requests.__version__}")

    print(f"\n(a) preview rebuild, 200-property event, {PREVIEW_RUNS} runs")
    median_ms, p95_ms = bench_preview()
    print(f"    median {median_ms:.3f} ms   p95 {p95_ms:.3f} ms   budget < {PREVIEW_BUDGET_MS} ms")

    print(f"\n(b) sender throughput to an in-process sandbox, {ROUNDS} x {PER_ROUND} requests")
    with SandboxServer(port=0) as server:
        rates = bench_throughput(server)
    ratio = rates["ours"] / rates["plain"]
    ratio_cancel = rates["ours_cancellable"] / rates["plain"]
    print(f"    plain requests.Session().post  {rates['plain']:8.0f} req/s")
    print(f"    Client.send                    {rates['ours']:8.0f} req/s   ratio {ratio:.2f}")
    print(
        f"    Client.send + CancelToken      {rates['ours_cancellable']:8.0f} req/s"
        f"   ratio {ratio_cancel:.2f}"
    )

    print("\n(c) sandbox requests per second (the plain loop's figure)")
    print(f"    {rates['plain']:.0f} req/s")

    rows: list[Row] = [
        (
            "preview rebuild median",
            f"{median_ms:.3f} ms",
            f"< {PREVIEW_BUDGET_MS:g} ms",
            verdict(median_ms < PREVIEW_BUDGET_MS),
        ),
        ("preview rebuild p95", f"{p95_ms:.3f} ms", "info", "-"),
        (
            "Client.send / plain requests",
            f"{ratio:.2f}",
            f">= {THROUGHPUT_BUDGET}",
            verdict(ratio >= THROUGHPUT_BUDGET),
        ),
        (
            "Client.send+cancel / plain",
            f"{ratio_cancel:.2f}",
            f">= {THROUGHPUT_BUDGET}",
            verdict(ratio_cancel >= THROUGHPUT_BUDGET),
        ),
        ("sandbox requests/s", f"{rates['plain']:.0f}", "info", "-"),
    ]
    table = [("metric", "value", "budget", "verdict"), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
