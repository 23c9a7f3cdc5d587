"""The fault matrix for `attribution-cli send` (issue 8): exit 1, one plain sentence on stderr
(no traceback, the cli_harness checks that and key leaks), and `--json` carries it in "error".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cli_harness import US_KEY, Sandbox, run_cli
from key_recorder import Recorder

EVENT = json.dumps(
    {"event_type": "[Test] Install", "platform": "ios", "idfa": str(uuid.uuid4()).upper()}
)
# A loopback Recorder on another port ("another host": answers.redirect_target compares ports).
OTHER_HOST = "{other}/attribution"

# name -> (fault for the sandbox or a target "refused"/"tls", key words of the sentence);
# "{other}" in a fault's location and in the words is the URL of the ``other`` Recorder.
CASES: dict[str, tuple[dict[str, Any] | str, tuple[str, ...]]] = {
    "hang": ({"mode": "hang"}, ("did not answer within 1 s",)),
    "refused": ("refused", ("refused",)),
    "reset": ({"mode": "reset", "stage": "body"}, ("reset",)),
    "tls": ("tls", ("certificate", "could not be verified")),
    "413": ({"mode": "status", "code": 413}, ("413", "too large")),
    "429-retry-after": (
        {"mode": "status", "code": 429, "retry_after": 7},
        ("429", "Retry-After", "wait 7 s"),
    ),
    "429-bare": ({"mode": "status", "code": 429}, ("429", "no Retry-After", "30 s")),
    "500": ({"mode": "status", "code": 500}, ("500", "may have been accepted")),
    "502": ({"mode": "status", "code": 502}, ("502", "may have been accepted")),
    "503": ({"mode": "status", "code": 503}, ("503", "safe to retry")),
    "504": ({"mode": "status", "code": 504}, ("504", "may have been accepted")),
    "html": ({"mode": "html", "code": 502}, ("HTML error page", "may have been accepted")),
    "huge-50MB": ({"mode": "huge", "size": 50_000_000}, ("truncated", "does not confirm")),
    "non-utf8": ({"mode": "non_utf8", "charset": "utf-8"}, ("not valid UTF-8",)),
    "empty": ({"mode": "empty"}, ("empty body", "does not confirm")),
    "redirect-other-host": (
        {"mode": "redirect", "code": 302, "location": OTHER_HOST + "?api_key=x"},
        ("302", OTHER_HOST, "another host", "not followed", "NOT sent"),
    ),
}


@pytest.fixture
def other() -> Iterator[Recorder]:
    """The "other host" of the redirect case: must receive nothing."""
    with Recorder() as recorder:
        yield recorder


def _send(target: str, *extra: str) -> Any:
    return run_cli(
        "send", "--sandbox", target, "--timeout", "1", "--event", EVENT, *extra, key=US_KEY
    )


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_fault_is_one_sentence_and_exit_1(
    name: str,
    as_json: bool,
    sandbox: Sandbox,
    request: pytest.FixtureRequest,
    closed_port_url: str,
    other: Recorder,
) -> None:
    fault, words = CASES[name]
    words = tuple(word.format(other=other.url) for word in words)
    if fault == "refused":
        target = closed_port_url
    elif fault == "tls":
        target = request.getfixturevalue("tls_server")[0]
    else:
        assert isinstance(fault, dict)
        fault = {
            key: value.format(other=other.url) if isinstance(value, str) else value
            for key, value in fault.items()
        }
        sandbox.post("/_sandbox/faults", {"count": 1, **fault})
        target = sandbox.base_url
    result = _send(target, *(["--json"] if as_json else []))

    assert result.code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("attribution-cli: "), result.stderr
    sentence = lines[0].removeprefix("attribution-cli: ")
    for word in words:
        assert word in sentence, f"{word!r} not in {sentence!r}"
    assert "api_key=x" not in sentence
    assert other.seen == []  # the redirect was not followed: the other host got nothing
    if as_json:
        answer = result.json()
        assert answer["error"] == sentence
    # The next send works.
    after = _send(sandbox.base_url)
    assert after.code == 0, after.output
    assert after.stdout.splitlines()[1] == "success"


def test_slow_answer_within_the_timeout_succeeds(sandbox: Sandbox) -> None:
    sandbox.post("/_sandbox/faults", {"mode": "delay", "seconds": 0.4, "count": 1})
    result = run_cli(
        "send", "--sandbox", sandbox.base_url, "--timeout", "5", "--json", "--event", EVENT,
        key=US_KEY,
    )
    assert result.code == 0, result.output
    answer = result.json()
    assert answer["status"] == 200 and answer["error"] is None and answer["body"] == "success"
    assert answer["elapsed_ms"] >= 400
    assert result.stderr == ""
