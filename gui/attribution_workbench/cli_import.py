"""``attribution-cli preview --from-paste SOURCE``: preview a pasted curl/HTTP request/URL.

The paste is read by ``core.importer`` (the same parser as File ▸ Import in the GUI). What it
finds fills in the options the user did not give: the event, the region, the transport and
the target. Options given on the command line win. A key found in the paste is never used
and never printed; the key comes from the usual places ($AMPLITUDE_API_KEY, the keyring).
"""

from __future__ import annotations

import argparse

from attribution_workbench.cli_support import CliError, Console, read_source
from attribution_workbench.core.importer import ImportResult, parse_paste
from attribution_workbench.core.regions import Target
from attribution_workbench.core.wire import Transport

FROM_PASTE_HELP = """\
With --from-paste SOURCE ('-' = standard input, else a file), the event, region, transport
and target are read from a pasted curl command, raw HTTP request, form body
(api_key=…&event=…), URL with a query string, or event JSON. --region, --as-query, --format,
--sandbox and --endpoint given on the command line override what was detected. A key in the
pasted text is ignored (never used, never printed); what was recognised is listed on stderr.
Exit 2 when no event was recognised."""

KEY_IGNORED = (
    "note: a key was found in the pasted text and ignored; store it with `attribution-cli key set`."
)


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from-paste",
        metavar="SOURCE",
        help="read the event, region, transport and target from a pasted curl command, "
        "HTTP request, form body, URL or event JSON ('-' = standard input, else a file)",
    )


def apply_paste(args: argparse.Namespace, console: Console) -> ImportResult | None:
    """Fill ``args`` from the paste named by ``--from-paste``; None when there is none."""
    source = getattr(args, "from_paste", None)
    if source is None:
        return None
    if args.event is not None or args.event_file is not None:
        raise CliError("--from-paste cannot be combined with --event or --event-file.")
    result = parse_paste(read_source(source, "the pasted text"))
    if result.found_key:
        console.protect(result.found_key)
    for line in result.recognised:
        console.note("import: " + line)
    for line in result.problems:
        console.note("import: " + line)
    if result.found_key:
        console.note(KEY_IGNORED)
    if result.event_text is None:
        raise CliError("No event was recognised in the pasted text; nothing to preview.")
    args.event = result.event_text
    if args.region is None and result.region is not None:
        args.region = result.region.value
    if (
        result.transport is Transport.QUERY
        and not args.as_query
        and args.format in (None, "curl", "python", "json")
    ):
        args.as_query = True
    if args.sandbox is None and not args.endpoint and result.url:
        if result.target is Target.SANDBOX:
            args.sandbox = result.url
        elif result.target is Target.CUSTOM:
            args.endpoint = result.url
    return result
