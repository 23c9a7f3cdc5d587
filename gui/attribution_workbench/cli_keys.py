"""``attribution-cli key set|delete|status``: API keys in the OS keyring.

The key is read from standard input when it is not a terminal, else from a no-echo prompt;
it is never an argument (shell history, the process list) and never printed. When no safe
keyring backend is available the command says why and exits 2, having written nothing.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from attribution_workbench.cli_support import (
    EXIT_OK,
    CliError,
    Console,
    profile_option,
    region_option,
)
from attribution_workbench.core.credentials import (
    ENV_VAR,
    REGIONS,
    CredentialError,
    KeyStore,
    clean_api_key,
    env_api_key,
    looks_like_api_key,
    slot_user,
)
from attribution_workbench.core.wire import mask_key

KEY_HELP = f"""\
Keep API keys in the OS keyring (service attribution-workbench, user PROFILE@REGION).

'key set' reads the key from standard input when it is piped in, else asks for it without
echo; surrounding whitespace is dropped. ${ENV_VAR}, when set, overrides the keyring for
every command. Without a usable OS keyring these commands exit 2 and store nothing."""


def add_key_parser(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    key = commands.add_parser(
        "key",
        formatter_class=formatter,
        help="set, delete or show the API key kept in the OS keyring",
        description=KEY_HELP,
    )
    actions = key.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text, region_required in (
        ("set", "store a key (read from stdin or a no-echo prompt)", True),
        ("delete", "delete a stored key", True),
        ("status", "show whether a key is set (masked) and where", False),
    ):
        action = actions.add_parser(
            name, formatter_class=formatter, help=help_text, description=KEY_HELP
        )
        region_option(
            action,
            "region of the key" + ("" if region_required else " (default: both)"),
            required=region_required,
        )
        profile_option(action, "profile")
    key.set_defaults(handler=run_key)


def run_key(args: argparse.Namespace, console: Console) -> int:
    regions = [args.region] if args.region else list(REGIONS)
    try:
        for region in regions:
            slot_user(args.profile, region)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    store = KeyStore()
    try:
        # Before asking for the key: nobody should type a secret only to hear it can't be kept.
        store.check_available()
        if args.action == "set":
            return _set(store, args, console)
        if args.action == "delete":
            return _delete(store, args, console)
        return _status(store, args, regions, console)
    except CredentialError as exc:
        raise CliError(exc.message) from None


def _read_key(prompt: str) -> str:
    stdin = sys.stdin
    if stdin is None:
        return ""
    try:
        if stdin.isatty():
            return getpass.getpass(prompt)
        return stdin.read()
    except EOFError:  # Ctrl+D at the prompt: no key given
        return ""


def _set(store: KeyStore, args: argparse.Namespace, console: Console) -> int:
    where = f"{args.region} (profile {args.profile})"
    key = _read_key(f"API key for {where}: ").strip()
    if not key:
        raise CliError("No key was given; nothing was stored.")
    console.protect(key)
    try:
        key = clean_api_key(key)  # checked before the warning below promises to store it
    except ValueError as exc:
        raise CliError(f"{exc} Nothing was stored.") from None
    if not looks_like_api_key(key):
        console.note(
            "warning: this does not look like an Amplitude API key (32 hex characters); "
            "storing it anyway."
        )
    try:
        store.set(args.profile, args.region, key)
    except ValueError as exc:
        raise CliError(f"{exc} Nothing was stored.") from None
    console.out(f"Stored the {where} key ({mask_key(key)}) in {store.backend_name}.")
    if env_api_key() is not None:
        console.note(f"note: ${ENV_VAR} is set; it overrides this key until you unset it.")
    return EXIT_OK


def _delete(store: KeyStore, args: argparse.Namespace, console: Console) -> int:
    where = f"{args.region} (profile {args.profile})"
    if store.delete(args.profile, args.region):
        console.out(f"Deleted the {where} key from {store.backend_name}.")
    else:
        console.out(f"No {where} key was stored; nothing to delete.")
    return EXIT_OK


def _status(store: KeyStore, args: argparse.Namespace, regions: list[str], console: Console) -> int:
    kind = "an OS keyring" if store.is_real_keyring else "not a known OS keyring"
    console.out(f"keyring: {store.backend_name} ({kind})")
    for region in regions:
        key = store.get(args.profile, region)
        if key is not None:
            console.protect(key)
        state = f"set ({mask_key(key)})" if key is not None else "not set"
        console.out(f"{region} (profile {args.profile}): {state}")
    override = env_api_key()
    if override is not None:
        console.protect(override)
        console.out(
            f"${ENV_VAR} is set ({mask_key(override)}) and overrides the keyring for every command."
        )
    return EXIT_OK
