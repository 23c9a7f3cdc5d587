"""Batch sends: stream events from a CSV or JSON Lines file, validate each, send them.

Reading is streamed: a reader takes any iterable of text lines (an open file, a generator)
and yields one ``Row`` at a time, so a 100,000-row file is never held in memory.

- CSV: a header row names the columns: one per event field (``event_type``, ``platform``,
  ``idfa``, ...), ``user_properties.<name>`` for each property, and any other column as a
  top-level key (the rules then say whether it is a typo). An empty cell means "absent".
  ``time`` is read as an integer; property cells are read like the property editor's
  ``auto`` type (``42`` a number, ``true`` a boolean, ``facebook`` text, ``"42"`` the
  string). A ``user_properties`` column holds a whole JSON object. Row numbers count data
  rows from 1 (the header is not a row).
- JSON Lines: one event object per line, sent verbatim like ``send --event``; blank lines
  are skipped; row numbers are line numbers.

Retry policy (API-FACTS.md section 2): 429 and 503 mean "not accepted, try later", so they
are retried with exponential backoff, honouring ``Retry-After`` (seconds or an HTTP date).
500, 502 and 504 may have been accepted, and a retry could ingest the event twice, so they
are never retried automatically; they end as MAYBE_ACCEPTED and ``BatchSender.retry_failed``
re-sends them when the user asks. The same split applies to network errors: a refused
connection, a connect timeout or a DNS failure happen before a byte of the request left,
so they are retried; a read timeout, a reset or a broken answer happen after the request
may have reached the server, so they are MAYBE_ACCEPTED.

Nothing here imports ``requests`` at import time (the CLI's parser imports this module);
the client is imported when a batch is sent.
"""

from __future__ import annotations

import csv
import enum
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from attribution_workbench.core import rules
from attribution_workbench.core.answers import explain, retry_after_seconds
from attribution_workbench.core.event import AttributionEvent, canonical_json
from attribution_workbench.core.typed_values import ValueType, convert, read_json
from attribution_workbench.core.wire import Transport, WireError, prepare, redact_key

if TYPE_CHECKING:
    from attribution_workbench.core._transport import CancelToken
    from attribution_workbench.core.client import Client
    from attribution_workbench.core.regions import Destination

PROPERTY_PREFIX = "user_properties."
BODY_CAP = 1000  # characters of a response body kept per row
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")

# SendErrorKind values (compared as strings so this module need not import requests).
_BEFORE_SENDING = frozenset({"refused", "connect_timeout", "dns"})  # safe to retry
_NEVER_SENT = frozenset({"tls", "invalid_url"})  # fails again the same way; not retried


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One event of the file: its text to send (None when it cannot be read), findings."""

    number: int
    event_text: str | None
    findings: tuple[rules.Finding, ...] = ()
    error: str | None = None  # why the row cannot be read at all

    @property
    def valid(self) -> bool:
        return (
            self.error is None
            and self.event_text is not None
            and not rules.has_errors(self.findings)
        )

    def problems(self) -> list[str]:
        """The reasons this row is invalid, one sentence each."""
        if self.error is not None:
            return [self.error]
        return [finding.message for finding in rules.errors(self.findings)]


def _checked(number: int, text: str) -> Row:
    return Row(number, text, tuple(rules.check_text(text)))


def read_jsonl(lines: Iterable[str]) -> Iterator[Row]:
    """Rows from JSON Lines text; a line that is not a JSON object is an invalid row."""
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        row = _checked(number, text)
        if rules.has_errors(f for f in row.findings if f.field == "event"):
            # Not an object at all: the whole-text finding is the row's error.
            first = next(f for f in row.findings if f.field == "event")
            row = Row(number, None, row.findings, first.message)
        yield row


def read_csv(lines: Iterable[str]) -> Iterator[Row]:
    """Rows from CSV text with a header row (see the module docstring for the columns)."""
    reader = csv.reader(lines)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise ValueError(f"The CSV header cannot be read: {exc}.") from None
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    if duplicates := sorted({name for name in header if header.count(name) > 1 and name}):
        # A problem of the file: said once, as one invalid row (it was repeated for every
        # row, and every copy kept by count_rows), and nothing after it is read.
        yield Row(1, None, (), f"The CSV header repeats column(s) {', '.join(duplicates)}; "
                  "no row can be read until each column appears once.")
        return
    for number, cells in enumerate(_csv_records(reader), start=1):
        if isinstance(cells, csv.Error):  # e.g. a cell over the csv module's size limit
            yield Row(number, None, (), f"Row {number} cannot be read as CSV: {cells}.")
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (spreadsheets leave them at the end)
        if len(cells) > len(header):
            yield Row(
                number,
                None,
                (),
                f"Row {number} has {len(cells)} cells but the header has {len(header)} columns.",
            )
            continue
        data, problem = _csv_event(header, cells)
        if problem is not None:
            yield Row(number, None, (), problem)
            continue
        event = AttributionEvent.from_dict(data)
        yield Row(number, canonical_json(data), tuple(rules.check_event(event)))


def _csv_records(reader: Iterator[list[str]]) -> Iterator[list[str] | csv.Error]:
    """The reader's records; a record it cannot read comes out as its csv.Error."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield exc


