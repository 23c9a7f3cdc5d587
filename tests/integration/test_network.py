"""Settings > Network against real loopback sockets: a forward proxy, a private CA, a self-signed
server. Nothing here contacts a non-loopback address.

Loopback destinations are never proxied, so the proxy tests use
``NetworkConfig(proxy_loopback=True)`` (documented as test/diagnostic only) to route a send to
the sandbox through the local proxy.

Trust: the OS trust store is reached through ``truststore``, which on Linux asks OpenSSL for
its default verify paths; OpenSSL reads those from ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``. The
tests put a throw-away CA there, i.e. "install it in the OS trust store" for this process only,
and check that the same CA is *not* trusted when the OS trust store is switched off (requests'
bundled certifi list is used then), so the acceptance comes from the mechanism the app uses.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from attribution_workbench.core.client import Client, SendError, SendErrorKind
from attribution_workbench.core.network import NetworkConfig, ProxyMode, proxies_for
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import PreparedRequest, Transport, prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from tls_helper import certificate, loopback_name, serve_cert, serve_tls, write_pem

EVENT = '{"event_type": "[Adjust] Install", "platform": "ios", "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239"}'  # noqa: E501
KEY = DEMO_KEYS["us"]

pytest.importorskip("truststore")
x509 = pytest.importorskip("cryptography.x509")


def to_url(url: str, transport: Transport = Transport.BODY) -> PreparedRequest:
    return prepare(EVENT, Destination(Region.US, Target.CUSTOM, url), KEY, transport)


def to_sandbox(server: SandboxServer) -> PreparedRequest:
    return prepare(EVENT, Destination(Region.US, Target.SANDBOX, server.base_url), KEY)


# --- a forward proxy on loopback --------------------------------------------------------------
class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        server: ForwardProxy = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.startswith("http://"):
            self.send_error(400, "absolute URI expected")
            return
        with server.lock:
            server.seen.append((self.command, self.path, self.headers.get("Proxy-Authorization")))
        target = http.client.urlsplit(self.path)  # type: ignore[attr-defined]
        assert target.hostname in ("127.0.0.1", "localhost", "::1")  # never off the machine
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-authorization"}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


class ForwardProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, str | None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_env_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        for variant in (name, name.lower()):
            monkeypatch.delenv(variant, raising=False)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_manual_proxy_with_credentials(clean_sandbox: SandboxServer, proxy: ForwardProxy) -> None:
    config = NetworkConfig(ProxyMode.MANUAL, proxy.url, proxy_user="alice", proxy_loopback=True)
    with Client(network=config, proxy_password="p@ss:w%rd/#") as client:
        outcome = client.send(to_sandbox(clean_sandbox))
    assert outcome.ok
    assert len(proxy.seen) == 1
    method, url, auth = proxy.seen[0]
    assert method == "POST" and url.startswith(clean_sandbox.base_url)
    expected = base64.b64encode(b"alice:p@ss:w%rd/#").decode()
    assert auth == f"Basic {expected}"
    assert len(clean_sandbox.state.requests()) == 1


def test_loopback_is_never_proxied_without_the_diagnostic_switch(
    clean_sandbox: SandboxServer, proxy: ForwardProxy
) -> None:
    with Client(network=NetworkConfig(ProxyMode.MANUAL, proxy.url)) as client:
        assert client.send(to_sandbox(clean_sandbox)).ok
    assert proxy.seen == []


def test_system_mode_uses_the_environment_and_none_ignores_it(
    clean_sandbox: SandboxServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    system = NetworkConfig(ProxyMode.SYSTEM, proxy_loopback=True)
    with Client(network=system) as client:
        assert client.send(to_sandbox(clean_sandbox)).ok
    assert len(proxy.seen) == 1 and proxy.seen[0][2] is None
    with Client(network=NetworkConfig(ProxyMode.NONE, proxy_loopback=True)) as client:
        assert client.send(to_sandbox(clean_sandbox)).ok
    assert len(proxy.seen) == 1  # not through the proxy this time
    assert len(clean_sandbox.state.requests()) == 2


def test_proxies_for_rules() -> None:
    env = {"https": "http://env-proxy:8080"}
    url = "https://api2.amplitude.com/attribution"
    assert proxies_for(NetworkConfig(), url, None, env) == env
    assert proxies_for(NetworkConfig(ProxyMode.NONE), url, None, env) == {}
    manual = NetworkConfig(ProxyMode.MANUAL, "proxy.corp:3128", proxy_user="bob")
    assert proxies_for(manual, url, "s3cret", env) == {
        "http": "http://bob:s3cret@proxy.corp:3128",
        "https": "http://bob:s3cret@proxy.corp:3128",
    }
    assert proxies_for(manual, "http://127.0.0.1:9/attribution", "x", env) == {}
    assert proxies_for(NetworkConfig(ProxyMode.MANUAL, "ftp://x"), url) == {}


# --- trust -------------------------------------------------------------------------------------
def _ca_and_server(directory: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server-key.pem): a private CA and a 127.0.0.1 cert it issued."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = certificate(
        "Workbench Test Company CA",
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
            (ca_ski, False),
        ],
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(
        "127.0.0.1",
        key,
        [
            (loopback_name(), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False),
        ],
        issuer=(ca.subject, ca_key),
    )
    return (
        write_pem(directory / "ca.pem", ca),
        write_pem(directory / "server.pem", leaf),
        write_pem(directory / "server-key.pem", key),
    )


@pytest.fixture
def company_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on loopback whose certificate a private 'company' CA issued."""
    ca, cert, key = _ca_and_server(tmp_path)
    with serve_cert(cert, key) as url:
        yield url, ca


def test_company_ca_in_the_os_trust_store_is_accepted(
    company_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base, ca = company_server
    # "Installed in the OS trust store" for this process: OpenSSL's default verify paths,
    # which truststore uses on Linux.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "empty"))
    with Client(network=NetworkConfig(use_os_trust_store=True)) as client:
        assert client.trust.context is not None and not client.trust.note
        assert client.send(to_url(base + "/attribution")).text == "success"
    # The bundled list alone does not know the company CA: the OS store made the difference.
    with Client(network=NetworkConfig(use_os_trust_store=False)) as client:
        with pytest.raises(SendError) as info:
            client.send(to_url(base + "/attribution"))
    assert info.value.kind is SendErrorKind.TLS
    assert "operating system's trust store" in str(info.value)


def test_company_ca_named_in_requests_ca_bundle_is_accepted(
    company_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ca = company_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    for trust in (True, False):
        with Client(network=NetworkConfig(use_os_trust_store=trust)) as client:
            assert client.send(to_url(base + "/attribution")).text == "success"


def test_self_signed_is_rejected_with_a_message_that_says_so(tmp_path: Path) -> None:
    with serve_tls(tmp_path) as served:
        if served is None:
            pytest.skip("no way to make a certificate here")
        base, _cert = served
        with Client(network=NetworkConfig(use_os_trust_store=True)) as client:
            with pytest.raises(SendError) as info:
                client.send(to_url(base + "/attribution"))
    message = str(info.value)
    assert info.value.kind is SendErrorKind.TLS
    assert "self-signed" in message
    assert "install its CA certificate in the operating system's trust store" in message
    assert KEY not in message


def test_missing_truststore_falls_back_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from attribution_workbench.core.network import make_trust

    monkeypatch.setitem(sys.modules, "truststore", None)  # import fails
    trust = make_trust(NetworkConfig())
    assert trust.context is None and "truststore" in trust.note
