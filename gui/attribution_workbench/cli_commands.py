"""The ``preview``, ``send``, ``verify`` and ``sandbox`` commands of ``attribution-cli``.

Each ``run_*`` takes the parsed arguments and a Console and returns an exit code, or raises
``CliError`` (one sentence plus an exit code). ``requests`` and the sandbox are imported only
by the commands that use them.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from attribution_workbench import cli_import
from attribution_workbench.cli_support import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Console,
    checked_event_text,
    destination,
    find_key,
    no_key_message,
)
from attribution_workbench.core.credentials import ENV_VAR, REGIONS, KeyStore
from attribution_workbench.core.regions import Api, Destination, Region
from attribution_workbench.core.wire import (
    Format,
    KeyStyle,
    PreparedRequest,
    Transport,
    WireError,
    mask_key,
    prepare,
)

if TYPE_CHECKING:
    from attribution_workbench.core.client import Outcome, SendError
    from attribution_workbench.core.verify import RegionCheck

PLACEHOLDER_KEY = "YOUR_API_KEY"

PREVIEW_HELP = f"""\
Print the exact request 'send' would make for the event, built from the same bytes.

The key is masked unless --reveal is given. With --reveal, --format body prints exactly the
body bytes 'send' puts on the wire, then one newline. When no key is set, the preview shows
{PLACEHOLDER_KEY} in its place (and --reveal refuses, exit 2). Errors in the event are
listed on stderr; the preview is still printed, and the exit status is then 2.

{cli_import.FROM_PASTE_HELP}"""

SEND_HELP = """\
Validate the event, then send it. Every error is listed on stderr and nothing is sent
(exit 2); warnings are listed but do not stop the send. Exit 0 when the server answers 2xx
with a body that confirms it (not empty, cut off, undecodable or HTML), 1 when it answers
otherwise or cannot be reached."""

VERIFY_HELP = f"""\
Check the API key against each region and report accepted / rejected / unreachable in the
server's own words.

With ${ENV_VAR} set, that one key is tried in every region asked (default: us and eu),
which tells the region it belongs to. Otherwise each region's own keyring key is checked;
a region without one is reported as not set.

Methods: v2 sends an HTTP API V2 request with an empty events array (no data is created).
probe sends an attribution event with a random, never-seen ad ID: Amplitude holds it up to
72 hours, it never matches, then it is dropped, so no data is created either.