def _csv_event(header: list[str], cells: list[str]) -> tuple[dict[str, Any], str | None]:
    data: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        if cell == "" or not name:
            continue  # empty cell = absent
        if name.startswith(PROPERTY_PREFIX):
            properties[name[len(PROPERTY_PREFIX) :]] = convert(ValueType.AUTO, cell)[0]
        elif name == "time":
            data["time"] = _integer(cell)
        elif name == "user_properties":
            try:
                data[name] = read_json(cell)
            except ValueError as exc:
                return data, f"user_properties is not valid JSON: {exc}."
        else:
            data[name] = cell
    if properties:
        existing = data.get("user_properties")
        data["user_properties"] = (
            {**existing, **properties} if isinstance(existing, dict) else (properties)
        )
    return data, None


def _integer(text: str) -> Any:
    """``time`` as an int; text that is not one is kept so the rules can say so."""
    try:
        return int(text.strip())
    except ValueError:
        return text


def file_format(path: Path) -> str:
    """ "csv" or "jsonl" from the file name."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    raise ValueError(
        f"{path.name}: use a .csv file (one column per field) or a .jsonl file (one event "
        "object per line)."
    )


def open_rows(path: Path) -> tuple[TextIO, Iterator[Row]]:
    """Open ``path`` and stream its rows; the caller closes the file."""
    fmt = file_format(path)
    handle = path.open(encoding="utf-8-sig", newline="" if fmt == "csv" else None)
    return handle, (read_csv(handle) if fmt == "csv" else read_jsonl(handle))


def iter_rows(path: Path) -> Iterator[Row]:
    """Stream the rows of ``path``, closing the file at the end."""
    handle, rows = open_rows(path)
    with handle:
        yield from rows


# --- retry policy -------------------------------------------------------------------------


class RowStatus(str, enum.Enum):
    OK = "ok"  # 2xx
    REJECTED = "rejected"  # the server answered no (4xx, 3xx): a retry gets the same answer
    MAYBE_ACCEPTED = "maybe-accepted"  # 500/502/504 or lost answer: never retried automatically
    GAVE_UP = "gave-up"  # 429/503 until the attempts ran out: not accepted
    NOT_SENT = "not-sent"  # the request never left (refused, DNS, TLS)
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # invalid row, skipped with the user's consent

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    RowStatus.OK: "ok",
    RowStatus.REJECTED: "rejected",
    RowStatus.MAYBE_ACCEPTED: "failed (not retried: may have been accepted)",
    RowStatus.GAVE_UP: "failed (retries used up)",
    RowStatus.NOT_SENT: "failed (not sent)",
    RowStatus.CANCELLED: "cancelled",
    RowStatus.SKIPPED: "skipped (invalid)",
}
# What "Retry failed" re-sends; REJECTED would only be rejected again.
USER_RETRYABLE = frozenset({RowStatus.MAYBE_ACCEPTED, RowStatus.GAVE_UP, RowStatus.NOT_SENT})
# A row cancelled while its request was on its way: the server may have it already.
IN_FLIGHT_CANCEL = "cancelled in flight: the server may have received it"
NOT_REACHED = "not sent: the batch was stopped before this row"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # tries per row, the first one included
    base_delay: float = 0.5  # seconds before the first retry; doubled each time
    max_delay: float = 60.0  # longest wait; a longer Retry-After gives up instead


@dataclass(frozen=True)
class Decision:
    """After one attempt: ``retry`` after ``delay`` seconds, or finish with ``status``."""

    status: RowStatus | None
    delay: float = 0.0
    reason: str = ""

    @property
    def retry(self) -> bool:
        return self.status is None


def decide(
    policy: RetryPolicy,
    attempt: int,
    *,
    status: int | None = None,
    error_kind: str | None = None,
    retry_after: str | None = None,
    unconfirmed: str | None = None,
    now: float | None = None,
) -> Decision:
    """What to do after attempt number ``attempt`` (1-based) got ``status`` or ``error_kind``.

    ``unconfirmed``: why a 2xx answer does not confirm the event (``answers.explain``: an
    empty, truncated, undecodable or HTML body), as ``attribution-cli send`` judges it; such
    a row may have been accepted, so it is not retried automatically and not counted ok.
    """
    if status is not None:
        if 200 <= status < 300:
            if unconfirmed:
                return Decision(RowStatus.MAYBE_ACCEPTED, reason=unconfirmed)
            return Decision(RowStatus.OK)
        if status in (429, 503):
            return _backoff(policy, attempt, f"HTTP {status}", retry_after, now)
        if status >= 500:
            return Decision(
                RowStatus.MAYBE_ACCEPTED,
                reason=f"HTTP {status}: the server may have ingested it; not retried",
            )
        return Decision(RowStatus.REJECTED, reason=f"HTTP {status}")
    if error_kind == "cancelled":
        return Decision(RowStatus.CANCELLED, reason="cancelled")
    if error_kind in _BEFORE_SENDING:
        decision = _backoff(policy, attempt, f"network ({error_kind})", None, now)
        return decision if decision.retry else replace(decision, status=RowStatus.NOT_SENT)
    if error_kind in _NEVER_SENT:
        return Decision(RowStatus.NOT_SENT, reason=f"network ({error_kind})")
    return Decision(
        RowStatus.MAYBE_ACCEPTED,
        reason=f"network ({error_kind}) after the request may have arrived; not retried",
    )


def _backoff(
    policy: RetryPolicy, attempt: int, what: str, retry_after: str | None, now: float | None
) -> Decision:
    if attempt >= policy.max_attempts:
        return Decision(RowStatus.GAVE_UP, reason=f"{what} after {attempt} attempt(s)")
    asked = retry_after_seconds(retry_after, now)
    if asked is not None:
        if asked > policy.max_delay:
            return Decision(
                RowStatus.GAVE_UP,
                reason=f"{what}: asked to wait {asked:.0f} s (limit {policy.max_delay:g})",
            )
        return Decision(None, asked, f"{what}: waiting {asked:g} s as Retry-After asks")
    delay = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return Decision(None, delay, f"{what}: backing off {delay:g} s")


# --- sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    row: Row
    status: RowStatus
    http_status: int | None = None
    body: str = ""
    elapsed_ms: float = 0.0
    attempts: int = 0
    error: str | None = None

    @property
    def went_out(self) -> bool:
        """Whether a request for this row left (or may have left) for the server."""
        return self.attempts > 0 and self.status not in (RowStatus.NOT_SENT, RowStatus.SKIPPED)


@dataclass(frozen=True)
class Progress:
    total: int | None  # rows to send, when known
    processed: int  # rows finished (any status but skipped), whether or not they left
    ok: int
    failed: int
    retried: int  # retry attempts made
    rate: float  # rows processed per second so far
    eta_s: float | None
    done: bool = False
    # The rows finished since the previous report (sent, failed or skipped), in the order
    # they finished: reports are throttled, so one report may carry several.
    finished: tuple[RowResult, ...] = ()


class RateLimiter:
    """A token bucket of one token: sends start at least ``1/rate`` seconds apart."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, cancelled: Callable[[], bool]) -> bool:
        """Block until a send may start; False when cancelled meanwhile."""
        if not self._interval:
            return not cancelled()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        return _sleep_until(start, cancelled)


