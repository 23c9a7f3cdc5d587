"""core.answers: the one-sentence reading of an HTTP answer (pure, no sockets)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from attribution_workbench.core.answers import (
    confirms_success,
    explain,
    header_value,
    looks_like_html,
    redirect_target,
    retry_after_words,
)

URL = "https://api2.amplitude.com/attribution"


@dataclass(frozen=True)
class Fake:
    status: int = 200
    reason: str = "OK"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    body: bytes = b"success"
    text: str = "success"
    charset: str = "utf-8"
    truncated: bool = False
    url: str = URL
    charset_failed: str = ""

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


def test_success_needs_no_words() -> None:
    assert explain(Fake()) is None and confirms_success(Fake())


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (413, "too large"),
        (500, "may have been accepted"),
        (502, "may have been accepted"),
        (504, "may have been accepted"),
        (599, "may have been accepted"),
        (503, "safe to retry"),
        (429, "no Retry-After"),
    ],
)
def test_status_words(code: int, words: str) -> None:
    answer = Fake(status=code, reason="X", body=b"X", text="X")
    sentence = explain(answer)
    assert sentence is not None and words in sentence and f"HTTP {code} X" in sentence
    assert not confirms_success(answer)


def test_retry_after_seconds_and_date() -> None:
    answer = Fake(status=429, headers=(("retry-after", "12"),), body=b"", text="")
    assert "wait 12 s (Retry-After)" in (explain(answer) or "")
    assert retry_after_words("Wed, 21 Oct 2026 07:28:00 GMT") == (
        "wait until Wed, 21 Oct 2026 07:28:00 GMT"
    )
    assert retry_after_words(" ") is None and retry_after_words(None) is None
    answer = Fake(status=503, headers=(("Retry-After", "3"),))
    assert "safe to retry; the server asks you to wait 3 s" in (explain(answer) or "")


def test_redirect_names_the_host_without_the_query_and_says_the_key_stayed() -> None:
    answer = Fake(
        status=301, reason="Moved", headers=(("Location", "https://evil.test/a?api_key=K"),)
    )
    sentence = explain(answer) or ""
    assert "https://evil.test/a (another host)" in sentence
    assert "not followed" in sentence and "NOT sent" in sentence
    assert "api_key" not in sentence
    assert redirect_target("/other?api_key=K", URL) == ("/other on the same host", False)
    assert redirect_target("https://api2.amplitude.com/x", URL)[1] is False
    assert redirect_target("http://api2.amplitude.com/x", URL)[1] is True
    assert "without a Location" in (explain(Fake(status=302)) or "")


def test_html_error_page() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head></html>"
    sentence = explain(Fake(status=502, body=page.encode(), text=page)) or ""
    assert sentence.startswith("An HTML error page") and "may have been accepted" in sentence
    sentence = explain(Fake(status=404, body=page.encode(), text=page)) or ""
    assert "HTML error page" in sentence
    assert looks_like_html("<!DOCTYPE html><p>") and not looks_like_html("success")


def test_a_200_html_page_does_not_confirm_but_the_apis_own_success_does() -> None:
    portal = "<!DOCTYPE html><html><body>Sign in to the hotel Wi-Fi</body></html>"
    sentence = explain(Fake(status=200, body=portal.encode(), text=portal)) or ""
    assert "HTML page" in sentence and "does not confirm" in sentence
    assert not confirms_success(Fake(status=200, body=portal.encode(), text=portal))
    # The API's own answer: Content-Type text/html, body "success" (API-FACTS.md).
    assert confirms_success(Fake(status=200, body=b"success", text="success"))


def test_truncated_empty_and_non_utf8_bodies_do_not_confirm() -> None:
    huge = Fake(body=b"0" * 10, text="0" * 10, truncated=True)
    assert "truncated after 10 bytes" in (explain(huge) or "")
    assert "empty body" in (explain(Fake(body=b"", text="")) or "")
    odd = Fake(body=b"caf\xe9", text="café", charset="latin-1", charset_failed="utf-8")
    assert "not valid UTF-8" in (explain(odd) or "")
    declared_latin1 = Fake(
        headers=(("Content-Type", "text/plain; charset=ISO-8859-1"),),
        body=b"caf\xe9", text="café", charset="iso-8859-1",
    )
    assert explain(declared_latin1) is None
    for answer in (huge, odd):
        assert not confirms_success(answer)


def test_bare_text_hints_only_when_asked() -> None:
    bad = Fake(status=400, reason="Bad Request", body=b"invalid_api_key", text="invalid_api_key")
    assert "key was refused" in (explain(bad) or "")
    assert explain(bad, body_hints=False) is None
