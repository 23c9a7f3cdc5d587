"""``attribution-cli``: preview, send and verify attribution events from a terminal.

The command-line contract is DESIGN.md's, word for word. This module holds the parser and
the top-level error handling; the commands live in ``cli_commands`` and ``cli_keys``. No Qt
is imported, and ``requests``/``keyring`` only load when a command needs them, so
``attribution-cli --help`` and ``preview`` start fast.

Exit codes: 0 the server answered 2xx; 1 it answered otherwise or the network failed (send:
also a 2xx whose body is empty, cut off or not text, which does not confirm the event was
taken; the fault matrix of issue 8 asks for that); 2 bad input or usage, in which case
nothing was sent; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from attribution_workbench import __version__, cli_batch, cli_commands, cli_import, cli_keys
from attribution_workbench.cli_support import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    Console,
    profile_option,
    region_option,
    request_options,
    timeout_seconds,
)

PROG = "attribution-cli"

_EPILOG = """\
event:
  --event JSON          the event text, sent verbatim (your own spacing is kept)
  --event-file PATH     read it from a file; '-' reads standard input
                        (a trailing newline at the end of the file is not sent)
  --from-paste SOURCE   (preview) read event, region, transport and target from a pasted
                        curl command, HTTP request, form body, URL or event JSON;
                        '-' reads standard input; command-line options win

target (default: Amplitude's real hosts, api2.amplitude.com / api.eu.amplitude.com):
  --sandbox [BASE_URL]  the local sandbox: BASE_URL/us/... or BASE_URL/eu/...
                        (default $ATTRIBUTION_SANDBOX_URL, else http://127.0.0.1:8787)
  --endpoint FULL_URL   a full /attribution URL (https:// unless the host is loopback)
  a --sandbox or --endpoint host neither Amplitude's nor loopback also needs
  --allow-host HOST before the API key goes there

API key: $AMPLITUDE_API_KEY if set, else the OS keyring entry of (--profile, --region),
stored with 'attribution-cli key set'. Never on the command line.

exit status:
  0    the server answered 2xx (verify: at least one region accepted the key)
  1    the server answered otherwise, or the network failed; for send also a 2xx
       whose body is empty, cut off or unreadable (it does not confirm the event)
  2    bad input or usage; nothing was sent
  130  interrupted

network: HTTPS_PROXY / HTTP_PROXY name a proxy (NO_PROXY lists hosts that skip it; the
sandbox never uses one); REQUESTS_CA_BUNDLE adds a CA bundle to the trusted certificates.

Set AW_DEBUG=1 to see a traceback for an unexpected error.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)


def _event_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("event")
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument("--event", metavar="JSON", help="the event as JSON text, sent verbatim")
    exclusive.add_argument(
        "--event-file",
        metavar="PATH",
        help="read the event from PATH ('-' = standard input); a final newline is dropped",
    )
    return parent


def _target_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("target (default: Amplitude's real hosts)")
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        "--sandbox",
        metavar="BASE_URL",
        nargs="?",
        const="",
        help="send to the local sandbox (BASE_URL defaults to $ATTRIBUTION_SANDBOX_URL, "
        "else http://127.0.0.1:8787)",
    )
    exclusive.add_argument(
        "--endpoint",
        metavar="FULL_URL",
        help="a full /attribution URL; https:// unless the host is loopback",
    )
    group.add_argument(
        "--allow-host",
        metavar="HOST",
        action="append",
        default=[],
        help="let the API key go to HOST (an --endpoint or --sandbox host that is neither "
        "Amplitude's nor loopback)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compose, preview, send and verify Amplitude Attribution API events.",
        epilog=_EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    event, target = _event_options(), _target_options()

    preview = commands.add_parser(
        "preview",
        # No default region: --from-paste detects one, and run_preview falls back to us.
        parents=[event, target, request_options(region_default=None)],
        formatter_class=_HelpFormatter,
        help="show the exact request send would make (key masked)",
        description=cli_commands.PREVIEW_HELP,
    )
    preview.add_argument(
        "--format",
        choices=("body", "query", "curl", "python", "json"),
        help="body (default), query (implies --as-query), curl, python, or json (decoded)",
    )
    preview.add_argument(
        "--reveal", action="store_true", help="show the key itself instead of a mask"
    )
    cli_import.add_option(preview)
    preview.set_defaults(handler=cli_commands.run_preview)

    send = commands.add_parser(
        "send",
        parents=[event, target, request_options()],
        formatter_class=_HelpFormatter,
        help="validate an event and send it",
        description=cli_commands.SEND_HELP,
    )
    send.add_argument(
        "--timeout",
        metavar="SEC",
        type=timeout_seconds,
        help="give up when the server has not answered in SEC seconds (default: 30)",
    )
    send.add_argument(
        "--json",
        action="store_true",
        help='print {"status", "reason", "body", "elapsed_ms", "url", "error"}',
    )
    send.set_defaults(handler=cli_commands.run_send)

    verify = commands.add_parser(
        "verify",
        parents=[target],
        formatter_class=_HelpFormatter,
        help="check which region accepts the API key",
        description=cli_commands.VERIFY_HELP,
    )
    region_option(
        verify, "a region to check; repeat for several (default: us and eu)", action="append"
    )
    profile_option(verify)
    verify.add_argument(
        "--method",
        choices=("v2", "probe", "both"),
        default="v2",
        help="v2: HTTP API V2 empty batch (default); probe: attribution event with a random, "
        "never-seen ad ID; both",
    )
    verify.add_argument(
        "--timeout", metavar="SEC", type=timeout_seconds, help="per-request timeout"
    )
    verify.add_argument("--json", action="store_true", help="print one JSON object per region")
    verify.set_defaults(handler=cli_commands.run_verify)

    cli_keys.add_key_parser(commands, _HelpFormatter)
    cli_batch.add_parser(commands, _HelpFormatter, [target, request_options()])

    sandbox = commands.add_parser(
        "sandbox",
        formatter_class=_HelpFormatter,
        help="run the local stand-in Amplitude server",
        description=cli_commands.SANDBOX_HELP,
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    sandbox.add_argument(
        "--port", type=int, default=8787, help="port; 0 picks a free one (default: 8787)"
    )
    sandbox.add_argument(
        "--key",
        metavar="REGION=KEY",
        action="append",
        default=[],
        help="a key the region accepts instead of its demo key; repeatable",
    )
    sandbox.set_defaults(handler=cli_commands.run_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    console = Console()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        code: int = args.handler(args, console)
        return code
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except CliError as exc:
        console.error(exc.message)
        return exc.code
    except KeyboardInterrupt:
        console.error("Interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep Python's final flush
        # of stdout from failing with a second BrokenPipeError.
        _silence_stdout()
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("AW_DEBUG") == "1":
            traceback.print_exc()
        console.error(
            f"Unexpected error ({type(exc).__name__}: {exc}); run again with AW_DEBUG=1 "
            "for details."
        )
        return EXIT_FAILED


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
