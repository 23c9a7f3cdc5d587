"""core.answers with hostile headers and charsets, read from real ``Outcome`` objects.

One Retry-After parser and one header lookup serve the response pane, the CLI, the batch
sender and the V2 reader; the charset the client decoded with is the one ``explain`` reads.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attribution_workbench.core.answers import (
    confirms_success,
    explain,
    header_value,
    redirect_target,
    retry_after_seconds,
    retry_after_words,
)
from attribution_workbench.core.app_event import THROTTLE_WAIT_S, interpret_v2
from attribution_workbench.core.batch import RetryPolicy, decide
from attribution_workbench.core.client import Outcome, decode_text

URL = "https://api2.amplitude.com/attribution"


def outcome(
    status: int = 200,
    body: bytes = b"success",
    content_type: str = "text/plain; charset=utf-8",
    *extra: tuple[str, str],
) -> Outcome:
    """An Outcome as the client builds it: the body decoded by ``decode_text``."""
    headers = (("Content-Type", content_type), *extra)
    text, charset, failed = decode_text(body, content_type)
    return Outcome(
        status, "X", headers, body, False, text, charset, 1.0, 0, URL, charset_failed=failed
    )


# --- item: explain never raises on odd Retry-After / Location values ------------------------


@pytest.mark.parametrize("code", [429, 503])
def test_superscript_two_retry_after_is_a_sentence(code: int) -> None:
    answer = outcome(code, b"", "text/plain", ("Retry-After", "\xb2"))
    sentence = explain(answer)
    assert isinstance(sentence, str) and f"HTTP {code}" in sentence
    assert retry_after_seconds("\xb2") is None


def test_location_with_an_out_of_range_port_is_a_sentence() -> None:
    target = "https://api2.amplitude.com:99999/"
    answer = outcome(301, b"", "text/plain", ("Location", target))
    sentence = explain(answer)
    assert sentence is not None and "another host" in sentence and "not followed" in sentence
    assert redirect_target(target, URL) == (target, True)
    assert redirect_target("https://api2.amplitude.com:port/x?api_key=K", URL) == (
        "https://api2.amplitude.com:port/x",
        True,
    )


@given(st.text(max_size=40), st.text(max_size=40), st.integers(300, 599))
def test_explain_never_raises_for_any_header_text(retry: str, location: str, code: int) -> None:
    answer = outcome(code, b"x", "text/plain", ("Retry-After", retry), ("Location", location))
    sentence = explain(answer)  # must not raise
    assert sentence is None or isinstance(sentence, str)
    seconds = retry_after_seconds(retry)
    assert seconds is None or seconds >= 0


# --- item: one charset reading --------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain; charset=x-unknown",
        "text/plain; charset=base64",  # a bytes codec named as a charset: read as UTF-8
        "text/plain; charset=x-unknown; charset=utf-8",
        "text/plain; charset=utf-8; charset=x-unknown",
    ],
)
def test_success_with_an_unknown_charset_confirms_success(content_type: str) -> None:
    answer = outcome(200, b"success", content_type)
    assert answer.charset == "utf-8" and answer.charset_failed == ""
    assert explain(answer) is None and confirms_success(answer)


def test_a_body_the_declared_charset_cannot_decode_is_still_explained() -> None:
    utf8 = outcome(200, b"caf\xe9", "text/plain; charset=utf-8")
    assert (utf8.charset, utf8.charset_failed) == ("latin-1", "utf-8")
    assert "not valid UTF-8" in (explain(utf8) or "") and not confirms_success(utf8)
    unknown = outcome(200, b"caf\xe9", "text/plain; charset=x-unknown")
    assert "not valid UTF-8" in (explain(unknown) or "")
    cp1252 = outcome(200, b"\x81ok", "text/plain; charset=cp1252")  # 0x81 is not cp1252
    assert "not valid cp1252" in (explain(cp1252) or "")
    assert not confirms_success(cp1252)


def test_declared_latin1_is_no_fallback() -> None:
    answer = outcome(200, b"caf\xe9", "text/plain; charset=ISO-8859-1")
    assert (answer.charset, answer.charset_failed) == ("iso-8859-1", "")
    assert explain(answer) is None


# --- item: one Retry-After parser and one header lookup -------------------------------------


def test_every_reader_agrees_on_retry_after() -> None:
    assert retry_after_seconds("1.5") == 1.5 and retry_after_words("1.5") == "wait 1.5 s"
    assert retry_after_seconds(" 12 ") == 12.0 and retry_after_words(" 12 ") == "wait 12 s"
    policy = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=10)
    assert decide(policy, 1, status=429, retry_after="1.5").delay == 1.5
    assert interpret_v2(429, "", {"retry-after": "1.5"}).retry_after_s == 1.5
    # Unreadable: the batch backs off on its own, the V2 reader uses the documented 30 s.
    assert decide(policy, 1, status=429, retry_after="\xb2").delay == 0.5
    assert interpret_v2(429, "", {"Retry-After": "\xb2"}).retry_after_s == THROTTLE_WAIT_S
    assert retry_after_seconds("9" * 400) is None  # inf is not a wait


def test_date_retry_after_against_a_given_now() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds("Tue, 14 Nov 2023 22:13:27 GMT", now) == pytest.approx(7, abs=1)
    assert retry_after_seconds("Tue, 14 Nov 2023 22:13:27 -0000", now) == pytest.approx(7, abs=1)
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0


def test_one_header_lookup() -> None:
    answer = outcome(200, b"success", "text/plain", ("X-A", "1"), ("x-a", "2"))
    assert answer.header("X-A") == header_value(answer.headers, "x-a") == "1, 2"
    assert answer.header("missing") is None
