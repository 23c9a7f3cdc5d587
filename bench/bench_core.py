"""Core benchmarks: the work of one edit, sender throughput, keep-alive round trips per second.

Prints figures and a verdict table; asserts nothing (budgets are checked by reading, never as
timed unit tests). Loopback only, under a minute.

    python bench/bench_core.py            (project installed, or PYTHONPATH=gui)

(a) One edit of a 200-property event, as the GUI handles a form edit: what EventEditor does
    (the form's event, its canonical JSON text that is sent, the indented text the Raw JSON
    tab shows, the findings) and then what MainWindow.rebuild_now does once (``prepare()``
    the text, render the preview's current format once: Body, key masked; the blocking
    findings). The widgets' own work (reading the form, laying out text) is not in it.
(b) Sender throughput: ``Client.send`` against a plain ``requests.Session().post`` loop,
    both to one in-process sandbox, in rotating rounds so drift hits both alike.
(c) Keep-alive round trips per second: the plain loop's figure, i.e. one client in the same
    process as the sandbox, one request at a time on a kept-alive connection. Not a
    capacity figure for the sandbox (no concurrency, no separate client process).
(d) Reading a pasted curl command whose body is one long word (Edit > Import runs this on
    the GUI thread): ``parse_paste`` at two sizes, and ``shlex.split`` alone on the same
    text as the baseline it replaced (quadratic in a word's length). Per-MB cost should not
    grow with the size.
"""

from __future__ import annotations

import gc
import shlex
import statistics
import sys
import time
from collections.abc import Callable

import requests

from _common import bootstrap, print_table, rotating, verdict

bootstrap()  # before the project's imports: a checkout without the project installed

from attribution_workbench.core import rules  # noqa: E402
from attribution_workbench.core.client import CancelToken, Client  # noqa: E402
from attribution_workbench.core.event import AttributionEvent  # noqa: E402
from attribution_workbench.core.importer import parse_paste  # noqa: E402
from attribution_workbench.core.regions import Destination, Region, Target  # noqa: E402
from attribution_workbench.core.wire import (  # noqa: E402
    Format,
    KeyStyle,
    PreparedRequest,
    Transport,
    prepare,
)
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer  # noqa: E402
from attribution_workbench.ui.raw_json import pretty_json  # noqa: E402  (no Qt object made)

EDIT_RUNS = 3000
ROUNDS = 5
PER_ROUND = 300
EDIT_BUDGET_MS = 2.0
THROUGHPUT_BUDGET = 0.8


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_edit() -> tuple[float, float]:
    """(median, p95) milliseconds of one edit."""
    properties = {f"[Bench] property {i:03d}": f"value {i} ü+&=%#" for i in range(200)}
    destination = Destination(Region.US)
    key = DEMO_KEYS["us"]

    def edit() -> None:
        # EventEditor._refresh_from_form: the form hands over a fresh event per edit.
        event = AttributionEvent(
            event_type="[Bench] Install",
            platform="ios",
            idfa="AEBE52E7-03EE-455A-B3C4-E57283966239",
            idfv="BCCF52E7-03EE-455A-B3C4-E57283966239",
            time=1_700_000_000_000,
            user_properties=dict(properties),
        )
        text = event.canonical_json()  # what is sent
        pretty_json(event.to_dict())  # what the Raw JSON tab shows
        findings = rules.check_event(event)
        # MainWindow.rebuild_now, once per event-loop turn: the request from the text, the
        # preview's current format, what blocks Send.
        prepared = prepare(text, destination, key, Transport.BODY)
        prepared.render(Format.BODY, KeyStyle.MASK)
        rules.errors(findings)

    for _ in range(50):  # warm-up: imports, caches
        edit()
    samples = []
    for _ in range(EDIT_RUNS):
        started = time.perf_counter_ns()
        edit()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return statistics.median(samples), percentile(samples, 0.95)


def timed_loop(count: int, send: Callable[[], None]) -> Callable[[], float]:
    """A runner: the seconds ``count`` sends take."""

    def seconds() -> float:
        started = time.perf_counter()
        for _ in range(count):
            send()
        return time.perf_counter() - started

    return seconds


def bench_throughput(server: SandboxServer) -> dict[str, float]:
    """Requests per second for each sender over ROUNDS rotating rounds."""
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
        timed_loop(30, send)()
    runners = {name: timed_loop(PER_ROUND, send) for name, send in senders.items()}
    # Reset before every run: the sandbox's record list is the same size for everyone.
    seconds = rotating(runners, ROUNDS, server.reset)
    client.close()
    session.close()
    return {name: ROUNDS * PER_ROUND / sum(values) for name, values in seconds.items()}


def curl_paste(size: int) -> str:
    """A curl command whose --data-binary body (one shell word) is about ``size`` chars."""
    body = "event=" + "%7B%22a%22%3A%22b%22%7D" * (size // 24)
    return f"curl -X POST https://api2.amplitude.com/attribution --data-binary 'api_key=k&{body}'"


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def bench_paste() -> dict[str, float]:
    """Seconds (best of 3): parse_paste at 150 kB and 1.2 MB; shlex.split at 150 kB."""
    small, large = curl_paste(150_000), curl_paste(1_200_000)
    return {
        "ours_small": best_of(3, lambda: parse_paste(small)),
        "ours_large": best_of(3, lambda: parse_paste(large)),
        "shlex_small": best_of(1, lambda: shlex.split(small)),
    }


def main() -> None:
    gc.collect()
    print(f"Python {sys.version.split()[0]}, requests {requests.__version__}")

    print(f"\n(a) one edit of a 200-property event (editor + one rebuild), {EDIT_RUNS} runs")
    median_ms, p95_ms = bench_edit()
    print(f"    median {median_ms:.3f} ms   p95 {p95_ms:.3f} ms   budget < {EDIT_BUDGET_MS} ms")

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

    print("\n(c) keep-alive round trips per second: one client, same process, one at a time")
    print(f"    {rates['plain']:.0f} round trips/s (the plain loop of (b))")

    print("\n(d) reading a pasted curl command with a long body (one shell word)")
    paste = bench_paste()
    growth = paste["ours_large"] / paste["ours_small"] / 8  # 8x the text
    speedup = paste["shlex_small"] / paste["ours_small"]
    print(f"    parse_paste, 150 kB     {paste['ours_small'] * 1000:8.1f} ms")
    print(f"    parse_paste, 1.2 MB     {paste['ours_large'] * 1000:8.1f} ms")
    print(f"    shlex.split alone, 150 kB {paste['shlex_small'] * 1000:6.1f} ms  (the old reader)")

    print_table(
        [
            (
                "edit (editor + rebuild) median",
                f"{median_ms:.3f} ms",
                f"< {EDIT_BUDGET_MS:g} ms",
                verdict(median_ms < EDIT_BUDGET_MS),
            ),
            ("edit (editor + rebuild) p95", f"{p95_ms:.3f} ms", "info", "-"),
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
            ("keep-alive round trips/s, in-process", f"{rates['plain']:.0f}", "info", "-"),
            ("curl paste: per-MB cost 1.2 MB / 150 kB", f"{growth:.2f}", "~1 (linear)", "info"),
            ("curl paste 150 kB: shlex.split / ours", f"{speedup:.0f}x", "info", "-"),
        ]
    )


if __name__ == "__main__":
    main()
