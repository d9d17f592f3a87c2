"""The real Murr server (HTTP and Arrow Flight) running inside this Python process.

:class:`MurrServer` starts the same servers as ``murr serve``, from a dict with the keys of the
YAML configuration file (docs/api.md); port 0 picks a free port::

    from murr.server import MurrServer
    from murr.client import SyncClient

    config = {"server": {"http": {"port": 0}, "grpc": {"port": 0}},
              "storage": {"cache_dir": "/tmp/murr"}}
    with MurrServer.start(config) as server, SyncClient(server.endpoint) as client:
        print(client.list_tables())

The servers run on their own threads, not holding the GIL; the process keeps serving until
:meth:`MurrServer.stop` (or the end of the ``with`` block).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from murr._config import config_text
from murr.local import _native

__all__ = ["MurrServer", "set_log_level"]


class MurrServer:
    """A running Murr server in this process. Make one with :meth:`start`."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._host = native.host
        self._http_port = native.http_port
        self._flight_port = native.flight_port
        self._tls = native.tls
        self._cache_dir = native.cache_dir

    @classmethod
    def start(cls, config: Mapping[str, Any] | None = None) -> MurrServer:
        """Starts the HTTP and Flight servers on ``config`` and returns once both listen.

        ``config`` has the YAML file's keys, nested or dotted (``"server.http.port": 0``);
        ``MURR_*`` environment variables do not apply. A bad key or value raises
        :class:`murr.InvalidRequestError` with the same message as ``murr serve``; a port in
        use or a cache directory that cannot be opened raises :class:`murr.ServerError`.
        """
        return cls(_native().Server(config_text(config)))

    def _connect_host(self) -> str:
        # A wildcard listen address is reached through loopback.
        if self._host in ("0.0.0.0", "", "::"):
            return "127.0.0.1"
        return self._host

    @property
    def endpoint(self) -> str:
        """The HTTP endpoint, e.g. ``http://127.0.0.1:8080`` (for ``SyncClient``)."""
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{self._connect_host()}:{self._http_port}"

    @property
    def flight_endpoint(self) -> str:
        """The Arrow Flight location, e.g. ``grpc://127.0.0.1:8081`` (for ``pyarrow.flight``)."""
        scheme = "grpc+tls" if self._tls else "grpc"
        return f"{scheme}://{self._connect_host()}:{self._flight_port}"

    @property
    def http_port(self) -> int:
        """The HTTP port actually bound."""
        return self._http_port

    @property
    def flight_port(self) -> int:
        """The Arrow Flight port actually bound."""
        return self._flight_port

    @property
    def cache_dir(self) -> str:
        """The directory of the tables (resolved as ``murr serve`` does when not configured)."""
        return self._cache_dir

    @property
    def running(self) -> bool:
        """Whether the server still serves."""
        return self._native.running

    def stop(self) -> None:
        """Stops accepting, lets requests in flight finish, closes the cache; idempotent."""
        self._native.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"MurrServer({self.endpoint}, flight {self.flight_endpoint}, {state})"


def set_log_level(level: str) -> None:
    """The level of the engine's and servers' log on stderr in this process: ``"trace"``,
    ``"debug"``, ``"info"`` (the default), ``"warn"``, ``"error"``, ``"critical"`` or ``"off"``."""
    _native().set_log_level(level)
