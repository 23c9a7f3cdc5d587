"""Cancellable connections under requests: the plumbing behind ``client.CancelToken``.

A thread blocked in ``connect()`` or ``recv()`` cannot be interrupted by setting a flag,
and closing its socket from another thread is unreliable (the fd may already be reused).
``shutdown()`` is the reliable way: the blocked call returns at once (EOF or ECONNRESET).

How a send becomes cancellable:
- ``cancel_scope(token)`` puts a scope for this send in a thread-local; requests and urllib3
  run the whole exchange on the calling thread, so our pool and connection classes find it.
- When the pool hands out a connected (kept-alive) connection, and when a new connection
  creates its socket (before ``connect()``), the scope registers a *duplicate descriptor* of
  that socket. A dup refers to the same kernel socket, so shutting it down interrupts the
  connect, the TLS handshake (during which the original Python socket object is already
  detached into an SSLSocket) and every read, and it stays valid even when urllib3 drops
  its own reference while the body is still being read.
- When the connection goes back to the pool, the scope forgets (and closes) its dup, under
  the token's lock, so a late ``cancel()`` can never shut down a connection another send is
  using. The scope closes whatever is left when the send ends.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.connection import allowed_gai_family


class CancelToken:
    """Cancels the sends it is passed to; thread-safe. Once cancelled it stays cancelled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._scopes: set[_Scope] = set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            for scope in self._scopes:
                for switch in scope.switches.values():
                    _shutdown(switch)


class _Scope:
    """The sockets one send is using, each as a dup that can be shut down."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self.switches: dict[object, socket.socket] = {}

    def bind(self, owner: object, sock: object) -> None:
        # An SSLSocket is a socket.socket; urllib3's TLS-in-TLS SSLTransport wraps one.
        raw = sock if isinstance(sock, socket.socket) else getattr(sock, "socket", None)
        if not isinstance(raw, socket.socket):
            return
        try:
            switch = socket.fromfd(raw.fileno(), raw.family, raw.type, raw.proto)
        except OSError:
            return  # the socket is already closed; nothing to interrupt
        with self.token._lock:
            old = self.switches.pop(owner, None)
            self.switches[owner] = switch
            if self.token._cancelled:
                _shutdown(switch)
        if old is not None:
            old.close()

    def unbind(self, owner: object) -> None:
        with self.token._lock:
            switch = self.switches.pop(owner, None)
        if switch is not None:
            switch.close()

    def close(self) -> None:
        with self.token._lock:
            self.token._scopes.discard(self)
            switches, self.switches = list(self.switches.values()), {}
        for switch in switches:
            switch.close()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or not connected yet: either way it no longer blocks anyone


_local = threading.local()


def current_scope() -> _Scope | None:
    scope: _Scope | None = getattr(_local, "scope", None)
    return scope


@contextmanager
def cancel_scope(token: CancelToken | None) -> Iterator[None]:
    if token is None:
        yield
        return
    scope = _Scope(token)
    with token._lock:
        token._scopes.add(scope)
    previous = current_scope()
    _local.scope = scope
    try:
        yield
    finally:
        _local.scope = previous
        scope.close()


def _connect(conn: HTTPConnection, scope: _Scope) -> socket.socket:
    """urllib3's create_connection, with the scope told about each socket before it
    connects (same exceptions as urllib3 raises, so the error mapping stays the same)."""
    host = conn._dns_host.strip("[]")
    try:
        host.encode("idna")
    except UnicodeError:
        raise LocationParseError(f"'{host}', label empty or too long") from None
    try:
        infos = socket.getaddrinfo(host, conn.port, allowed_gai_family(), socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            timeout: Any = conn.timeout
            if timeout is None or isinstance(timeout, (int, float)):
                sock.settimeout(timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            scope.bind(conn, sock)
            sock.connect(address)
        except OSError as exc:
            error = exc
            sock.close()
            if scope.token.cancelled:
                break
            continue
        sys.audit("http.client.connect", conn, conn.host, conn.port)
        return sock
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        scope = current_scope()
        return super()._new_conn() if scope is None else _connect(self, scope)


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        scope = current_scope()
        return super()._new_conn() if scope is None else _connect(self, scope)


def _get_conn(conn: Any) -> None:
    scope = current_scope()
    sock = getattr(conn, "sock", None)
    if scope is not None and sock is not None:
        scope.bind(conn, sock)


def _put_conn(conn: Any) -> None:
    scope = current_scope()
    if scope is not None and conn is not None:
        scope.unbind(conn)


class _CancellablePoolMixin:
    """Registers a pooled connection with the active send while it is checked out."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        _get_conn(conn)
        return conn

    def _put_conn(self, conn: Any) -> None:
        _put_conn(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_CancellablePoolMixin, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(_CancellablePoolMixin, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}


class CancellableAdapter(HTTPAdapter):
    """requests' adapter with the pool classes above, direct and through an HTTP proxy.

    ``ssl_context`` (e.g. truststore's OS trust store) verifies every HTTPS connection,
    direct or tunnelled; None keeps urllib3's default context with requests' CA bundle.
    """

    def __init__(self, *, ssl_context: Any = None, **kwargs: Any) -> None:
        # Set before super().__init__, which builds the pool manager.
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        if self._ssl_context is not None:
            pool_kwargs.setdefault("ssl_context", self._ssl_context)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if self._ssl_context is not None:
            proxy_kwargs.setdefault("ssl_context", self._ssl_context)
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own classes
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager
