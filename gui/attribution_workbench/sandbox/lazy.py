"""The GUI's sandbox: its port is taken at once, its HTTP server loads on the first connection.

The GUI starts its sandbox on every first start, but many sessions never send to it. The
HTTP server (``http.server`` and with it ``email``, ``http.client`` and ``ssl``) costs about
12 MB of memory and 30 ms of imports, so ``LazySandboxServer`` only listens
(``sockets.listen``: the kernel queues connections) and a small thread waits for the socket
to become readable. The first connection, or any use of ``server``, loads the real
``SandboxServer`` on that same socket, which then accepts the queued connection. To a client
the only difference is that the first request waits for those imports. If loading fails,
the socket is closed at once, so clients get "connection refused" rather than a hang.

It serves the demo keys (``DEMO_KEYS``): it is the GUI's built-in sandbox. Imports nothing
beyond ``_socket``, ``select`` and ``threading`` until then (not even ``socket.py``: see
``sockets``).
"""

from __future__ import annotations

import _socket
import select
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .config import DEMO_KEYS
from .sockets import adopt, base_url, listen_bare, socket_pair

if TYPE_CHECKING:
    from .server import SandboxServer


class LazySandboxServer:
    """``SandboxServer``'s lifecycle (start, stop, base_url) with a deferred HTTP server."""

    def __init__(self) -> None:
        self._listener: _socket.socket = listen_bare()
        self._address: tuple[str, int] = self._listener.getsockname()[:2]  # kept after stop
        self._server: SandboxServer | None = None
        self._stopped = False
        self._lock = threading.Lock()
        # Written to by stop(): wakes the waiting thread at once instead of after a poll.
        self._wake_read, self._wake_write = socket_pair()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return base_url(self._address)

    @property
    def port(self) -> int:
        return int(self._address[1])

    @property
    def keys(self) -> Mapping[str, str]:
        """The demo key of each region (what the GUI fills in for the sandbox target)."""
        return DEMO_KEYS

    @property
    def loaded(self) -> bool:
        """True once the real server runs (a connection came, or ``server`` was used)."""
        return self._server is not None

    def start(self) -> LazySandboxServer:
        with self._lock:
            if self._thread is not None or self._stopped:
                raise RuntimeError("this LazySandboxServer is already running or was stopped")
            self._thread = threading.Thread(
                target=self._wait_for_first_connection,
                name=f"sandbox-{self.port}-waiting",
                daemon=True,
            )
        self._thread.start()
        return self

    @property
    def server(self) -> SandboxServer:
        """The real server (started now if no connection has come yet)."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("this sandbox was stopped")
            if self._server is None:
                try:
                    from .server import SandboxServer

                    # The same descriptor as a socket.socket (the HTTP server needs one); the
                    # waiting thread's select() keeps watching it.
                    self._listener = adopt(self._listener)
                    self._server = SandboxServer(listener=self._listener).start()
                except BaseException:
                    # Nothing will ever accept: refuse connections instead of queueing them.
                    # shutdown() first: a close() alone leaves the socket listening while
                    # the waiting thread is still inside select() on it.
                    self._stopped = True
                    try:
                        self._listener.shutdown(_socket.SHUT_RDWR)
                    except OSError:
                        pass
                    self._listener.close()
                    raise
            return self._server

    def _wait_for_first_connection(self) -> None:
        try:
            readable, _, _ = select.select([self._listener, self._wake_read], [], [])
        except (OSError, ValueError):  # closed under us by stop()
            return
        if self._listener in readable and not self._stopped:
            try:
                self.server  # noqa: B018  (loads it; its thread accepts the queued connection)
            except RuntimeError:  # stop() came first
                pass

    def stop(self) -> None:
        """Stop serving and free the port; idempotent."""
        with self._lock:
            if self._wake_write.fileno() == -1:  # stopped before
                return
            self._stopped = True
            server = self._server
        self._wake_write.send(b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
        if server is not None:
            server.stop()  # closes the listener too
        else:
            self._listener.close()  # no-op if a failed load closed it already
        with self._lock:
            self._wake_read.close()
            self._wake_write.close()
