"""``attribution-cli batch FILE``: validate every row of a CSV / JSON Lines file, then send.

Two streamed passes over the file (it is never loaded whole): the first validates every
row and lists the invalid ones with their findings; nothing is sent when any row is invalid
unless ``--skip-invalid`` gives consent. The second pass sends the valid rows with the
retry policy of ``core.batch`` (429/503 retried with backoff, 500/502/504 never).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from attribution_workbench.cli_support import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    Console,
    destination,
    find_key,
    format_finding,
    no_key_message,
)
from attribution_workbench.core import batch
from attribution_workbench.core.credentials import KeyStore
from attribution_workbench.core.regions import Region
from attribution_workbench.core.wire import Transport

HELP = """\
Send every event of FILE: a .csv file (a header row; one column per event field,
user_properties.NAME columns for properties, an empty cell = absent) or a .jsonl file (one
event object per line, sent verbatim). Every row is validated first; invalid rows are listed
on stderr and nothing is sent unless --skip-invalid is given.

429 and 503 answers are retried with backoff (honouring Retry-After); 500, 502 and 504 are
never retried (the server may have ingested the event) and are reported as failed.
Exit status: 0 every sent row got 2xx, 1 otherwise, 2 bad input (nothing sent)."""

MAX_LISTED = 50  # invalid rows listed one by one; the rest are counted


def add_parser(commands: Any, formatter: type[argparse.HelpFormatter], parents: list[Any]) -> None:
    parser = commands.add_parser(
        "batch",
        parents=parents,
        formatter_class=formatter,
        help="validate and send every event of a CSV or JSON Lines file",
        description=HELP,
    )
    parser.add_argument("file", metavar="FILE", help="a .csv or .jsonl file")
    parser.add_argument(
        "--region", choices=("us", "eu"), default="us", help="picks the host and the key"
    )
    parser.add_argument(
        "--rate",
        metavar="N",
        type=_positive,
        help="at most N events per second (default: no limit)",
    )
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=int,
        choices=range(1, 33),
        default=4,
        help="requests in flight over keep-alive connections, 1-32 (default: 4)",
    )
    parser.add_argument(
        "--skip-invalid", action="store_true", help="send the valid rows even if some are invalid"
    )
    parser.add_argument("--as-query", action="store_true", help="use the query-string transport")
    parser.add_argument(
        "--profile", metavar="NAME", default="default", help="keyring profile (default: default)"
    )
    parser.add_argument("--results-csv", metavar="PATH", help="also write the results as CSV")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(handler=run_batch)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("the rate must be a positive number of events/s")
    return value


def _validate(path: Path, console: Console) -> tuple[int, int]:
    """(valid rows, invalid rows); lists the invalid ones on stderr."""
    valid = invalid = 0
    try:
        for row in batch.iter_rows(path):
            if row.valid:
                valid += 1
                continue
            invalid += 1
            if invalid <= MAX_LISTED:
                console.note(f"row {row.number}: invalid")
                if row.error is not None:
                    console.note(f"  error: {row.error}")
                for finding in row.findings:
                    console.note("  " + format_finding(finding))
    except ValueError as exc:  # unknown suffix, bad UTF-8, CSV field too large
        raise CliError(f"Cannot read {path}: {exc}") from None
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if invalid > MAX_LISTED:
        console.note(f"…and {invalid - MAX_LISTED} more invalid row(s).")
    return valid, invalid


def run_batch(args: argparse.Namespace, console: Console) -> int:
    region = Region(args.region)
    target = destination(args, region)
    path = Path(args.file)
    valid, invalid = _validate(path, console)
    if invalid and not args.skip_invalid:
        raise CliError(
            f"{invalid} of {valid + invalid} row(s) are invalid (listed above); nothing was "
            "sent. Fix them, or pass --skip-invalid to send the other rows."
        )
    if not valid:
        raise CliError(f"{path} has no valid row to send; nothing was sent.")
    found = find_key(KeyStore(), args.profile, region, console)
    if found is None:
        raise CliError(no_key_message(args.profile, region) + " Nothing was sent.")

    from attribution_workbench.core.client import CancelToken, Client

    def show(progress: batch.Progress) -> None:
        if progress.done:
            return
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
        console.note(
            f"{progress.sent}/{progress.total} sent: {progress.ok} ok, {progress.failed} failed, "
            f"{progress.retried} retried ({progress.rate:.1f}/s{eta})"
        )

    transport = Transport.QUERY if args.as_query else Transport.BODY
    with Client() as client:
        sender = batch.BatchSender(
            client,
            target,
            found[0],
            transport,
            rate=args.rate,
            concurrency=args.concurrency,
            on_progress=show,
            cancel=CancelToken(),
            progress_interval=1.0,
        )
        results = sender.run(batch.iter_rows(path), total=valid)
    if args.results_csv:
        with open(args.results_csv, "w", encoding="utf-8", newline="") as out:
            batch.write_results_csv(results, out)
    summary = _summary(results)
    if args.json:
        console.out(
            json.dumps(
                {"summary": summary, "results": [_result_json(r) for r in results]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for result in results:
            if result.status not in (batch.RowStatus.OK, batch.RowStatus.SKIPPED):
                status = result.http_status if result.http_status is not None else "-"
                console.out(f"row {result.row.number}: {result.status.label} ({status})")
        console.out(
            f"{summary['sent']} sent: {summary['ok']} ok, {summary['failed']} failed, "
            f"{summary['skipped']} skipped (invalid)."
        )
    maybe = summary["by_status"].get(batch.RowStatus.MAYBE_ACCEPTED.value, 0)
    if maybe:
        console.note(
            f"{maybe} row(s) got 500/502/504 or lost their answer: the server may have ingested "
            "them, so they were not retried. Check before sending them again."
        )
    return EXIT_OK if summary["failed"] == 0 else EXIT_FAILED


def _summary(results: list[batch.RowResult]) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for result in results:
        by_status[result.status.value] = by_status.get(result.status.value, 0) + 1
    skipped = by_status.get(batch.RowStatus.SKIPPED.value, 0)
    ok = by_status.get(batch.RowStatus.OK.value, 0)
    sent = len(results) - skipped
    return {
        "sent": sent,
        "ok": ok,
        "failed": sent - ok,
        "skipped": skipped,
        "retried": sum(max(0, r.attempts - 1) for r in results),
        "by_status": by_status,
    }


def _result_json(result: batch.RowResult) -> dict[str, Any]:
    return {
        "row": result.row.number,
        "status": result.status.value,
        "http_status": result.http_status,
        "body": result.body,
        "elapsed_ms": round(result.elapsed_ms, 1),
        "attempts": result.attempts,
        "error": result.error,
    }
