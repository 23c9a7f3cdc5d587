"""The sandbox's listening socket, made in one place for both servers.

``SandboxServer`` (the CLI's, the tests') and ``LazySandboxServer`` (the GUI's) both listen
through this module; the HTTP server always adopts a socket that is already listening.

The GUI binds its port at start-up, long before anything is sent, so ``listen_bare`` makes
that socket with ``_socket``, the C module ``socket.py`` is built on, and imports nothing
else: ``socket.py`` itself loads ``selectors``, ``array`` and builds its enums, about 1 MB of
memory in a window that may never send. ``adopt`` turns it into a ``socket.socket`` (same
file descriptor) when the HTTP server loads. ``_socket`` is CPython's (and PyPy's) module
behind every ``socket.socket``; ``socket.socket`` subclasses ``_socket.socket``.
"""

from __future__ import annotations

import _socket
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

BACKLOG = 128  # connections the kernel queues before the server accepts them
LOOPBACK = "127.0.0.1"


def listen(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: a free port) and listening; OSError if not."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def listen_bare(port: int = 0) -> _socket.socket:
    """A ``_socket.socket`` bound to 127.0.0.1:``port`` and listening; OSError if not.

    Set up as ``socket.create_server`` does for IPv4 (SO_REUSEADDR except on Windows, where
    it would let another process take the port). Not inheritable by child processes, as
    every socket Python makes (PEP 446).
    """
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        if os.name != "nt" and hasattr(_socket, "SO_REUSEADDR"):
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def adopt(bare: _socket.socket) -> socket.socket:
    """``bare``'s file descriptor as a ``socket.socket`` (``bare`` is left detached).

    If that fails, ``bare`` still owns the descriptor (and closing it frees the port).
    """
    import socket

    adopted = socket.socket(fileno=bare.fileno())
    bare.detach()
    return adopted


def socket_pair() -> tuple[_socket.socket, _socket.socket]:
    """Two connected sockets (for waking a thread in ``select``), without ``socket.py``
    where the C module has them (POSIX); Windows has only ``socket.py``'s emulation."""
    make = getattr(_socket, "socketpair", None)
    if make is None:
        import socket

        return socket.socketpair()
    pair: tuple[_socket.socket, _socket.socket] = make()
    return pair


def base_url(address: tuple[str, int]) -> str:
    """``http://host:port`` for a socket's address (IPv6 hosts in brackets)."""
    host, port = address[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
