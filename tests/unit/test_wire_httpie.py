"""The HTTPie rendering: run through bash, it sends exactly the bytes Send sends."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import (
    FORM_CONTENT_TYPE,
    KEY_ENV_VAR,
    Format,
    KeyStyle,
    Transport,
    prepare,
)

KEY = "0123456789abcdef0123456789abcdef"
NASTY_EVENT = '{"event_type": "a+b & c=d %20 #x ?y", "n": "line\nbreak \' \\" $HOME `id` 😀"}'
DESTINATIONS = (Destination(), Destination(Region.EU, Target.SANDBOX, "http://127.0.0.1:8787"))

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def run_http(command: str, environ: dict[str, str] | None = None) -> tuple[list[bytes], bytes]:
    """(the words bash passes to ``http``, the bytes piped into its stdin)."""
    script = 'http() { printf "%s\\0" "$@" >&2; cat; }\n' + command
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(environ or {})}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, check=True)
    return done.stderr.split(b"\0")[:-1], done.stdout


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("style", [KeyStyle.REVEAL, KeyStyle.ENV])
def test_form_body_command_pipes_the_exact_body(destination: Destination, style: KeyStyle) -> None:
    request = prepare(NASTY_EVENT, destination, KEY, Transport.BODY)
    command = request.render(Format.HTTPIE, style)
    words, stdin = run_http(command, {KEY_ENV_VAR: KEY})
    assert stdin == request.body
    assert words == [b"POST", request.url.encode(), f"Content-Type:{FORM_CONTENT_TYPE}".encode()]
    assert command.startswith("printf %s ")


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("style", [KeyStyle.REVEAL, KeyStyle.ENV])
def test_query_command_has_the_exact_url_and_no_body(
    destination: Destination, style: KeyStyle
) -> None:
    request = prepare(NASTY_EVENT, destination, KEY, Transport.QUERY)
    command = request.render(Format.HTTPIE, style)
    words, stdin = run_http(command, {KEY_ENV_VAR: KEY})
    assert words == [b"--ignore-stdin", b"POST", request.url.encode()]
    assert stdin == b""


@pytest.mark.parametrize("transport", [Transport.BODY, Transport.QUERY])
def test_env_style_never_contains_the_key(transport: Transport) -> None:
    request = prepare(NASTY_EVENT, Destination(), KEY, transport)
    command = request.render(Format.HTTPIE, KeyStyle.ENV)
    assert KEY not in command
    assert '"${' + KEY_ENV_VAR + '}"' in command
    masked = request.render(Format.HTTPIE, KeyStyle.MASK)
    assert KEY not in masked and "••••" in masked
    assert KEY in request.render(Format.HTTPIE, KeyStyle.REVEAL)
