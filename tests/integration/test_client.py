"""core.client against real loopback sockets: the clean_sandbox, a TLS server, a full backlog.

Nothing is patched: every send goes through the kernel, so keep-alive, cancellation and the
error kinds are checked the way a user meets them.
"""

from __future__ import annotations

import base64
import dataclasses
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from attribution_workbench.core.client import (
    CancelToken,
    Client,
    Outcome,
    SendError,
    SendErrorKind,
)
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import (
    PreparedRequest,
    Transport,
    encode_component,
    prepare,
    prepare_v2,
)
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

EVENT = (
    '{"event_type": "[Adjust] Install", "platform": "ios", '
    '"idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[Adjust] note": "a+b & c=d % 100# ü 🎉\\n"}}'
)
KEY = DEMO_KEYS["us"]


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(connect_timeout=2.0, read_timeout=5.0) as c:
        yield c


def to_sandbox(
    server: SandboxServer, transport: Transport = Transport.BODY, key: str = KEY
) -> PreparedRequest:
    return prepare(EVENT, Destination(Region.US, Target.SANDBOX, server.base_url), key, transport)


def to_url(url: str, transport: Transport = Transport.BODY, key: str = KEY) -> PreparedRequest:
    return prepare(EVENT, Destination(Region.US, Target.CUSTOM, url), key, transport)


def send_error(client: Client, request: PreparedRequest, **kwargs: object) -> SendError:
    with pytest.raises(SendError) as info:
        client.send(request, **kwargs)  # type: ignore[arg-type]
    return info.value


def assert_key_free(error: SendError, key: str = KEY) -> None:
    # The traceback too: a crash report or a log line must not carry the key.
    texts = [str(error), error.message, error.detail, repr(error)]
    texts.append("".join(traceback.format_exception(error)))
    for text in texts:
        assert key not in text
        assert encode_component(key) not in text


# -- answers ------------------------------------------------------------------------------


def test_success(clean_sandbox: SandboxServer, client: Client) -> None:
    request = to_sandbox(clean_sandbox)
    started = time.perf_counter()
    outcome = client.send(request)
    took_ms = (time.perf_counter() - started) * 1000
    assert (outcome.status, outcome.reason, outcome.text, outcome.ok) == (
        200,
        "OK",
        "success",
        True,
    )
    assert outcome.body == b"success" and not outcome.truncated
    assert outcome.header("content-TYPE") == "text/html; charset=utf-8"
    assert outcome.charset == "utf-8"
    assert ("Content-Length", "7") in outcome.headers
    assert 0 < outcome.elapsed_ms <= took_ms  # this send's time, in milliseconds
    assert outcome.bytes_sent == len(request.body) > 0
    assert outcome.url == request.display_url() and KEY not in outcome.url
    assert outcome.redirect_location is None and outcome.json() is None


def test_exact_bytes_and_headers_on_the_wire(clean_sandbox: SandboxServer, client: Client) -> None:
    request = to_sandbox(clean_sandbox)
    client.send(request)
    recorded = clean_sandbox.state.request()
    assert recorded is not None
    assert recorded["method"] == "POST"
    assert base64.b64decode(recorded["body_b64"]) == request.body
    host = f"127.0.0.1:{clean_sandbox.port}"
    # Exactly the prepared headers, in order, plus the Host header HTTP requires.
    assert [tuple(h) for h in recorded["headers"]] == [("Host", host), *request.headers]


def test_query_transport_sends_the_exact_url_and_no_body(
    clean_sandbox: SandboxServer, client: Client
) -> None:
    request = to_sandbox(clean_sandbox, Transport.QUERY)
    outcome = client.send(request)
    assert outcome.text == "success" and outcome.bytes_sent == 0
    recorded = clean_sandbox.state.request()
    assert recorded is not None
    assert recorded["target"] == request.url[len(clean_sandbox.base_url) :]
    assert recorded["body_size"] == 0
    assert [tuple(h) for h in recorded["headers"]][1:] == list(request.headers)
    assert KEY not in outcome.url


def test_absent_default_headers_are_not_added(clean_sandbox: SandboxServer, client: Client) -> None:
    request = to_sandbox(clean_sandbox)
    bare = dataclasses.replace(
        request, headers=tuple(h for h in request.headers if h[0] == "Content-Type")
    )
    assert client.send(bare).text == "success"
    recorded = clean_sandbox.state.request()
    assert recorded is not None
    names = [h[0] for h in recorded["headers"]]
    # No python-urllib3 User-Agent, no Accept-Encoding: only what the request lists, the
    # framing header HTTP needs, and Host.
    assert names == ["Host", "Content-Type", "Content-Length"]