def _sleep_until(deadline: float, cancelled: Callable[[], bool]) -> bool:
    # Short slices so a cancel is noticed within 50 ms.
    while not cancelled():
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(left, 0.05))
    return False


ProgressCallback = Callable[[Progress], None]


class BatchSender:
    """Sends valid rows over one shared Client from ``concurrency`` threads."""

    def __init__(
        self,
        client: Client,
        destination: Destination,
        key: str,
        transport: Transport = Transport.BODY,
        *,
        rate: float | None = None,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
        progress_interval: float = 0.1,
    ) -> None:
        if rate is not None and not rate > 0:
            raise ValueError("rate must be a positive number of events per second")
        self.client = client
        self.destination = destination
        self.key = key
        self.transport = transport
        self.rate = rate
        self.concurrency = max(1, concurrency)
        self.retry = retry or RetryPolicy()
        self.on_progress = on_progress
        self.cancel_token = cancel
        self.timeout = timeout
        self.progress_interval = progress_interval
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        # Set when Ctrl+C ended run(): it then returns the results it has instead of raising.
        self.interrupted = False

    # -- control --------------------------------------------------------------------------

    def cancel(self) -> None:
        self._cancelled.set()
        if self.cancel_token is not None:
            self.cancel_token.cancel()

    @property
    def cancelled(self) -> bool:
        token = self.cancel_token
        return self._cancelled.is_set() or (token is not None and token.cancelled)

    # -- running --------------------------------------------------------------------------

    def run(self, rows: Iterable[Row], total: int | None = None) -> list[RowResult]:
        """Send every valid row (invalid rows become SKIPPED results); results by row number.

        Rows not reached because of a cancel get no result. Ctrl+C (KeyboardInterrupt in
        this thread) cancels, waits for the rows in flight and returns the results so far
        with ``interrupted`` set: a script must learn which rows went out.
        """
        self.interrupted = False
        self._limiter = RateLimiter(self.rate)
        self._started = time.monotonic()
        self._last_report = 0.0
        self._counts = {"processed": 0, "ok": 0, "failed": 0, "retried": 0}
        self._total = total
        self._unreported: list[RowResult] = []
        results: list[RowResult] = []
        work: queue.Queue[Row | None] = queue.Queue(maxsize=self.concurrency * 2)
        threads = [
            threading.Thread(target=self._worker, args=(work, results), daemon=True)
            for _ in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        try:
            for row in rows:
                if self.cancelled:
                    break
                if not row.valid:
                    skipped = RowResult(row, RowStatus.SKIPPED, error="; ".join(row.problems()))
                    with self._lock:
                        results.append(skipped)
                        self._unreported.append(skipped)
                    continue
                work.put(row)
        except KeyboardInterrupt:
            self._interrupt()
        except BaseException:
            self.cancel()  # a read error: the workers must not go on sending
            raise
        finally:
            self._stop_workers(work, threads)
        self._report(final=True)
        results.sort(key=lambda result: result.row.number)
        return results

    def _interrupt(self) -> None:
        self.interrupted = True
        self.cancel()

    def _stop_workers(
        self, work: queue.Queue[Row | None], threads: list[threading.Thread]
    ) -> None:
        """Tell each worker to stop and wait for it; a Ctrl+C meanwhile cancels the rows in
        flight (their sockets are shut down, so the wait stays short) and waits on."""
        stops = len(threads)
        while True:
            try:
                while stops:
                    work.put(None)  # the workers drain the queue once cancelled
                    stops -= 1
                for thread in threads:
                    thread.join()
                return
            except KeyboardInterrupt:
                self._interrupt()

    def retry_failed(self, results: list[RowResult]) -> list[RowResult]:
        """Re-send the rows that failed but might succeed (see USER_RETRYABLE); the new
        results replace the old ones. This is the user's explicit choice for rows that
        may have been accepted already."""
        again = [result.row for result in results if result.status in USER_RETRYABLE]
        self._cancelled.clear()
        fresh = {result.row.number: result for result in self.run(again, total=len(again))}
        return [fresh.get(result.row.number, result) for result in results]

    def _worker(self, work: queue.Queue[Row | None], results: list[RowResult]) -> None:
        while True:
            row = work.get()
            if row is None:
                return
            if self.cancelled:
                continue  # drain, so the reader never blocks on a full queue
            try:
                result = self._send_row(row)
            except Exception as exc:
                # A bug must cost this row, not the worker: a dead worker would lose the row
                # and, with no worker left, leave the reader blocked on a full queue forever.
                # Whether the request left is unknown, so it is not retried automatically.
                words = redact_key(f"{type(exc).__name__}: {exc}", self.key)
                result = RowResult(
                    row, RowStatus.MAYBE_ACCEPTED, error=f"unexpected error ({words})"
                )
            with self._lock:
                results.append(result)
                self._unreported.append(result)
                self._counts["processed"] += 1
                self._counts["ok" if result.status is RowStatus.OK else "failed"] += 1
            self._report()

    def _send_row(self, row: Row) -> RowResult:
        from attribution_workbench.core.client import SendError, SendErrorKind

        assert row.event_text is not None
        try:
            request = prepare(row.event_text, self.destination, self.key, self.transport)
        except WireError as exc:  # e.g. an unpaired surrogate in a property: cannot be sent
            return RowResult(row, RowStatus.NOT_SENT, error=str(exc))
        attempt = 0
        started = time.perf_counter()
        while True:
            if not self._limiter.wait(lambda: self.cancelled):
                return RowResult(row, RowStatus.CANCELLED, attempts=attempt, error="cancelled")
            attempt += 1
            try:
                outcome = self.client.send(request, timeout=self.timeout, cancel=self.cancel_token)
            except SendError as exc:
                decision = decide(self.retry, attempt, error_kind=exc.kind.value)
                http_status, body = None, ""
                error: str | None = exc.message
                if exc.kind is SendErrorKind.CANCELLED:
                    error = IN_FLIGHT_CANCEL
            else:
                decision = decide(
                    self.retry,
                    attempt,
                    status=outcome.status,
                    retry_after=outcome.header("Retry-After"),
                    unconfirmed=explain(outcome) if 200 <= outcome.status < 300 else None,
                )
                # Masked before trimming, so a cut can never leave part of the key behind.
                body = redact_key(outcome.text, self.key)[:BODY_CAP]
                http_status, error = outcome.status, None
            if decision.retry:
                with self._lock:
                    self._counts["retried"] += 1
                if not _sleep_until(time.monotonic() + decision.delay, lambda: self.cancelled):
                    return RowResult(
                        row, RowStatus.CANCELLED, http_status, body, 0.0, attempt, "cancelled"
                    )
                continue
            assert decision.status is not None
            if decision.status is not RowStatus.OK and error is None:
                error = decision.reason
            elapsed = (time.perf_counter() - started) * 1000
            return RowResult(row, decision.status, http_status, body, elapsed, attempt, error)

    def _report(self, final: bool = False) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        with self._lock:
            if not final and now - self._last_report < self.progress_interval:
                return
            self._last_report = now
            counts = dict(self._counts)
            finished, self._unreported = tuple(self._unreported), []
        elapsed = max(now - self._started, 1e-9)
        rate = counts["processed"] / elapsed
        eta = None
        if self._total is not None and rate > 0:
            eta = max(0, self._total - counts["processed"]) / rate
        self.on_progress(
            Progress(
                self._total,
                counts["processed"],
                counts["ok"],
                counts["failed"],
                counts["retried"],
                rate,
                eta,
                final,
                finished,
            )
        )


# --- results ------------------------------------------------------------------------------


def with_unreached(rows: Iterable[Row], results: list[RowResult]) -> list[RowResult]:
    """``results`` completed with a result for every row a stopped batch did not reach: valid
    rows as CANCELLED (NOT_REACHED), invalid ones SKIPPED as a whole run would; by row."""
    done = {result.row.number for result in results}
    added = [
        RowResult(row, RowStatus.CANCELLED, error=NOT_REACHED)
        if row.valid
        else RowResult(row, RowStatus.SKIPPED, error="; ".join(row.problems()))
        for row in rows
        if row.number not in done
    ]
    return sorted([*results, *added], key=lambda result: result.row.number)


RESULT_COLUMNS = ("row", "status", "http_status", "attempts", "elapsed_ms", "body", "error")


def write_results_csv(results: Iterable[RowResult], out: TextIO) -> None:
    """The results table as CSV (no key: bodies and errors never carry it)."""
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    for result in results:
        writer.writerow(
            (
                result.row.number,
                result.status.value,
                "" if result.http_status is None else result.http_status,
                result.attempts,
                f"{result.elapsed_ms:.1f}",
                result.body,
                result.error or "",
            )
        )


@dataclass(frozen=True)
class RowCounts:
    """What a validation pass found: the counts, and the first invalid rows to list."""

    valid: int
    invalid: int
    first_invalid: tuple[Row, ...]


def count_rows(rows: Iterable[Row], keep: int) -> RowCounts:
    """Count a streamed validation pass, keeping only the first ``keep`` invalid rows: a
    file of a million bad rows must not be held in memory to list a few of them."""
    valid = invalid = 0
    kept: list[Row] = []
    for row in rows:
        if row.valid:
            valid += 1
        else:
            invalid += 1
            if len(kept) < keep:
                kept.append(row)
    return RowCounts(valid, invalid, tuple(kept))
