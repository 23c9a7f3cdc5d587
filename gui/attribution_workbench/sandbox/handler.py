"""The per-connection HTTP/1.1 handler: body reading, routing, answers and faults."""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import inspection
from .config import ATTRIBUTION, HTTPAPI, MAX_REQUEST_BODY
from .faults import NON_UTF8_BODY, Fault, html_page, phrase, status_body
from .parsing import (
    BodyTooLarge,
    ParseError,
    Target,
    attribution_params,
    query_bytes,
    read_chunked,
    split_target,
)
from .records import RecordedRequest
from .state import SandboxState
from .validation import check_attribution, check_httpapi, payload_too_large

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
_DIGITS = re.compile(r"[0-9]{1,12}")
_QUOTED_LINE = re.compile(r" \((?:'.*'|\".*\")\)$", re.DOTALL)  # http.server's %r of the line


class _BadBody(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AttributionSandbox/1"
    sys_version = ""
    # Bounds an idle keep-alive connection and a client that stalls mid-body.
    timeout = 60
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and the CLI run quietly; /_sandbox/requests is the log

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # The base class answers junk request lines HTTP/0.9-style (no status line) with an
        # HTML page; a short text answer with a real status line serves any client better.
        # Its messages quote the request line, key and all ("Bad request syntax ('POST
        # /attribution?api_key=...')"): the answer leaves the quote out, the record has it.
        self.close_connection = True
        words = _QUOTED_LINE.sub("", message or phrase(code))
        self._record_unparsed(code, words)
        body = f"{code} {words}".encode("latin-1", "replace")
        self._send(code, [("Content-Type", TEXT)], b"" if self.command == "HEAD" else body,
                   length=len(body))

    def parse_request(self) -> bool:
        # A keep-alive connection reuses this object: without this, a request refused while
        # its headers are read would be recorded with the previous request's headers.
        self.__dict__.pop("headers", None)
        return super().parse_request()

    def _record_unparsed(self, code: int, words: str) -> None:
        """Record a request the base class refused before dispatch (a malformed request line,
        say unencoded spaces in the URL), as far as it was read: every request is recorded."""
        raw = getattr(self, "raw_requestline", b"")
        if not raw:
            return  # the client connected and sent nothing
        line = raw.decode("latin-1").rstrip("\r\n")
        method, _, rest = line.partition(" ")
        target_text, _, version = rest.rpartition(" ")
        if not version.startswith("HTTP/"):
            target_text = rest
        target = split_target(target_text or "/")
        if target.inspection:
            return  # the inspection API is not recorded
        headers = getattr(self, "headers", None)
        rec = self._record(
            target, b"", method=method, target_text=target_text,
            headers=list(headers.items()) if headers is not None else [],
        )
        hint = " (spaces in a URL must be sent as %20 or +)" if " " in target_text else ""
        self.server.state.finish(rec, code, note=f"refused before reading: {words}{hint}")

    def handle_expect_100(self) -> bool:
        # Refuse an oversized upload before the client sends it (curl asks first for bodies
        # over 1 MB); recorded, and answered, as the same upload sent without asking would be.
        length = self.headers.get("Content-Length", "").strip()
        if _DIGITS.fullmatch(length) and int(length) > MAX_REQUEST_BODY:
            too_large = f"body over {MAX_REQUEST_BODY} bytes (refused before upload)"
            self._refuse_body(split_target(self.path), _BadBody(413, too_large))
            return False
        return super().handle_expect_100()

    # -- plumbing ----------------------------------------------------------------------

    def _send(self, status: int, headers: Headers, body: bytes, *, length: int | None = None,
              partial: bytes | None = None) -> None:
        """Write status line, headers and body in one send (no Nagle/delayed-ACK stall)."""
        lines = [f"HTTP/1.1 {status} {phrase(status)}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}", *(f"{k}: {v}" for k, v in headers),
                 f"Content-Length: {len(body) if length is None else length}"]
        if self.close_connection:
            lines.append("Connection: close")
        elif getattr(self, "request_version", "") == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + (body if partial is None else partial))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            if self.headers["Transfer-Encoding"].strip().lower() != "chunked":
                raise _BadBody(501, "only chunked transfer-encoding is supported")
            try:
                return read_chunked(self.rfile.readline, self.rfile.read, MAX_REQUEST_BODY)
            except BodyTooLarge as exc:
                raise _BadBody(413, str(exc)) from exc
            except ParseError as exc:
                raise _BadBody(400, str(exc)) from exc
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            return b""
        if len(values) > 1 or not _DIGITS.fullmatch(next(iter(values))):
            raise _BadBody(400, "bad Content-Length")
        length = int(next(iter(values)))
        if length > MAX_REQUEST_BODY:
            raise _BadBody(413, f"body over {MAX_REQUEST_BODY} bytes")
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BadBody(400, "body shorter than Content-Length")
        return body

    # -- dispatch ----------------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            self._dispatch_unguarded()
        except OSError:  # the client went away, or stop() shut the socket
            self.close_connection = True
        except Exception:
            self.close_connection = True
            if self.rfile.closed or self.wfile.closed:
                return  # the connection was already torn down; nobody to tell
            self.server.state.internal_errors.append(traceback.format_exc())
            try:
                self._send(500, [("Content-Type", TEXT)], b"sandbox internal error")
            except (OSError, ValueError):
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _dispatch_unguarded(self) -> None:
        target = split_target(self.path)
        state = self.server.state
        if target.inspection and (
            why := inspection.refusal(
                str(self.client_address[0]), self.headers.get("Origin"), self.headers.get("Host")
            )
        ):
            self.close_connection = True  # its body, if any, is not read
            self._json(403, {"error": why})
            return
        try:
            body = self._read_body()
        except _BadBody as exc:
            self._refuse_body(target, exc)
            return
        if target.inspection:
            status, payload = inspection.handle(state, self.command, target.endpoint,
                                                target.query, body)
            self._json(status, payload)
            return
        rec = self._record(target, body)
        fault = state.take_fault(target.region, target.endpoint)
        if fault is None:
            self._answer(rec, self._process(rec, target, body))
        else:
            state.finish(rec, fault=fault.mode)
            self._apply_fault(fault, rec, target, body)

    def _refuse_body(self, target: Target, refusal: _BadBody) -> None:
        """Answer (and record) a request whose body is not read: too large, malformed. The
        rest of the stream cannot be trusted to start at a request boundary."""
        self.close_connection = True
        if target.inspection:
            self._json(refusal.status, {"error": str(refusal)})
            return
        self.server.state.finish(self._record(target, b""), refusal.status, note=str(refusal))
        if target.endpoint == HTTPAPI and refusal.status == 413:
            self._json(413, payload_too_large())
        else:
            self._send(refusal.status, [("Content-Type", TEXT)], str(refusal).encode())

    def _record(self, target: Target, body: bytes, *, method: str | None = None,
                target_text: str | None = None,
                headers: list[tuple[str, str]] | None = None) -> RecordedRequest:
        """Record this request (``method``, ``target_text``, ``headers``: as far as a request
        refused while being parsed was read; by default the parsed request's)."""
        host, port = self.client_address[:2]
        return self.server.state.record(
            region=target.region, method=self.command if method is None else method,
            target=self.path if target_text is None else target_text, path=target.path,
            endpoint=target.endpoint, query=target.query,
            headers=list(self.headers.items()) if headers is None else headers,
            body=body, client=f"{host}:{port}",
        )

    def _json(self, status: int, payload: Any, headers: Headers | None = None) -> None:
        self._send(status, [("Content-Type", JSON), *(headers or [])],
                   json.dumps(payload).encode("ascii"))

    def _answer(self, rec: RecordedRequest, response: Response) -> None:
        self.server.state.finish(rec, response[0])
        self._send(*response)

    def _process(self, rec: RecordedRequest, target: Target, body: bytes) -> Response:
        """The normal answer; side effects (ingestion, matching) happen here."""
        state = self.server.state
        region = target.region or "us"
        config = state.config()
        if target.endpoint == ATTRIBUTION:
            if self.command not in ("GET", "POST"):
                return (405, [("Content-Type", TEXT), ("Allow", "GET, POST")],
                        b"Method Not Allowed")
            params, note = attribution_params(
                query_bytes(target.query), self.headers.get("Content-Type"), body)
            if note:
                state.finish(rec, note=note)
            verdict = check_attribution(params, state.keys[region], config)
            if verdict.status == 200 and verdict.event is not None and verdict.api_key:
                state.add_attribution(
                    rec.id, region, verdict.api_key, verdict.event, verdict.ad_ids
                )
            # Same media type for success and the bare-word errors, as the form endpoints do.
            content_type = config["attribution_content_type"]
            return (verdict.status, [("Content-Type", content_type)],
                    verdict.text.encode("utf-8"))
        if target.endpoint == HTTPAPI:
            if self.command != "POST":
                return (405, [("Content-Type", JSON), ("Allow", "POST")],
                        json.dumps({"code": 405, "error": "Method not allowed"}).encode())
            result = check_httpapi(body, state.keys[region], config, state.now_ms())
            if result.status == 200 and result.api_key:
                state.add_app_events(region, result.api_key, result.events)
            return (result.status, [("Content-Type", JSON)],
                    json.dumps(result.body).encode("ascii"))
        return (404, [("Content-Type", TEXT)], b"Not Found")

    # -- faults ------------------------------------------------------------------------

    def _apply_fault(self, fault: Fault, rec: RecordedRequest, target: Target,
                     body: bytes) -> None:
        p = fault.params
        stopping = self.server.stopping
        if fault.mode == "delay":
            if stopping.wait(p["seconds"]):
                self.close_connection = True
                return
            self._answer(rec, self._process(rec, target, body))
            return
        if p.get("accept"):
            self._process(rec, target, body)
        if fault.mode == "hang":
            self._hang()
        elif fault.mode == "reset":
            self._reset(p["stage"])
        elif fault.mode == "status":
            content_type, payload = status_body(p["code"], target.endpoint, body)
            headers = [("Content-Type", content_type)]
            if "retry_after" in p:
                headers.append(("Retry-After", str(p["retry_after"])))
            self._answer(rec, (p["code"], headers, payload))
        elif fault.mode == "html":
            self._answer(rec, (p["code"], [("Content-Type", "text/html")], html_page(p["code"])))
        elif fault.mode == "huge":
            self._huge(rec, p["size"])
        elif fault.mode == "non_utf8":
            charset = f"; charset={p['charset']}" if p["charset"] else ""
            self._answer(rec, (200, [("Content-Type", "text/plain" + charset)], NON_UTF8_BODY))
        elif fault.mode == "empty":
            self._answer(rec, (200, [("Content-Type", TEXT)], b""))
        elif fault.mode == "redirect":
            location = p.get("location") or self.path
            self._answer(rec, (p["code"], [("Content-Type", TEXT), ("Location", location)],
                               f"Redirecting to {location}".encode("latin-1", "replace")))

    def _hang(self) -> None:
        """Answer nothing until the client hangs up or the server stops."""
        self.close_connection = True
        sock, stopping = self.connection, self.server.stopping
        while not stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.1)
            if not readable:
                continue
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    return  # client closed
            except OSError:
                return
            stopping.wait(0.1)  # client sent more; keep ignoring it

    def _reset(self, stage: str) -> None:
        """Start a 200 answer, then abort the connection with a TCP RST."""
        self.close_connection = True
        body = b"success " * 16
        if stage == "body":
            self._send(200, [("Content-Type", TEXT)], body, partial=body[: len(body) // 2])
        elif stage == "headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile holds a reference to the socket; the fd only closes (with RST) once both go.
        self.rfile.close()
        self.connection.close()

    def _huge(self, rec: RecordedRequest, size: int) -> None:
        self.server.state.finish(rec, 200)
        chunk = (b"0123456789abcdef" * 4 + b"\n") * 1024  # 65 KiB of text lines
        self._send(200, [("Content-Type", TEXT)], b"", length=size, partial=b"")
        sent = 0
        while sent < size and not self.server.stopping.is_set():
            piece = chunk[: size - sent]
            self.wfile.write(piece)
            sent += len(piece)
        if sent < size:
            self.close_connection = True


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hung handlers

    def __init__(self, listener: socket.socket, state: SandboxState) -> None:
        """Serve on ``listener``, a socket already bound and listening (sandbox.sockets).

        Adopting it also skips HTTPServer.server_bind's reverse-DNS lookup, which can stall.
        """
        self.address_family = listener.family
        self.state = state
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(listener.getsockname()[:2], _Handler, bind_and_activate=False)
        self.socket.close()  # the one TCPServer.__init__ made; never bound
        self.socket = listener
        self.server_address = listener.getsockname()
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def close_connections(self) -> None:
        """Wake every handler blocked on a read: shutdown() only, never close() (fd reuse)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped client connections are routine; anything else is kept for /_sandbox/health
        # instead of being printed per request.
        if not isinstance(sys.exc_info()[1], OSError):
            self.state.internal_errors.append(traceback.format_exc())
