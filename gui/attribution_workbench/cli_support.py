"""What every ``attribution-cli`` command shares: output, errors, event text, target, key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from attribution_workbench.core import rules
from attribution_workbench.core.credentials import (
    ENV_VAR,
    REGIONS,
    CredentialError,
    KeyStore,
    resolve_api_key,
)
from attribution_workbench.core.regions import (
    Destination,
    DestinationError,
    Region,
    Target,
    host_check,
    sandbox_base_url,
)
from attribution_workbench.core.wire import MIN_MASKED_KEY_CHARS, redact_key

EXIT_OK = 0
EXIT_FAILED = 1  # the server answered non-2xx, or the network failed
EXIT_USAGE = 2  # bad input or usage; nothing was sent
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure explained in one sentence, with the exit code it ends the command with."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Console:
    """stdout/stderr as UTF-8, with every key the command handles masked in all text.

    Only ``write_raw`` (used by ``preview --reveal``) writes a key, because it was asked to.
    """

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self._stdout = stdout
        self._stderr = stderr
        self._secrets: set[str] = set()

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    def protect(self, secret: str) -> None:
        """From now on, mask ``secret`` wherever it would appear in output."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        return redact_key(text, *self._secrets)

    def out(self, text: str = "") -> None:
        _write(self.stdout, (self.redact(text) + "\n").encode("utf-8", "replace"))

    def write_raw(self, data: bytes) -> None:
        _write(self.stdout, data)

    def note(self, text: str) -> None:
        """A line for the person at the terminal, kept off stdout so pipes stay clean."""
        _write(self.stderr, (self.redact(text) + "\n").encode("utf-8", "replace"))

    def error(self, text: str) -> None:
        self.note("attribution-cli: " + text)


def _write(stream: TextIO, data: bytes) -> None:
    # Bytes go to the binary buffer so output is UTF-8 whatever the locale says, and
    # `preview --format body --reveal` is byte-exact.
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()
        return
    stream.flush()
    buffer.write(data)
    buffer.flush()


# --- event text ---------------------------------------------------------------------


def read_event_text(args: argparse.Namespace) -> str:
    """The event text from --event or --event-file (``-`` = stdin)."""
    if args.event is not None:
        text: str = args.event
        return text
    if args.event_file is None:
        raise CliError(
            "No event given; pass --event JSON, --event-file PATH or --event-file - (stdin)."
        )
    # Files and pipes end with a newline by convention; it is not part of the event.
    return read_source(args.event_file, "the event").rstrip("\r\n")


def read_source(source: str, what: str) -> str:
    """The text of file ``source`` (``-`` = standard input) as UTF-8; ``what`` names it in
    the error message, e.g. "the event"."""
    if source == "-":
        stdin = sys.stdin
        if stdin is None:  # started with standard input closed (<&-)
            raise CliError(f"Cannot read {what} from standard input: it is closed.")
        try:
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        except OSError as exc:
            raise CliError(
                f"Cannot read {what} from standard input: {exc.strerror or exc}."
            ) from None
        name = "standard input"
    else:
        name = source
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CliError(f"Cannot read {what} from {name}: {exc.strerror or exc}.") from None
    try:
        # utf-8-sig: a byte-order mark is a file-encoding marker, not part of the text.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{what[0].upper()}{what[1:]} in {name} is not UTF-8 text "
            f"(bad byte at offset {exc.start})."
        ) from None


def checked_event_text(args: argparse.Namespace, console: Console) -> tuple[str, bool]:
    """Read and validate the event; print every finding. Returns (text, has_errors)."""
    text = read_event_text(args)
    findings = rules.check_text(text)
    for finding in findings:
        console.note(format_finding(finding))
    return text, rules.has_errors(findings)


def format_finding(finding: rules.Finding) -> str:
    # Every rule message starts with its field's label (quoted for unknown keys).
    return f"{finding.level.value}: {finding.message}"


# --- target and key -----------------------------------------------------------------


