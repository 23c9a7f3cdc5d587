"""What every ``attribution-cli`` command shares: output, errors, event text, target, key."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from attribution_workbench.core import rules
from attribution_workbench.core.credentials import (
    ENV_VAR,
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
from attribution_workbench.core.wire import mask_key

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
        # Longest first, so a key that contains another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, mask_key(secret))
        return text

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
    if args.event_file == "-":
        stdin = sys.stdin
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        name = "standard input"
    else:
        path = Path(args.event_file)
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"Cannot read the event file {name}: {exc.strerror or exc}.") from None
    try:
        # utf-8-sig: a byte-order mark is a file-encoding marker, not part of the event.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"The event in {name} is not UTF-8 text (bad byte at offset {exc.start})."
        ) from None
    # Files and pipes end with a newline by convention; it is not part of the event.
    return text.rstrip("\r\n")


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
            _check_key_host(args, chosen.endpoint())
            return chosen
        if getattr(args, "sandbox", None) is not None:
            return Destination(region, Target.SANDBOX, args.sandbox or sandbox_base_url())
        return Destination(region)
    except DestinationError as exc:
        raise CliError(str(exc)) from None


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


def target_of(args: argparse.Namespace) -> tuple[Target, str | None]:
    if getattr(args, "endpoint", None):
        return Target.CUSTOM, args.endpoint
    if getattr(args, "sandbox", None) is not None:
        return Target.SANDBOX, args.sandbox or sandbox_base_url()
    return Target.AMPLITUDE, None


def find_key(
    store: KeyStore, profile: str, region: Region, console: Console
) -> tuple[str, str] | None:
    """(key, where it came from) for a region, or None when no key is set.

    Raises CliError for a bad profile name or an unusable keyring.
    """
    try:
        found = resolve_api_key(store, profile, region.value)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except CredentialError as exc:
        raise CliError(exc.message) from None
    if found is None:
        return None
    key, source = found
    console.protect(key)
    where = f"${ENV_VAR}" if source == "environment" else f"the keyring (profile {profile})"
    return key, where


def no_key_message(profile: str, region: Region) -> str:
    return (
        f"No API key for {region.value} (profile {profile}); set ${ENV_VAR} or run "
        f"'attribution-cli key set --region {region.value}"
        + ("'" if profile == "default" else f" --profile {profile}'")
        + "."
    )


def env_key() -> str | None:
    return os.environ.get(ENV_VAR, "").strip() or None