Exit 0 when at least one region accepted its key, 1 when none did, 2 when there was no key
to check (nothing sent)."""

SANDBOX_HELP = """\
Run the local stand-in Amplitude server until Ctrl+C or SIGTERM. Prints one line,
'listening on http://HOST:PORT' (with the real port when --port 0), then serves /us/... and
/eu/... (unprefixed = us) and the inspection API under /_sandbox/. Each region accepts its
demo key unless --key REGION=KEY gives its keys instead."""


# --- preview ------------------------------------------------------------------------


def run_preview(args: argparse.Namespace, console: Console) -> int:
    cli_import.apply_paste(args, console)  # --from-paste fills in what was not given
    fmt = Format(args.format) if args.format else None
    if fmt is Format.BODY and args.as_query:
        raise CliError(
            "--format body shows the form body, but --as-query sends no body; "
            "use --format query instead."
        )
    if fmt is None:
        fmt = Format.QUERY if args.as_query else Format.BODY
    transport = Transport.QUERY if args.as_query or fmt is Format.QUERY else Transport.BODY
    region = Region(args.region or "us")
    target = destination(args, region)
    text, invalid = checked_event_text(args, console)
    key = _preview_key(args, region, console)
    prepared = _prepare(text, target, key or PLACEHOLDER_KEY, transport)
    if args.reveal:
        # Raw bytes, no masking: for the body these are exactly the bytes on the wire.
        raw = prepared.body if fmt is Format.BODY else prepared.render(fmt, KeyStyle.REVEAL)
        console.write_raw((raw if isinstance(raw, bytes) else raw.encode("utf-8")) + b"\n")
    else:
        # The placeholder is no secret, so it is shown as written.
        console.out(prepared.render(fmt, KeyStyle.MASK if key else KeyStyle.REVEAL))
    if invalid:
        console.error("The event has errors (listed above); send would refuse it.")
        return EXIT_USAGE
    return EXIT_OK


def _preview_key(args: argparse.Namespace, region: Region, console: Console) -> str | None:
    try:
        found = find_key(KeyStore(), args.profile, region, console)
    except CliError as exc:
        if args.reveal:
            raise CliError("--reveal needs a key. " + exc.message) from None
        console.note(f"note: {exc.message} The preview shows {PLACEHOLDER_KEY} instead.")
        return None
    if found is None:
        if args.reveal:
            raise CliError("--reveal needs a key. " + no_key_message(args.profile, region))
        console.note(
            f"note: {no_key_message(args.profile, region)} "
            f"The preview shows {PLACEHOLDER_KEY} instead."
        )
        return None
    return found[0]


def _prepare(text: str, target: Destination, key: str, transport: Transport) -> PreparedRequest:
    try:
        return prepare(text, target, key, transport)
    except WireError as exc:
        raise CliError(str(exc)) from None


# --- send ---------------------------------------------------------------------------


def run_send(args: argparse.Namespace, console: Console) -> int:
    region = Region(args.region)
    target = destination(args, region)
    text, invalid = checked_event_text(args, console)
    if invalid:
        raise CliError("The event has errors (listed above); nothing was sent.")
    found = find_key(KeyStore(), args.profile, region, console)
    if found is None:
        raise CliError(no_key_message(args.profile, region) + " Nothing was sent.")
    transport = Transport.QUERY if args.as_query else Transport.BODY
    prepared = _prepare(text, target, found[0], transport)
    # The endpoint without our parameters: never carries the key, even for --as-query.
    url = target.endpoint(Api.ATTRIBUTION)

    from attribution_workbench.core.client import Client, SendError

    client = Client()
    try:
        outcome = client.send(prepared, timeout=args.timeout)
    except SendError as exc:
        return _send_failed(args, console, exc, url)
    finally:
        client.close()
    return _send_answered(args, console, outcome, url)


def _send_failed(args: argparse.Namespace, console: Console, exc: SendError, url: str) -> int:
    message = exc.message
    if args.json:
        _print_json(console, _send_json(None, None, None, exc.elapsed_ms, url, message))
    console.error(message)
    return EXIT_FAILED


def _send_answered(args: argparse.Namespace, console: Console, outcome: Outcome, url: str) -> int:
    from attribution_workbench.core.answers import confirms_success, explain

    ok = confirms_success(outcome)
    # One sentence: what the answer means and what to do (core.answers), else the status.
    problem = None if ok else (
        explain(outcome, body_hints=False)
        or f"The server answered {outcome.status} {outcome.reason}.".replace(" .", ".")
    )
    if args.json:
        _print_json(
            console,
            _send_json(
                outcome.status, outcome.reason, outcome.text, outcome.elapsed_ms, url, problem
            ),
        )
    else:
        console.out(f"{outcome.status} {outcome.reason}  ({outcome.elapsed_ms:.0f} ms, POST {url})")
        console.out(outcome.text if outcome.text else "(empty body)")
        if outcome.truncated and problem is None:
            console.note(f"note: the body was cut after {len(outcome.body)} bytes.")
    if problem is not None:
        console.error(problem)
        return EXIT_FAILED
    return EXIT_OK


def _send_json(
    status: int | None,
    reason: str | None,
    body: str | None,
    elapsed_ms: float | None,
    url: str,
    error: str | None,
) -> dict[str, Any]:
    elapsed = round(elapsed_ms, 1) if elapsed_ms is not None else None
    return {
        "status": status,
        "reason": reason,
        "body": body,
        "elapsed_ms": elapsed,
        "url": url,
        "error": error,
    }


def _print_json(console: Console, value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=2))


# --- verify -------------------------------------------------------------------------

_METHODS: dict[str, tuple[str, ...]] = {
    "v2": ("v2-empty-batch",),
    "probe": ("attribution-probe",),
    "both": ("v2-empty-batch", "attribution-probe"),
}


def run_verify(args: argparse.Namespace, console: Console) -> int:
    from attribution_workbench.core import verify

    regions = [Region(name) for name in dict.fromkeys(args.region or REGIONS)]
    # The same --sandbox/--endpoint serves every region; a bad one is refused before any
    # key lookup.
    chosen = destination(args, regions[0])
    if getattr(args, "endpoint", None) and len(regions) != 1:
        # One URL for both regions: two checks of the same server would report a verdict
        # for a region nobody asked (a US key "accepted in us and eu").
        raise CliError(
            "--endpoint is one server, which serves one region: name it with --region us or "
            "--region eu (verify then checks that region's key there). Nothing was sent."
        )
    store = KeyStore()
    keys: dict[Region, str] = {}
    one_key = None  # $AMPLITUDE_API_KEY, tried in every region
    for region in regions:
        found = find_key(store, args.profile, region, console)
        if found is not None:
            keys[region] = found[0]
            one_key = found[0] if found[1] == "environment" else None
    if not keys:
        messages = " ".join(no_key_message(args.profile, region) for region in regions)
        raise CliError(messages + " Nothing was sent.")
    methods = [verify.VerifyMethod(name) for name in _METHODS[args.method]]

    from attribution_workbench.core.client import Client

    client = Client()
    try:
        matrix = verify.check_matrix(
            client, keys, regions, chosen.target, chosen.url, methods, args.timeout
        )
    finally:
        client.close()
    verdicts = verify.region_verdicts(matrix)
    accepted = verify.accepting_regions(verdicts)
    if args.json:
        _print_json(console, {r.value: _region_json(args, matrix.get(r)) for r in regions})
    else:
        if one_key is not None:
            console.out(f"Key from ${ENV_VAR} ({mask_key(one_key)}), tried in each region.")
        else:
            console.out(f"Each region's own key from the keyring (profile {args.profile}).")
        for method in methods:
            console.out(f"Method {method.value}: {method.description}.")
        for region in regions:
            for line in _region_lines(args, region, matrix.get(region)):
                console.out(line)
        if one_key is not None and len(matrix) > 1:
            console.out(_belongs_line(accepted))
    return EXIT_OK if accepted else EXIT_FAILED


def _region_json(args: argparse.Namespace, checks: list[RegionCheck] | None) -> dict[str, Any]:
    from attribution_workbench.core.verify import Verdict, combined_verdict

    method = args.method if args.method == "both" else _METHODS[args.method][0]
    if not checks:
        return {
            "accepted": False,
            "status": None,
            "message": "No API key is set for this region.",
            "method": method,
            "verdict": "not-set",
        }
    if len(checks) == 1:
        return {**_check_json(checks[0]), "method": method}
    verdict = combined_verdict(checks)
    statuses = {check.status for check in checks}
    return {
        "accepted": verdict is Verdict.ACCEPTED,
        "status": statuses.pop() if len(statuses) == 1 else None,
        "message": "; ".join(f"{check.method.value}: {check.message}" for check in checks),
        "method": method,
        "verdict": verdict.value,
        "checks": [_check_json(check) for check in checks],
    }


def _check_json(check: RegionCheck) -> dict[str, Any]:
    # DESIGN.md: "accepted" is a bool; "verdict" says why not (rejected, unreachable, ...).
    return {
        "accepted": check.accepted is True,
        "status": check.status,
        "message": check.message,
        "method": check.method.value,
        "verdict": check.verdict.value,
        "url": check.url,
        "elapsed_ms": round(check.elapsed_ms, 1) if check.elapsed_ms is not None else None,
    }


def _region_lines(
    args: argparse.Namespace, region: Region, checks: list[RegionCheck] | None
) -> Iterator[str]:
    if not checks:
        hint = no_key_message(args.profile, region).split("; ", 1)[-1]
        yield f"{region.value}  {'not set':<12}    -  {hint[0].upper()}{hint[1:]}"
        return
    for check in checks:
        status = str(check.status) if check.status is not None else "-"
        method = f"{check.method.value:<17}  " if args.method == "both" else ""
        yield f"{region.value}  {check.verdict.value:<12}  {status:>3}  {method}{check.message}"


def _belongs_line(accepted: list[Region]) -> str:
    if len(accepted) == 1:
        return f"The key belongs to {accepted[0].value}."
    if accepted:
        return "The key was accepted by " + " and ".join(r.value for r in accepted) + "."
    return "No region accepted the key."


# --- sandbox ------------------------------------------------------------------------


def run_sandbox(args: argparse.Namespace, console: Console) -> int:
    from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

    given = _sandbox_keys(args.key)
    keys = {region: given.get(region, [DEMO_KEYS[region]]) for region in ("us", "eu")}
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is out of range; use 0-65535 (0 picks a free port).")
    try:
        server = SandboxServer(host=args.host, port=args.port, keys=keys).start()
    except OSError as exc:
        raise CliError(
            f"Cannot listen on {args.host} port {args.port}: {exc.strerror or exc}.", EXIT_FAILED
        ) from None
    stop = threading.Event()
    # The handlers stay installed until the server is down, so a second Ctrl+C during
    # shutdown cannot turn a clean stop into a traceback or a kill.
    with _stop_on_signals(stop.set):
        try:
            console.out(f"listening on {server.base_url}")
            for line in _network_notes(args.host, server.port):
                console.note(line)
            for region in ("us", "eu"):
                if region in given:
                    console.note(f"{region} accepts the {len(given[region])} key(s) given.")
                else:
                    console.note(f"{region} accepts the demo key {DEMO_KEYS[region]}.")
            # A timed wait keeps the main thread returning to the interpreter, where the
            # signal handlers run.
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
    return EXIT_OK


def _network_notes(host: str, port: int) -> list[str]:
    """What a sandbox on a network address means (nothing for a loopback one)."""
    from attribution_workbench.core.regions import is_loopback_host

    if is_loopback_host(host):
        return []
    notes = [
        f"warning: {host} is a network address: other computers can send events (and the "
        "keys in them) to this sandbox. Its inspection API (/_sandbox/) answers this "
        "computer only.",
    ]
    if host in ("0.0.0.0", "::", ""):
        notes.append(f"From this computer, use http://127.0.0.1:{port}.")
    return notes


def _sandbox_keys(entries: list[str]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for entry in entries:
        region, sep, key = entry.partition("=")
        region, key = region.strip().lower(), key.strip()
        if not sep or region not in ("us", "eu") or not key:
            raise CliError("--key takes REGION=KEY with REGION us or eu, e.g. --key us=KEY.")
        keys.setdefault(region, []).append(key)
    return keys


@contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM end the server cleanly (exit 0) instead of raising."""

    def handler(signum: int, frame: object) -> None:
        stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
