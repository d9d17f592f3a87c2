"""The faces of Murr that the round-trip tests run against, as a registry.

A face is a context manager that yields an object with SyncClient's methods (create, write,
write_parquet, read, read_numpy, list_tables, get_schema, status, drop) over an empty Murr.
Each factory takes the test's pytest ``request``, so that it can ask for the fixtures it needs
(``request.getfixturevalue("server")`` for a `murr serve`, ``"workdir"`` for a folder).
Adding a face is one more ``@face("name")`` factory here; every test that takes the ``face``
fixture then runs against it too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from murr import LocalMurr
from murr.client import AsyncClient, SyncClient
from murr.server import MurrServer

FaceFactory = Callable[[pytest.FixtureRequest], contextlib.AbstractContextManager[Any]]
FACES: dict[str, FaceFactory] = {}

# The faces that talk to a server over the network (they have bearer tokens, TLS, connection
# errors); a face not named here is in process.
NETWORK_FACES: set[str] = set()


def face(name: str, network: bool = False) -> Callable[[Any], FaceFactory]:
    def register(fn: Any) -> FaceFactory:
        factory = contextlib.contextmanager(fn)
        FACES[name] = factory
        if network:
            NETWORK_FACES.add(name)
        return factory

    return register


class AsyncAsSync:
    """An AsyncClient whose coroutines run to completion on a private event loop, so that the
    same test body drives it and SyncClient."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(method(*args, **kwargs))

        return call

    def close(self) -> None:
        self._loop.run_until_complete(self._client.close())
        self._loop.close()


@face("sync", network=True)
def sync_client(request: pytest.FixtureRequest) -> Iterator[SyncClient]:
    server = request.getfixturevalue("server")
    with SyncClient(server.endpoint) as client:
        yield client


@face("async", network=True)
def async_client(request: pytest.FixtureRequest) -> Iterator[AsyncAsSync]:
    server = request.getfixturevalue("server")
    client = AsyncAsSync(AsyncClient(server.endpoint))
    try:
        yield client
    finally:
        client.close()


@face("local")
def local_engine(request: pytest.FixtureRequest) -> Iterator[LocalMurr]:
    workdir = request.getfixturevalue("workdir")
    with LocalMurr(workdir / "local") as db:
        yield db


@face("embedded", network=True)
def embedded_server(request: pytest.FixtureRequest) -> Iterator[SyncClient]:
    """SyncClient against MurrServer: the real servers inside this process."""
    workdir = request.getfixturevalue("workdir")
    config = {
        "server": {
            "http": {"host": "127.0.0.1", "port": 0},
            "grpc": {"host": "127.0.0.1", "port": 0},
        },
        "storage": {"cache_dir": str(workdir / "embedded")},
    }
    with MurrServer.start(config) as server, SyncClient(server.endpoint) as client:
        yield client
