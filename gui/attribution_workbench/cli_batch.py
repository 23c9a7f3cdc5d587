"""``attribution-cli batch FILE``: validate every row of a CSV / JSON Lines file, then send.

Two streamed passes over the file (it is never loaded whole): the first validates every
row and lists the invalid ones with their findings; nothing is sent when any row is invalid
unless ``--skip-invalid`` gives consent. The second pass sends the valid rows with the
retry policy of ``core.batch`` (429/503 retried with backoff, 500/502/504 never).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from attribution_workbench.cli_support import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    Console,
    destination,
    find_key,
    format_finding,
    no_key_message,
    positive_float,
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
never retried (the server may have ingested the event) and are reported as failed, as is
a 2xx whose body does not confirm the event (empty, cut off, undecodable or HTML).
Exit status: 0 every sent row was confirmed, 1 otherwise, 2 bad input (nothing sent)."""

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
        "--rate",
        metavar="N",
        type=positive_float,
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
    parser.add_argument("--results-csv", metavar="PATH", help="also write the results as CSV")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(handler=run_batch)


def _validate(path: Path, console: Console) -> tuple[int, int]:
    """(valid rows, invalid rows); lists the invalid ones on stderr."""
    try:
        counts = batch.count_rows(batch.iter_rows(path), MAX_LISTED)
    except ValueError as exc:  # unknown suffix, bad UTF-8, CSV field too large
        raise CliError(f"Cannot read {path}: {exc}") from None
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    for row in counts.first_invalid:
        console.note(f"row {row.number}: invalid")
        lines = [format_finding(finding) for finding in row.findings]
        if row.error is not None and f"error: {row.error}" not in lines:
            lines.insert(0, f"error: {row.error}")  # (a JSON error is a finding already)
        for line in lines:
            console.note("  " + line)
    if counts.invalid > len(counts.first_invalid):
        more = counts.invalid - len(counts.first_invalid)
        console.note(f"…and {more} more invalid row(s).")
    return counts.valid, counts.invalid


@contextmanager
def _results_file(name: str | None, source: Path) -> Iterator[TextIO | None]:
    """The --results-csv file, opened before anything is sent: a path that cannot be
    written must fail the command up front, not lose the results of a sent batch."""
    if name is None:
        yield None
        return
    try:
        if Path(name).exists() and Path(name).samefile(source):
            raise CliError(f"--results-csv {name} is the batch file itself; nothing was sent.")
        handle = open(name, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CliError(
            f"Cannot write the results to {name}: {exc.strerror or exc}; nothing was sent."
        ) from None
    with handle:
        yield handle


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

    finished: list[batch.Progress] = []

    def show(progress: batch.Progress) -> None:
        if progress.done:
            finished.append(progress)
            return
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
        console.note(
            f"{progress.processed}/{progress.total} processed: {progress.ok} ok, "
            f"{progress.failed} failed, {progress.retried} retried ({progress.rate:.1f}/s{eta})"
        )

    transport = Transport.QUERY if args.as_query else Transport.BODY
    with _results_file(args.results_csv, path) as results_out:
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
        if sender.interrupted:
            # Ctrl+C: every row still gets its line, so a script can tell what went out.
            results = batch.with_unreached(batch.iter_rows(path), results)
        code = _report(args, console, results, finished[-1])
        if sender.interrupted:
            code = EXIT_INTERRUPTED
            _note_interrupted(console, results)
        if results_out is not None:
            try:
                batch.write_results_csv(results, results_out)
                results_out.flush()
            except OSError as exc:
                raise CliError(
                    f"Could not write the results to {args.results_csv}: {exc.strerror or exc}.",
                    EXIT_FAILED,
                ) from None
    return code


def _report(
    args: argparse.Namespace,
    console: Console,
    results: list[batch.RowResult],
    done: batch.Progress,
) -> int:
    by_status = Counter(result.status.value for result in results)
    skipped = by_status[batch.RowStatus.SKIPPED.value]
    went_out = sum(result.went_out for result in results)
    if args.json:
        summary = {
            "processed": done.processed,  # rows finished, whether or not their request left
            "sent": went_out,  # rows whose request left (or may have left)
            "ok": done.ok,
            "failed": done.failed,
            "skipped": skipped,
            "retried": done.retried,
            "by_status": dict(by_status),
        }
        console.out(
            json.dumps(
                {"summary": summary, "results": [_result_json(r) for r in results]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        unreached = [result.row.number for result in results if result.error == batch.NOT_REACHED]
        for result in results:
            if result.status in (batch.RowStatus.OK, batch.RowStatus.SKIPPED):
                continue
            if result.error == batch.NOT_REACHED:
                continue  # one line for all of them, below
            status = result.http_status if result.http_status is not None else "-"
            why = f": {result.error}" if result.error else ""
            console.out(f"row {result.row.number}: {result.status.label} ({status}){why}")
        if unreached:
            console.out(
                f"rows {unreached[0]}-{unreached[-1]}: not sent, the batch was stopped "
                f"({len(unreached)} row(s))."
            )
        console.out(
            f"{done.processed} processed, {went_out} sent: {done.ok} ok, {done.failed} failed, "
            f"{skipped} skipped (invalid)."
        )
    maybe = by_status[batch.RowStatus.MAYBE_ACCEPTED.value]
    if maybe:
        console.note(
            f"{maybe} row(s) got 500/502/504, lost their answer or got a 2xx that does not "
            "confirm the event: the server may have ingested them, so they were not retried. "
            "Check before sending them again."
        )
    return EXIT_OK if done.failed == 0 else EXIT_FAILED


def _note_interrupted(console: Console, results: list[batch.RowResult]) -> None:
    unreached = sum(result.error == batch.NOT_REACHED for result in results)
    in_flight = sum(result.error == batch.IN_FLIGHT_CANCEL for result in results)
    went_out = sum(result.went_out for result in results)
    words = (
        f"Interrupted: {went_out} row(s) went out; {unreached} were not reached and not sent"
    )
    if in_flight:
        words += f"; {in_flight} were cancelled in flight and may have arrived"
    console.error(words + ". The results above list every row.")


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
