"""The sandbox's listening socket, made in one place for both servers.

``SandboxServer`` (the CLI's, the tests') and ``LazySandboxServer`` (the GUI's) both listen
through ``listen``; the HTTP server always adopts a socket that is already listening. Only
``socket`` is imported: the GUI binds its port before it loads any HTTP code.
"""

from __future__ import annotations

import socket

BACKLOG = 128  # connections the kernel queues before the server accepts them


def listen(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: a free port) and listening; OSError if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def base_url(address: tuple[str, int]) -> str:
    """``http://host:port`` for a socket's address (IPv6 hosts in brackets)."""
    host, port = address[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