def destination(args: argparse.Namespace, region: Region) -> Destination:
    """The Destination chosen by --sandbox / --endpoint (or Amplitude's hosts)."""
    try:
        if getattr(args, "endpoint", None):
            chosen = Destination(region, Target.CUSTOM, args.endpoint)
        elif getattr(args, "sandbox", None) is not None:
            # A sandbox is local (loopback) as a rule; one elsewhere (a shared test machine,
            # or $ATTRIBUTION_SANDBOX_URL left pointing at some host) gets the key only with
            # --allow-host, like --endpoint.
            chosen = Destination(region, Target.SANDBOX, args.sandbox or sandbox_base_url())
        else:
            return Destination(region)
        _check_key_host(args, chosen.endpoint())
    except DestinationError as exc:
        raise CliError(str(exc)) from None
    return chosen


def _check_key_host(args: argparse.Namespace, url: str) -> None:
    """Refuse to send the key to a host that is neither Amplitude's nor loopback, unasked."""
    if getattr(args, "command", None) == "preview":  # preview sends nothing
        return
    warning = host_check(url)
    allowed = {host.strip().rstrip(".").lower() for host in getattr(args, "allow_host", None) or []}
    if warning is not None and warning.host not in allowed:
        typo = (
            " It looks like a misspelling of an Amplitude host." if warning.looks_like_typo else ""
        )
        raise CliError(
            f"Refusing to send the API key to {warning.host}: it is not an Amplitude host."
            f"{typo} If you mean it, add --allow-host {warning.host}."
        )


def find_key(
    store: KeyStore, profile: str, region: Region, console: Console
) -> tuple[str, str] | None:
    """(key, "environment" | "keyring") for a region, or None when no key is set.

    Raises CliError for a bad profile name or an unusable keyring.
    """
    try:
        found = resolve_api_key(store, profile, region.value)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except CredentialError as exc:
        raise CliError(exc.message) from None
    if found is not None:
        console.protect(found[0])
        if len(found[0]) < MIN_MASKED_KEY_CHARS:
            source = f"${ENV_VAR}" if found[1] == "environment" else "the keyring's key"
            console.note(
                f"warning: {source} is only {len(found[0])} character(s) long (Amplitude's "
                "keys are 32 hex digits), too short to be masked in the output."
            )
    return found


def no_key_message(profile: str, region: Region) -> str:
    return (
        f"No API key for {region.value} (profile {profile}); set ${ENV_VAR} or run "
        f"'attribution-cli key set --region {region.value}"
        + ("'" if profile == "default" else f" --profile {profile}'")
        + "."
    )


# --- options several commands share ----------------------------------------------------


def region_option(parser: argparse.ArgumentParser, help: str, **options: Any) -> None:
    """--region us|eu; ``options`` as for ``add_argument`` (default, required, action)."""
    parser.add_argument("--region", choices=REGIONS, help=help, **options)


def profile_option(
    parser: argparse.ArgumentParser,
    help: str = f"keyring profile whose key is used when ${ENV_VAR} is not set",
) -> None:
    parser.add_argument(
        "--profile", metavar="NAME", default="default", help=f"{help} (default: default)"
    )


def request_options(region_default: str | None = "us") -> argparse.ArgumentParser:
    """--region, --as-query and --profile: a parent parser for preview, send and batch.

    A parser's ``set_defaults`` changes the actions of its parents too, so each command
    gets its own instance and any default it needs is passed in here.
    """
    parent = argparse.ArgumentParser(add_help=False)
    region_option(
        parent, "region: picks the host and the key (default: us)", default=region_default
    )
    parent.add_argument(
        "--as-query",
        action="store_true",
        help="use the query-string transport (parameters in the URL of a body-less POST)",
    )
    profile_option(parent)
    return parent


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0 (a timeout in seconds, a rate in events/s)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


MAX_TIMEOUT_S = 86_400.0  # a day; far past it the socket layer overflows (time_t)


def timeout_seconds(text: str) -> float:
    """An argparse type: a timeout in seconds, > 0 and at most MAX_TIMEOUT_S."""
    value = positive_float(text)
    if value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} seconds is more than a day (at most {MAX_TIMEOUT_S:g})"
        )
    return value
