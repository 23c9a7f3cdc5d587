"""Sandbox faults, lifecycle and hostile input, over real loopback sockets."""

from __future__ import annotations

import _thread
import http.client
import json
import signal
import socket
import threading
import time
from typing import Any
from urllib.parse import quote

import pytest
import requests

from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

US, EU = DEMO_KEYS["us"], DEMO_KEYS["eu"]
EVENT = json.dumps({"event_type": "[Adjust] Install", "platform": "ios", "idfa": "ABC-123"})
FORM = {"api_key": US, "event": EVENT}
APP = {"api_key": US, "events": [{"event_type": "open", "device_id": "device-1"}]}


def attribution(clean_sandbox: SandboxServer, region: str = "us", **kw: Any) -> requests.Response:
    return requests.post(f"{clean_sandbox.base_url}/{region}/attribution", data=FORM, **kw)


def httpapi(clean_sandbox: SandboxServer, **kw: Any) -> requests.Response:
    return requests.post(f"{clean_sandbox.base_url}/2/httpapi", json=APP, **kw)


def raw_exchange(clean_sandbox: SandboxServer, data: bytes, *, read_timeout: float = 2.0) -> bytes:
    """Send raw bytes, half-close, return everything the server sends back."""
    with socket.create_connection(("127.0.0.1", clean_sandbox.port), timeout=read_timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def still_serving(clean_sandbox: SandboxServer) -> bool:
    return attribution(clean_sandbox).text == "success"


# -- fault modes --------------------------------------------------------------------------


def test_delay_then_normal_answer(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("delay", seconds=0.3)
    start = time.monotonic()
    r = attribution(clean_sandbox)
    assert time.monotonic() - start >= 0.3
    assert r.text == "success" and len(clean_sandbox.state.attributions()) == 1
    assert clean_sandbox.state.request()["fault"] == "delay"  # type: ignore[index]


def test_hang_is_bounded_by_client_timeout(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("hang")
    start = time.monotonic()
    # A read timeout: connected, then nothing came back; the client's timeout ended it.
    with pytest.raises(requests.ReadTimeout):
        attribution(clean_sandbox, timeout=0.5)
    assert time.monotonic() - start >= 0.5
    assert clean_sandbox.state.request()["fault"] == "hang"  # type: ignore[index]
    assert clean_sandbox.state.request()["status"] is None  # type: ignore[index]
    assert clean_sandbox.state.attributions() == []
    assert still_serving(clean_sandbox)


@pytest.mark.parametrize(
    "stage,error",
    [
        ("body", requests.exceptions.ChunkedEncodingError),
        ("headers", requests.ConnectionError),
        ("none", requests.ConnectionError),
    ],
)
def test_reset_gives_connection_error(
    clean_sandbox: SandboxServer, stage: str, error: type[Exception]
) -> None:
    clean_sandbox.add_fault("reset", stage=stage)
    with pytest.raises(error) as caught:
        attribution(clean_sandbox)
    assert "reset" in str(caught.value).lower() or "aborted" in str(caught.value).lower()
    assert still_serving(clean_sandbox)


def test_reset_seen_by_http_client(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("reset")
    conn = http.client.HTTPConnection("127.0.0.1", clean_sandbox.port, timeout=2)
    conn.request("POST", "/attribution", "x")
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Length") == "128"
    with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
        response.read()
    conn.close()


@pytest.mark.parametrize("code", [413, 429, 500, 502, 503, 504])
def test_status_on_httpapi_is_json(clean_sandbox: SandboxServer, code: int) -> None:
    clean_sandbox.add_fault("status", code=code, path="/2/httpapi")
    r = httpapi(clean_sandbox)
    assert r.status_code == code and r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["code"] == code
    if code == 413:
        assert body == {"code": 413, "error": "Payload too large"}
    if code == 429:
        assert body["eps_threshold"] == 30 and body["throttled_devices"] == {"device-1": 1}
        assert body["error"] == "Too many requests for some devices and users"
        assert "Retry-After" not in r.headers
    assert clean_sandbox.state.users() == []  # not processed


def test_status_on_attribution_is_text_with_retry_after(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("status", code=429, retry_after=30)
    r = attribution(clean_sandbox)
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert r.headers["Content-Type"].startswith("text/plain") and r.text == "Too Many Requests"
    assert clean_sandbox.state.attributions() == []


def test_accepted_then_500_can_duplicate(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("status", code=500, accept=True)
    assert attribution(clean_sandbox).status_code == 500
    assert attribution(clean_sandbox).text == "success"  # the client's retry
    assert len(clean_sandbox.state.attributions()) == 2


def test_html_error_page(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("html")
    clean_sandbox.add_fault("html", code=504)
    r = httpapi(clean_sandbox)
    assert r.status_code == 502 and r.headers["Content-Type"] == "text/html"
    assert "<title>502 Bad Gateway</title>" in r.text
    r = attribution(clean_sandbox)
    assert r.status_code == 504 and "<h1>504 Gateway Timeout</h1>" in r.text


def test_huge_body_streams(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("huge", size=3_000_000)
    r = attribution(clean_sandbox, stream=True)
    assert r.status_code == 200 and r.headers["Content-Length"] == "3000000"
    assert sum(len(c) for c in r.iter_content(65536)) == 3_000_000
    clean_sandbox.add_fault("huge")  # default 50 MB; a client that stops reading must not stall us
    r = attribution(clean_sandbox, stream=True)
    assert r.headers["Content-Length"] == "50000000"
    assert len(r.raw.read(1000)) == 1000
    r.close()
    assert still_serving(clean_sandbox)


def test_non_utf8_body(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("non_utf8")
    r = attribution(clean_sandbox)
    assert r.status_code == 200 and r.content == b"caf\xe9 \xff\xfe"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    clean_sandbox.add_fault("non_utf8", charset="")
    assert attribution(clean_sandbox).headers["Content-Type"] == "text/plain"


def test_empty_body(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("empty")
    r = httpapi(clean_sandbox)
    assert (r.status_code, r.content, r.headers["Content-Length"]) == (200, b"", "0")


def test_redirect(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("redirect", location="https://example.invalid/attribution")
    r = attribution(clean_sandbox, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "https://example.invalid/attribution"
    clean_sandbox.add_fault("redirect", code=307)
    r = attribution(clean_sandbox, allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (307, "/us/attribution")
    clean_sandbox.add_fault("redirect")  # a followed 302 turns the POST into a body-less GET
    r = attribution(clean_sandbox)
    assert (r.status_code, r.text) == (400, "invalid_api_key")
    assert [q["method"] for q in clean_sandbox.state.requests()][-2:] == ["POST", "GET"]


# -- fault queue semantics ----------------------------------------------------------------


def test_count_fifo_and_filters(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("status", code=503, count=2)
    clean_sandbox.add_fault("status", code=504)
    codes = [attribution(clean_sandbox).status_code for _ in range(4)]
    assert codes == [503, 503, 504, 200]
    clean_sandbox.add_fault("status", code=500, path="/2/httpapi", region="eu")
    assert attribution(clean_sandbox, region="eu").status_code == 400  # wrong path: EU key check
    assert httpapi(clean_sandbox).status_code == 200  # us: region filter
    r = requests.post(f"{clean_sandbox.base_url}/eu/2/httpapi", json=APP)
    assert r.status_code == 500
    assert clean_sandbox.state.faults() == []


def test_count_zero_until_cleared_and_inspection_exempt(clean_sandbox: SandboxServer) -> None:
    r = requests.post(
        clean_sandbox.base_url + "/_sandbox/faults",
        json={"mode": "status", "code": 502, "count": 0},
    )
    assert r.status_code == 200 and r.json()["mode"] == "status"
    assert [attribution(clean_sandbox).status_code for _ in range(3)] == [502, 502, 502]
    [listed] = requests.get(clean_sandbox.base_url + "/_sandbox/faults").json()
    assert (
        listed["used"] == 3
        and listed["count"] == 0
        and listed["params"] == {"code": 502, "accept": False}
    )
    assert requests.get(clean_sandbox.base_url + "/_sandbox/health").status_code == 200
    assert requests.delete(clean_sandbox.base_url + "/_sandbox/faults").json() == {"cleared": 1}
    assert still_serving(clean_sandbox)
    clean_sandbox.add_fault("hang", count=0)
    clean_sandbox.clear_faults()
    assert still_serving(clean_sandbox)
    modes = requests.get(clean_sandbox.base_url + "/_sandbox/faults/modes").json()
    assert set(modes) == {
        "delay",
        "hang",
        "reset",
        "status",
        "html",
        "huge",
        "non_utf8",
        "empty",
        "redirect",
    }


def test_bad_fault_arguments(clean_sandbox: SandboxServer) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("nope", {}),
        ("delay", {"seconds": -1}),
        ("status", {"code": 99}),
        ("hang", {"count": 1.5}),
        ("reset", {"stage": "later"}),
        ("empty", {"code": 200}),
    ]
    for mode, kw in cases:
        with pytest.raises(ValueError):
            clean_sandbox.add_fault(mode, **kw)


# -- lifecycle ----------------------------------------------------------------------------


def test_stop_is_fast_with_hung_and_idle_connections() -> None:
    srv = SandboxServer().start()
    assert srv.base_url == f"http://127.0.0.1:{srv.port}" and srv.port > 0
    with pytest.raises(RuntimeError):
        srv.start()
    session = requests.Session()
    assert session.post(srv.base_url + "/attribution", data=FORM).text == "success"  # idle
    held_s = 30.0  # the delay, and the hung clients' timeout
    srv.add_fault("delay", seconds=held_s)
    srv.add_fault("hang", count=0)
    errors: list[BaseException] = []

    def hung_client() -> None:
        try:
            requests.post(srv.base_url + "/attribution", data=FORM, timeout=held_s)
        except requests.RequestException as exc:
            errors.append(exc)

    clients = [threading.Thread(target=hung_client) for _ in range(3)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 5
    while len(srv.state.requests()) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(srv.state.requests()) == 4  # the delayed and the hung ones are all held
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < held_s / 2  # stop() did not wait for them
    for client in clients:
        client.join(timeout=held_s / 2)
    assert len(errors) == 3  # the hung clients saw the connection close, not a 30 s wait
    srv.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.base_url + "/_sandbox/health", timeout=1)


def test_serve_forever_stops_on_ctrl_c_and_on_stop() -> None:
    # Ctrl+C as Python delivers it by default, whatever an earlier test left installed.
    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    srv = SandboxServer()
    returned = threading.Event()

    def press_ctrl_c() -> None:
        # Pressed again if the first seems lost, as a person would. One press was lost once,
        # in a full run on an overloaded machine (cause not pinned down; a KeyboardInterrupt
        # that lands while the main thread runs a finalizer is dropped by Python, for one).
        delay = 0.3
        for _ in range(10):
            if returned.wait(delay):
                return
            _thread.interrupt_main()
            delay = 2.0

    presser = threading.Thread(target=press_ctrl_c)
    # A safety net: a serve_forever that ignored Ctrl+C fails the test instead of hanging.
    stopped_by_watchdog = threading.Event()

    def watchdog_stop() -> None:
        stopped_by_watchdog.set()
        srv.stop()

    watchdog = threading.Timer(30, watchdog_stop)
    presser.start()
    watchdog.start()
    try:
        srv.serve_forever()  # KeyboardInterrupt is swallowed: a clean stop
    finally:
        returned.set()
        signal.signal(signal.SIGINT, previous_handler)
    watchdog.cancel()
    presser.join()
    assert not stopped_by_watchdog.is_set(), "serve_forever ignored Ctrl+C"
    other = SandboxServer()
    runner = threading.Thread(target=other.serve_forever)
    runner.start()
    time.sleep(0.1)
    assert requests.get(other.base_url + "/_sandbox/health").json()["ok"] is True
    other.stop()
    runner.join(timeout=1)
    assert not runner.is_alive()


def test_custom_keys() -> None:
    with SandboxServer(keys={"eu": "only-eu-key-0000000000000000000000"}) as srv:
        r = requests.post(
            srv.base_url + "/eu/attribution",
            data={"api_key": "only-eu-key-0000000000000000000000", "event": EVENT},
        )
        assert r.text == "success"
        assert requests.post(srv.base_url + "/attribution", data=FORM).text == "invalid_api_key"
    with pytest.raises(ValueError):
        SandboxServer(keys={"mars": ["x"]})


def test_keep_alive_reuses_one_connection(clean_sandbox: SandboxServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", clean_sandbox.port, timeout=2)
    body = "api_key=" + US + "&event=" + quote(EVENT, safe="")
    for _ in range(50):
        conn.request(
            "POST", "/attribution", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = conn.getresponse()
        assert response.read() == b"success"
        assert response.getheader("Connection") is None
    conn.close()
    assert len({r["client"] for r in clean_sandbox.state.requests()}) == 1


# -- hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,status",
    [
        (b"POST /attribution HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", b"400"),
        (b"POST /attribution HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", b"400"),
        (
            b"POST /attribution HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            b"400",
        ),
        (b"POST /attribution HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", b"413"),
        (b"POST /2/httpapi HTTP/1.1\r\nContent-Length: 30000000\r\n\r\n", b"413"),
        (b"POST /_sandbox/config HTTP/1.1\r\nContent-Length: 30000000\r\n\r\n", b"413"),
        (b"POST /attribution HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort", b"400"),
        (b"POST /attribution HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", b"501"),
        (b"POST /attribution HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 200 + b"\r\n", b"431"),
        (b"\x00\xff\xfe garbage \x80\r\n\r\n", b"400"),
        (b"BREW /attribution HTTP/1.1\r\n\r\n", b"501"),
        (b"GET /caf\xe9/\xff HTTP/1.1\r\n\r\n", b"404"),
        (
            b"POST /attribution?event=%ff%fe&api_key=%00 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            b"400",
        ),
    ],
)
def test_garbage_gets_an_answer_and_server_survives(
    clean_sandbox: SandboxServer, data: bytes, status: bytes
) -> None:
    reply = raw_exchange(clean_sandbox, data)
    assert reply.split(b" ", 2)[1] == status, reply[:200]
    assert still_serving(clean_sandbox)
    assert clean_sandbox.state.summary()["internal_errors"] == 0


def test_random_bytes_and_abrupt_disconnects(clean_sandbox: SandboxServer) -> None:
    import random

    rng = random.Random(1234)
    for _ in range(30):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        with socket.create_connection(("127.0.0.1", clean_sandbox.port), timeout=2) as sock:
            sock.sendall(blob)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(65536)
    for size in (10, 1000):  # announce a body, send part, vanish
        with socket.create_connection(("127.0.0.1", clean_sandbox.port), timeout=2) as sock:
            sock.sendall(
                b"POST /2/httpapi HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"{" * size
            )
    assert still_serving(clean_sandbox)
    assert clean_sandbox.state.summary()["internal_errors"] == 0


def test_chunked_pipelined_and_expect_continue(clean_sandbox: SandboxServer) -> None:
    body = ("api_key=" + US + "&event=" + quote(EVENT, safe="")).encode()
    chunked = (
        b"POST /attribution HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        + f"{len(body[:10]):x}\r\n".encode()
        + body[:10]
        + b"\r\n"
        + f"{len(body[10:]):x}\r\n".encode()
        + body[10:]
        + b"\r\n0\r\n\r\n"
    )
    plain = (
        b"POST /attribution HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    reply = raw_exchange(clean_sandbox, chunked + plain)
    assert reply.count(b"HTTP/1.1 200 OK") == 2 and reply.endswith(b"success")
    assert clean_sandbox.state.requests()[0]["body_text"] == body.decode()
    expect = (
        b"POST /attribution HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 50000000\r\n\r\n"
    )
    reply = raw_exchange(clean_sandbox, expect)
    assert reply.startswith(b"HTTP/1.1 413") and b"100 Continue" not in reply


def test_http10_client(clean_sandbox: SandboxServer) -> None:
    reply = raw_exchange(clean_sandbox, b"GET /_sandbox/clock HTTP/1.0\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length" in head
    assert "now_ms" in json.loads(body)


def test_fault_path_with_a_region_prefix_fires_in_that_region(
    clean_sandbox: SandboxServer,
) -> None:
    # "/us/attribution" was taken and never fired: requests match on the endpoint, the
    # region prefix taken off.
    r = requests.post(
        clean_sandbox.base_url + "/_sandbox/faults",
        json={"mode": "status", "code": 503, "path": "/us/attribution"},
    )
    assert r.status_code == 200 and (r.json()["path"], r.json()["region"]) == (
        "/attribution",
        "us",
    )
    assert attribution(clean_sandbox, region="eu").status_code == 400  # EU: the key check
    assert attribution(clean_sandbox, region="us").status_code == 503
    for path, region in [("/foo", None), ("/us/2/httpapi/x", None), ("/eu/attribution", "us")]:
        r = requests.post(
            clean_sandbox.base_url + "/_sandbox/faults",
            json={"mode": "status", "code": 503, "path": path, "region": region},
        )
        assert r.status_code == 400 and "path" in r.json()["error"], (path, r.text)
    assert clean_sandbox.state.faults() == []


def test_an_upload_refused_before_it_is_sent_is_recorded(clean_sandbox: SandboxServer) -> None:
    # curl asks (Expect: 100-continue) before a body over 1 MB; the refusal is recorded
    # and answered as the same upload sent without asking would be (JSON on /2/httpapi).
    for path in ("/attribution", "/eu/2/httpapi"):
        reply = raw_exchange(
            clean_sandbox,
            f"POST {path} HTTP/1.1\r\nExpect: 100-continue\r\n".encode()
            + b"Content-Length: 50000000\r\n\r\n",
        )
        assert reply.startswith(b"HTTP/1.1 413")
    attribution_rec, httpapi_rec = clean_sandbox.state.requests()
    assert (attribution_rec["endpoint"], attribution_rec["status"]) == ("/attribution", 413)
    assert "refused before upload" in attribution_rec["note"]
    assert (httpapi_rec["region"], httpapi_rec["status"]) == ("eu", 413)
    assert reply.endswith(b'{"code": 413, "error": "Payload too large"}')


def test_a_malformed_request_line_is_answered_without_the_key_and_recorded(
    clean_sandbox: SandboxServer,
) -> None:
    # The seed's Android example pasted into a raw request: spaces left in the query.
    line = f"POST /attribution?api_key={US}&event={{\"event_type\":\"[X] Install\"}} HTTP/1.1"
    reply = raw_exchange(clean_sandbox, line.encode() + b"\r\nHost: x\r\n\r\n")
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert US.encode() not in reply and rest.endswith(b"400 Bad request syntax")
    [rec] = clean_sandbox.state.requests()
    assert (rec["method"], rec["endpoint"], rec["status"]) == ("POST", "/attribution", 400)
    assert rec["target"].startswith("/attribution?api_key=") and rec["headers"] == []
    assert "%20" in rec["note"]
    # A request refused after its line: its own headers, not the previous request's.
    reply = raw_exchange(
        clean_sandbox,
        b"GET /_sandbox/clock HTTP/1.1\r\nX-First: 1\r\n\r\n"
        b"BREW /attribution HTTP/1.1\r\nX-Second: 2\r\n\r\n",
    )
    assert b"HTTP/1.1 501" in reply
    last = clean_sandbox.state.requests()[-1]
    assert (last["method"], last["status"], last["headers"]) == ("BREW", 501, [["X-Second", "2"]])
    assert still_serving(clean_sandbox)
