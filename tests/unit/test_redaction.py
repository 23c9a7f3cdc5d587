"""One key redaction (core.wire.redact_key) for every place that masks a key in text.

The key below changes under every percent-encoding a server or library might echo back:
raw, ``encode_component`` (how the app sends it), ``quote`` (``/`` kept) and ``quote_plus``
(space as ``+``). Each caller must hide all four.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from attribution_workbench.cli_support import Console
from attribution_workbench.core.app_event import interpret_v2
from attribution_workbench.core.client import Outcome
from attribution_workbench.core.history import History
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.send_errors import map_exception
from attribution_workbench.core.verify import VerifyMethod, check_key
from attribution_workbench.core.wire import (
    REDACTED_KEY,
    KeyStyle,
    PreparedRequest,
    Transport,
    encode_component,
    mask_key,
    prepare,
    redact_key,
)

KEY = "sentinel+KEY/4242 abcdef01234ZqxW"
SPELLINGS = (KEY, encode_component(KEY), quote(KEY), quote_plus(KEY))
ECHO = "echo: " + " | ".join(SPELLINGS)
SANDBOX = Destination(Region.US, Target.SANDBOX, "http://127.0.0.1:9")
EVENT = '{"event_type":"[Adjust] Install","platform":"ios","idfa":"AAAA-1"}'


def leaks(text: str) -> list[str]:
    return [spelling for spelling in SPELLINGS if spelling in text]


def test_the_spellings_really_differ() -> None:
    assert len(set(SPELLINGS)) == 4


@pytest.mark.parametrize(("style", "mask"), [(KeyStyle.MASK, mask_key(KEY)),
                                             (KeyStyle.REDACT, REDACTED_KEY)])
def test_redact_key_masks_every_spelling(style: KeyStyle, mask: str) -> None:
    out = redact_key(ECHO, KEY, style=style)
    assert not leaks(out) and out == "echo: " + " | ".join([mask] * 4)


def test_redact_key_longest_first_and_odd_keys() -> None:
    inner = "abcdef0123456789abcd"
    outer = inner + "EFGH"
    assert redact_key(f"{outer} {inner}", inner, outer) == f"{mask_key(outer)} {mask_key(inner)}"
    assert redact_key("nothing", "", "") == "nothing"
    # A key with an unpaired surrogate has no percent-encoded spelling; raw is still masked.
    assert redact_key("k=\ud800xyz1abc", "\ud800xyz1abc") == "k=" + mask_key("\ud800xyz1abc")


def test_history_stores_no_spelling(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    request = prepare(EVENT, SANDBOX, KEY, Transport.QUERY)
    entry_id = history.record(
        request, profile="p", region="us", target="sandbox", status=400, reason=ECHO,
        response_text=ECHO,
    )
    entry = history.get(entry_id)
    assert entry is not None
    for text in (entry.url, entry.response_body, entry.reason):
        assert not leaks(text) and REDACTED_KEY in text
    history.close()


def test_send_error_texts_carry_no_spelling() -> None:
    request = prepare(EVENT, SANDBOX, KEY, Transport.QUERY)
    error = map_exception(OSError(ECHO), request, 30.0, 5.0, 1.0)
    assert not leaks(error.message) and not leaks(error.detail)
    assert mask_key(KEY) in error.message


class EchoClient:
    """Answers every request with the key echoed in all its spellings."""

    def send(self, request: PreparedRequest, **_: Any) -> Outcome:
        text = json.dumps({"code": 400, "error": "Invalid API key: " + ECHO})
        return Outcome(400, "Bad Request", (), text.encode(), False, text, "utf-8", 1.0, 0,
                       request.display_url())


def test_verify_message_carries_no_spelling() -> None:
    check = check_key(EchoClient(), KEY, SANDBOX, VerifyMethod.V2_EMPTY_BATCH)  # type: ignore[arg-type]
    assert not leaks(check.message) and mask_key(KEY) in check.message


def test_v2_answer_carries_no_spelling() -> None:
    answer = interpret_v2(400, json.dumps({"code": 400, "error": ECHO}), api_key=KEY)
    assert not leaks(answer.summary) and not leaks(answer.error or "")


def test_cli_console_masks_every_spelling() -> None:
    console = Console()
    console.protect(KEY)
    out = console.redact(ECHO)
    assert not leaks(out) and out.count(mask_key(KEY)) == 4


def test_error_reporter_masks_every_spelling() -> None:
    from attribution_workbench.ui.error_dialog import ErrorReporter

    reporter = ErrorReporter()
    reporter.forbid(KEY)
    out = reporter.redact(ECHO)
    assert not leaks(out) and out.count("•" * 8) == 4


def test_a_key_in_quotes_is_masked_where_a_server_echoes_it_json_escaped() -> None:
    # Quotes come along when a key is copied out of JSON or a .env file; the V2 API echoes
    # it JSON-escaped (\"...\"), which parsing then turns back into the raw key.
    key = '"0badc0de5e471e1f00d5eed1dea15ca7"'
    echo = json.dumps({"code": 400, "error": f"Invalid API key: {key}"})
    masked = redact_key(echo, key, style=KeyStyle.REDACT)
    assert "0badc0de" not in json.loads(masked)["error"]
    assert "0badc0de" not in redact_key(json.dumps(key, ensure_ascii=False), key)
    outcome = Outcome(400, "Bad Request", (), echo.encode(), False, echo, "utf-8", 1.0, 0, "u")
    assert "0badc0de" not in str(interpret_v2(400, echo, api_key=key))

    class Echo:
        def send(self, request: PreparedRequest, **_: Any) -> Outcome:
            return outcome

    check = check_key(Echo(), key, SANDBOX, VerifyMethod.V2_EMPTY_BATCH)  # type: ignore[arg-type]
    assert "0badc0de" not in check.message