def test_invalid_key_is_an_outcome(clean_sandbox: SandboxServer, client: Client) -> None:
    outcome = client.send(to_sandbox(clean_sandbox, key="0" * 32))
    assert (outcome.status, outcome.text, outcome.ok) == (400, "invalid_api_key", False)


def test_json_answer(clean_sandbox: SandboxServer, client: Client) -> None:
    destination = Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url)
    outcome = client.send(prepare_v2([], destination, KEY))
    assert outcome.status == 200 and outcome.is_json
    body = outcome.json()
    assert isinstance(body, dict) and body["events_ingested"] == 0


@pytest.mark.parametrize("code", [413, 429, 500, 502, 503, 504])
def test_status_faults(clean_sandbox: SandboxServer, client: Client, code: int) -> None:
    if code == 429:
        clean_sandbox.add_fault("status", code=code, retry_after=30)
    else:
        clean_sandbox.add_fault("status", code=code)
    outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.status == code and not outcome.ok
    assert outcome.reason and outcome.text
    assert outcome.header("Retry-After") == ("30" if code == 429 else None)


def test_html_error_page(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("html", code=502)
    outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.status == 502 and "<h1>502 Bad Gateway</h1>" in outcome.text
    assert not outcome.is_json and outcome.json() is None


def test_non_utf8_body_labelled_utf8_falls_back(
    clean_sandbox: SandboxServer, client: Client
) -> None:
    clean_sandbox.add_fault("non_utf8")
    outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.body == b"caf\xe9 \xff\xfe"
    assert (outcome.text, outcome.charset) == ("caf\xe9 \xff\xfe", "latin-1")


def test_declared_charset_is_used(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("non_utf8", charset="cp1252")
    outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.charset == "cp1252" and outcome.text.startswith("café")


def test_empty_body(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("empty")
    outcome = client.send(to_sandbox(clean_sandbox))
    assert (outcome.status, outcome.body, outcome.text, outcome.truncated) == (200, b"", "", False)


def test_huge_body_is_truncated_and_its_connection_dropped(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("huge", size=50_000_000)
    with Client(max_body_bytes=100_000) as small:
        outcome = small.send(to_sandbox(clean_sandbox))
        assert outcome.truncated and len(outcome.body) == 100_000
        assert outcome.header("Content-Length") == "50000000"
        # The abandoned connection is not reused; the next send works, on a new connection.
        assert small.send(to_sandbox(clean_sandbox)).text == "success"
    assert len({r["client"] for r in clean_sandbox.state.requests()}) == 2


class _Endless(BaseHTTPRequestHandler):
    """Answers 200 with a 50 MB Content-Length and counts the bytes it manages to write."""

    protocol_version = "HTTP/1.1"
    server: _CountingServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(_CountingServer.SIZE))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while self.server.written < _CountingServer.SIZE:
                self.wfile.write(chunk)
                self.server.written += len(chunk)
        except OSError:
            pass  # the client hung up: what the test wants
        finally:
            self.server.done.set()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


class _CountingServer(ThreadingHTTPServer):
    SIZE = 50_000_000
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Endless)
        self.written = 0
        self.done = threading.Event()


def test_huge_body_is_not_downloaded_past_the_cap() -> None:
    server = _CountingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/attribution"
        with Client(max_body_bytes=100_000) as small:
            outcome = small.send(to_url(url))
        assert outcome.truncated and len(outcome.body) == 100_000
        assert server.done.wait(30), "the client neither read the body nor hung up"
        # The server could write only what the client read plus the socket buffers (a few
        # MB at most): the client hung up instead of downloading the rest.
        assert server.written < _CountingServer.SIZE / 2, server.written
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("limit", "body", "truncated"), [(7, b"success", False), (3, b"suc", True)]
)
def test_cap_boundary(
    clean_sandbox: SandboxServer, limit: int, body: bytes, truncated: bool
) -> None:
    with Client(max_body_bytes=limit) as capped:
        outcome = capped.send(to_sandbox(clean_sandbox))
    assert (outcome.body, outcome.truncated, outcome.text) == (body, truncated, body.decode())


def test_redirect_is_not_followed(clean_sandbox: SandboxServer, client: Client) -> None:
    location = clean_sandbox.base_url + "/eu/attribution"
    clean_sandbox.add_fault("redirect", code=307, location=location)
    outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.status == 307 and outcome.redirect_location == location
    assert len(clean_sandbox.state.requests()) == 1  # following it would have recorded a second


def test_delay_shorter_than_timeout_succeeds(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("delay", seconds=0.3)
    outcome = client.send(to_sandbox(clean_sandbox), timeout=3.0)
    assert outcome.text == "success" and outcome.elapsed_ms >= 300


# -- failures ----------------------------------------------------------------------------


def test_refused(client: Client, closed_port: int) -> None:
    error = send_error(client, to_url(f"http://127.0.0.1:{closed_port}/attribution"))
    assert error.kind is SendErrorKind.REFUSED
    assert str(error) == (
        f"Connection refused by 127.0.0.1:{closed_port} — is the sandbox running?"
    )
    assert error.elapsed_ms >= 0


def test_reset(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("reset")
    error = send_error(client, to_sandbox(clean_sandbox))
    assert error.kind is SendErrorKind.RESET
    assert client.send(to_sandbox(clean_sandbox)).text == "success"


def test_hang_times_out(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("hang")
    default_read_timeout = 60.0
    with Client(connect_timeout=2.0, read_timeout=default_read_timeout) as client:
        started = time.perf_counter()
        error = send_error(client, to_sandbox(clean_sandbox), timeout=1.0)
        took = time.perf_counter() - started
    assert error.kind is SendErrorKind.TIMEOUT
    assert str(error) == "The server did not answer within 1 s (read timeout)."
    assert took >= 1.0 and 900 <= error.elapsed_ms <= took * 1000
    assert took < default_read_timeout / 2  # the send's 1 s, not the client's default


def cancel_when(token: CancelToken, ready: threading.Event, delay: float) -> list[float]:
    """Cancel from another thread once ``ready`` is set (plus ``delay``); returns the time."""
    stamp: list[float] = []

    def run() -> None:
        ready.wait(5)
        time.sleep(delay)
        stamp.append(time.perf_counter())
        token.cancel()

    threading.Thread(target=run, daemon=True).start()
    return stamp


def wait_for_request(server: SandboxServer, count: int = 1) -> threading.Event:
    ready = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(server.state.requests()) < count:
            time.sleep(0.01)
        ready.set()

    threading.Thread(target=watch, daemon=True).start()
    return ready


def test_cancel_interrupts_a_hang(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("hang")
    token = CancelToken()
    # Cancel only once the sandbox holds the request: the send is really blocked in recv().
    stamp = cancel_when(token, wait_for_request(clean_sandbox), 0.2)
    timeout = 20.0
    error = send_error(client, to_sandbox(clean_sandbox), timeout=timeout, cancel=token)
    latency = time.perf_counter() - stamp[0]
    assert error.kind is SendErrorKind.CANCELLED and token.cancelled
    assert latency < timeout / 2, f"cancel took {latency:.3f} s"  # not the timeout's doing
    # The cancelled connection is dropped, not handed to the next send.
    assert client.send(to_sandbox(clean_sandbox)).text == "success"


def test_cancel_before_send_sends_nothing(clean_sandbox: SandboxServer, client: Client) -> None:
    token = CancelToken()
    token.cancel()
    error = send_error(client, to_sandbox(clean_sandbox), cancel=token)
    assert error.kind is SendErrorKind.CANCELLED
    assert clean_sandbox.state.requests() == []


def test_late_cancel_leaves_the_pooled_connection_alone(
    clean_sandbox: SandboxServer, client: Client
) -> None:
    token = CancelToken()
    assert client.send(to_sandbox(clean_sandbox), cancel=token).ok
    token.cancel()  # after the send: must not shut down the kept-alive connection
    assert client.send(to_sandbox(clean_sandbox)).ok
    clients = {r["client"] for r in clean_sandbox.state.requests()}
    assert len(clients) == 1


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full, so a new connect() waits for ever (Linux)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(6):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    probe = socket.socket()
    probe.settimeout(0.3)
    try:
        probe.connect(("127.0.0.1", port))
        pytest.skip("this kernel completes connects beyond a full backlog")
    except TimeoutError:
        pass
    finally:
        probe.close()
    yield port
    for sock in [*fillers, listener]:
        sock.close()


def test_connect_timeout(full_backlog: int) -> None:
    read_timeout = 60.0
    with Client(connect_timeout=0.5, read_timeout=read_timeout) as c:
        started = time.perf_counter()
        error = send_error(c, to_url(f"http://127.0.0.1:{full_backlog}/attribution"))
    took = time.perf_counter() - started
    assert error.kind is SendErrorKind.CONNECT_TIMEOUT
    assert "within 0.5 s (connect timeout)" in str(error)
    assert 0.5 <= took < read_timeout / 2  # the connect timeout, not the read timeout


def test_cancel_interrupts_a_connect(full_backlog: int) -> None:
    token = CancelToken()
    ready = threading.Event()
    ready.set()
    stamp = cancel_when(token, ready, 0.3)
    connect_timeout = 30.0
    with Client(connect_timeout=connect_timeout) as c:
        error = send_error(c, to_url(f"http://127.0.0.1:{full_backlog}/x"), cancel=token)
    assert error.kind is SendErrorKind.CANCELLED
    assert time.perf_counter() - stamp[0] < connect_timeout / 2  # not the timeout's doing


def test_dns_failure(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # No real lookup: the resolver (socket.getaddrinfo, which urllib3 and the cancellable
    # connect in core/_transport.py both call) fails for this one name.
    real_getaddrinfo = socket.getaddrinfo
    asked: list[object] = []

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == "nonexistent.invalid":
            asked.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # straight to the resolver
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    request = to_url("https://nonexistent.invalid/attribution")
    for cancel in (None, CancelToken()):  # both connect paths
        asked.clear()
        error = send_error(client, request, cancel=cancel)
        assert error.kind is SendErrorKind.DNS and "nonexistent.invalid" in str(error)
        assert asked, "the name went to the real resolver, not the patched one"


def test_key_never_in_errors(
    clean_sandbox: SandboxServer, client: Client, closed_port_url: str
) -> None:
    failures = [send_error(client, to_url(closed_port_url + "/attribution", Transport.QUERY))]
    clean_sandbox.add_fault("reset")
    failures.append(send_error(client, to_sandbox(clean_sandbox, Transport.QUERY)))
    clean_sandbox.add_fault("hang")
    failures.append(send_error(client, to_sandbox(clean_sandbox, Transport.QUERY), timeout=0.5))
    bad = to_sandbox(clean_sandbox, Transport.QUERY)
    bad = dataclasses.replace(bad, url=bad.url.replace(str(clean_sandbox.port), "99999"))
    failures.append(send_error(client, bad))
    kinds = [f.kind for f in failures]
    assert kinds == [
        SendErrorKind.REFUSED,
        SendErrorKind.RESET,
        SendErrorKind.TIMEOUT,
        SendErrorKind.INVALID_URL,
    ]
    for failure in failures:
        assert_key_free(failure)


def test_environment_proxy_never_captures_loopback(
    clean_sandbox: SandboxServer,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    closed_port_url: str,
) -> None:
    dead = closed_port_url
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert client.send(to_sandbox(clean_sandbox)).text == "success"


def test_environment_proxy_is_used_for_remote_hosts(
    client: Client, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    # A refused loopback proxy: the request never leaves the machine. Only this variable:
    # the safety net's (tests/conftest.py) would refuse too and prove nothing.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name.lower(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", closed_port_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = prepare(EVENT, Destination(Region.US), KEY, Transport.QUERY)
    error = send_error(client, request)
    assert error.kind is SendErrorKind.PROXY
    assert_key_free(error)


# -- connections -------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(clean_sandbox: SandboxServer, client: Client) -> None:
    for index in range(40):
        # Cancellable and plain sends share the pool.
        token = CancelToken() if index % 2 else None
        assert client.send(to_sandbox(clean_sandbox), cancel=token).ok
    clients = [r["client"] for r in clean_sandbox.state.requests()]
    assert len(clients) == 40 and len(set(clients)) == 1


def test_threads_share_one_client(clean_sandbox: SandboxServer, client: Client) -> None:
    results: list[Outcome | BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(15):
            try:
                result: Outcome | BaseException = client.send(
                    to_sandbox(clean_sandbox), cancel=CancelToken()
                )
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                result = exc
            with lock:
                results.append(result)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 60
    assert all(isinstance(r, Outcome) and r.text == "success" for r in results), results
    assert len({r["client"] for r in clean_sandbox.state.requests()}) <= 4


# -- TLS ---------------------------------------------------------------------------------


def test_self_signed_certificate_is_rejected(
    tls_server: tuple[str, Path], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    base, _cert = tls_server
    error = send_error(client, to_url(base + "/attribution", Transport.QUERY))
    assert error.kind is SendErrorKind.TLS
    assert str(error).startswith("The TLS certificate of 127.0.0.1 could not be verified: ")
    assert "self" in str(error) and "signed" in str(error)
    assert_key_free(error)


def test_trusted_tls_and_cancel_over_tls(
    tls_server: tuple[str, Path], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, cert = tls_server
    # The user's own CA bundle (corporate TLS inspection) is honoured; verification stays on.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    assert client.send(to_url(base + "/attribution")).text == "success"
    token = CancelToken()
    ready = threading.Event()
    ready.set()
    stamp = cancel_when(token, ready, 0.4)
    timeout = 20.0
    error = send_error(client, to_url(base + "/hang"), timeout=timeout, cancel=token)
    assert error.kind is SendErrorKind.CANCELLED
    assert time.perf_counter() - stamp[0] < timeout / 2  # not the timeout's doing
