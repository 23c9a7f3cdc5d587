"""The public server object: lifecycle (thread or blocking), helpers for tests and demos."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from .config import normalize_keys
from .handler import SandboxHTTPServer
from .sockets import base_url, listen
from .state import SandboxState


class SandboxServer:
    """A local stand-in for Amplitude's /attribution and /2/httpapi, with an inspection API."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 keys: Mapping[str, Iterable[str] | str] | None = None, *,
                 listener: socket.socket | None = None) -> None:
        """Listen on ``host``:``port``, or on ``listener`` (bound and listening already)."""
        self.state = SandboxState(normalize_keys(keys))
        self._httpd = SandboxHTTPServer(listener or listen(host, port), self.state)
        self._thread: threading.Thread | None = None
        self._serving = False
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return base_url((self.host, self.port))  # still known after stop()

    def _claim(self) -> None:
        with self._lock:
            if self._serving or self._stopped:
                raise RuntimeError("this SandboxServer is already running or was stopped")
            self._serving = True

    def start(self) -> SandboxServer:
        self._claim()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() or Ctrl+C (which returns normally)."""
        self._claim()
        try:
            self._httpd.serve_forever(poll_interval=0.1)
        except KeyboardInterrupt:
            pass
        finally:
            self._serving = False
            self.stop()

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            serving, self._serving = self._serving, False
        self._httpd.stopping.set()
        if serving and threading.current_thread() is not self._thread:
            self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)

    def advance_clock(self, ms: int) -> None:
        self.state.advance_clock(ms)

    def add_fault(self, mode: str, *, count: int = 1, path: str | None = None,
                  region: str | None = None, **params: Any) -> None:
        self.state.add_fault(mode, count, path, region, **params)

    def configure(self, **values: Any) -> dict[str, Any]:
        """Switch config values (see DEFAULT_CONFIG); returns the whole config."""
        return self.state.update_config(values)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def reset(self) -> None:
        self.state.reset()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
