"""``attribution-cli preview --from-paste``: a pasted request previewed, its key never used."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from cli_harness import EU_KEY, SENTINEL_KEY, US_KEY, run_cli

EVENT = (
    '{"event_type":"[Test] Install","platform":"ios","idfa":"AEBE52E7-03EE-455A-B3C4-E57283966239"}'  # noqa: E501
)
EU_CURL = (
    "curl -X POST 'https://api.eu.amplitude.com/attribution' \\\n"
    "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
    f"  --data-binary 'api_key={SENTINEL_KEY}&event={quote(EVENT, safe='')}'\n"
)
DOCS_ANDROID = (
    'POST /attribution?api_key={{api_key}}&event={"event_type":"[YOUR COMPANY] Install",'
    '"adid": "AEBE52E7-03EE-455A-B3C4-E57283966239", "user_properties": {"[YOUR COMPANY] '
    'media source": "facebook", "[YOUR COMPANY] campaign": "refer-a-friend"}, '
    '"platform": "android"} HTTP/1.1\nHost: api2.amplitude.com\n'
)


def test_pasted_curl_region_and_event_are_used_and_its_key_is_not() -> None:
    result = run_cli(
        "preview", "--from-paste", "-", "--format", "curl", stdin=EU_CURL.encode(), key=EU_KEY
    )
    assert result.code == 0, result.stderr
    assert "https://api.eu.amplitude.com/attribution" in result.stdout
    assert quote(EVENT, safe="") in result.stdout
    assert "Recognised a curl command to https://api.eu.amplitude.com/attribution (EU)." in (
        result.stderr
    )
    assert "a key was found in the pasted text and ignored" in result.stderr
    assert "attribution-cli key set" in result.stderr


def test_reveal_uses_the_environment_key_never_the_pasted_one() -> None:
    result = run_cli(
        "preview",
        "--from-paste",
        "-",
        "--reveal",
        stdin=EU_CURL.encode(),
        key=EU_KEY,
        reveal=True,
    )
    assert result.code == 0, result.stderr
    assert result.stdout_bytes == f"api_key={EU_KEY}&event={quote(EVENT, safe='')}\n".encode()
    assert SENTINEL_KEY not in result.output


def test_docs_android_example_gives_the_query_transport() -> None:
    result = run_cli("preview", "--from-paste", "-", stdin=DOCS_ANDROID.encode(), key=US_KEY)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("https://api2.amplitude.com/attribution?api_key=")
    assert "&event=%7B%22event_type%22%3A%22%5BYOUR%20COMPANY%5D%20Install%22" in result.stdout
    assert "placeholder" in result.stderr
    assert "key was found" not in result.stderr


def test_command_line_region_and_target_override_the_paste(tmp_path: Path) -> None:
    pasted = tmp_path / "request.txt"
    pasted.write_text(EU_CURL, encoding="utf-8")
    result = run_cli(
        "preview", "--from-paste", str(pasted), "--region", "us", "--format", "curl", key=US_KEY
    )
    assert result.code == 0, result.stderr
    assert "https://api2.amplitude.com/attribution" in result.stdout
    result = run_cli(
        "preview",
        "--from-paste",
        str(pasted),
        "--sandbox",
        "http://127.0.0.1:9",
        "--format",
        "curl",
        key=EU_KEY,
    )
    assert "http://127.0.0.1:9/eu/attribution" in result.stdout


def test_sandbox_url_in_the_paste_is_the_target() -> None:
    text = f"curl http://127.0.0.1:8787/eu/attribution -d 'event={quote(EVENT, safe='')}'"
    result = run_cli("preview", "--from-paste", "-", "--format", "curl", stdin=text.encode())
    assert result.code == 0, result.stderr
    assert "http://127.0.0.1:8787/eu/attribution" in result.stdout


def test_garbage_exits_2_and_says_what_was_not_recognised() -> None:
    result = run_cli("preview", "--from-paste", "-", stdin=b"hello, this is not a request\n")
    assert result.code == 2
    assert result.stdout == ""
    assert "not recognised" in result.stderr


def test_missing_event_exits_2() -> None:
    text = f"curl https://api.eu.amplitude.com/attribution -d 'api_key={SENTINEL_KEY}'"
    result = run_cli("preview", "--from-paste", "-", stdin=text.encode())
    assert result.code == 2
    assert "The event parameter is missing." in result.stderr
    assert "key was found in the pasted text and ignored" in result.stderr


def test_from_paste_conflicts_with_event() -> None:
    result = run_cli("preview", "--from-paste", "-", "--event", EVENT, stdin=EU_CURL.encode())
    assert result.code == 2
    assert "cannot be combined" in result.stderr


def test_help_mentions_from_paste() -> None:
    result = run_cli("preview", "--help")
    assert "--from-paste" in result.stdout
    assert "override what was detected" in result.stdout.replace("\n", " ")
