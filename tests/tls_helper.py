"""A local HTTPS server with a throw-away self-signed certificate, for TLS tests.

``serve_tls(directory)`` is a context manager yielding ``(base_url, cert_path)``; it yields
None when neither the cryptography package nor openssl is there to make a certificate. The
server answers any POST with 200 "success" (text/html, like /attribution) and never answers
a path containing "hang" until it stops. ``serve_cert`` serves a certificate made elsewhere,
e.g. with ``certificate`` (the one builder of the tests' certificates: self-signed here, a
private CA and its leaf in tests/integration/test_network.py).
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec


def certificate(
    common_name: str,
    key: ec.EllipticCurvePrivateKey,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None = None,
) -> x509.Certificate:
    """A certificate for ``key`` named CN=``common_name``, valid from five minutes ago for a
    day, with ``extensions`` ((extension, critical) pairs), signed by ``issuer`` (its name and
    key) or, without one, self-signed. Needs the cryptography package."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, signing_key = issuer if issuer is not None else (name, key)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def loopback_name() -> x509.SubjectAlternativeName:
    """subjectAltName IP:127.0.0.1, what a client checks the loopback server's name against."""
    from cryptography import x509

    return x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])


def write_pem(path: Path, obj: x509.Certificate | ec.EllipticCurvePrivateKey) -> Path:
    """``obj`` (a certificate, or a private key as unencrypted PKCS#8) as PEM in ``path``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if isinstance(obj, x509.Certificate):
        path.write_bytes(obj.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(
            obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path


def _self_signed(directory: Path) -> tuple[Path, Path] | None:
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        if not shutil.which("openssl"):
            return None
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(private.public_key())
    built = certificate(
        "127.0.0.1",
        private,
        [
            (loopback_name(), False),
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (ski, False),
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False),
        ],
    )
    return write_pem(cert, built), write_pem(key, private)


class _TLSHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "hang" in self.path:
            self.server.release.wait(10)  # type: ignore[attr-defined]
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client rejecting our certificate is the point of the test


@contextmanager
def serve_cert(cert: Path, key: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 presenting ``cert``; yields its base URL."""
    server = _TLSServer(("127.0.0.1", 0), _TLSHandler)
    server.release = threading.Event()  # type: ignore[attr-defined]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.release.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@contextmanager
def serve_tls(directory: Path) -> Iterator[tuple[str, Path] | None]:
    """A self-signed HTTPS server (None when no certificate tool is available)."""
    pair = _self_signed(directory)
    if pair is None:
        yield None
        return
    cert, key = pair
    with serve_cert(cert, key) as url:
        yield url, cert
