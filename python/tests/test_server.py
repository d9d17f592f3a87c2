"""murr.server.MurrServer: the real HTTP and Flight servers inside this process, reached by
SyncClient, AsyncClient and pyarrow.flight; config errors with murr serve's messages."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import murr
import pyarrow as pa
import pytest
from murr import ColumnSchema, DType, TableSchema
from murr.client import AsyncClient, SyncClient
from murr.server import MurrServer
from pyarrow import flight

SCHEMA = TableSchema(
    key="id",
    columns={
        "id": ColumnSchema(DType.UTF8, nullable=False),
        "x": ColumnSchema(DType.FLOAT32),
    },
)


def _config(workdir: Path, **extra: object) -> dict[str, object]:
    return {
        "server": {
            "http": {"host": "127.0.0.1", "port": 0},
            "grpc": {"host": "127.0.0.1", "port": 0},
        },
        "storage": {"cache_dir": str(workdir / "cache")},
        **extra,
    }


def test_serves_http_and_flight_and_stops(workdir: Path) -> None:
    with MurrServer.start(_config(workdir)) as server:
        assert server.running
        assert server.endpoint == f"http://127.0.0.1:{server.http_port}"
        assert server.flight_endpoint == f"grpc://127.0.0.1:{server.flight_port}"
        assert server.cache_dir == str(workdir / "cache")
        with SyncClient(server.endpoint) as client:
            client.create("t", SCHEMA)
            data = {"id": ["a", "b"], "x": pa.array([1.5, None], pa.float32())}
            assert client.write("t", data) == 2
            assert client.read("t", ["b", "a"], ["x"]).column(0).to_pylist() == [
                None,
                1.5,
            ]

        async def via_async() -> list[object]:
            async with AsyncClient(server.endpoint) as c:
                await c.write("t", {"id": ["c"], "x": pa.array([3.0], pa.float32())})
                return (await c.read("t", ["c", "a"], ["x"])).column(0).to_pylist()

        assert asyncio.run(via_async()) == [3.0, 1.5]

        fc = flight.connect(server.flight_endpoint)
        ticket = flight.Ticket(
            json.dumps({"table": "t", "keys": ["a", "c"], "columns": ["x"]}).encode()
        )
        got = fc.do_get(ticket).read_all()
        assert got.column("x").to_pylist() == [1.5, 3.0]
        fc.close()
    assert not server.running
    server.stop()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.http_port), timeout=1).close()
    # The data stayed in cache_dir: a new server serves it.
    with (
        MurrServer.start(_config(workdir)) as again,
        SyncClient(again.endpoint) as client,
    ):
        assert client.read("t", ["c"], ["x"]).column(0).to_pylist() == [3.0]


def test_config_keys_may_be_dotted(workdir: Path) -> None:
    config = {
        "server.http.host": "127.0.0.1",
        "server.http.port": 0,
        "server.grpc.port": 0,
        "storage.cache_dir": workdir / "dotted",
        "storage": {"durability": "none"},
    }
    with MurrServer.start(config) as server, SyncClient(server.endpoint) as client:
        assert client.list_tables() == {}
    assert (workdir / "dotted" / ".murr-cache").is_file()


def test_config_errors_are_murr_serves(workdir: Path) -> None:
    with pytest.raises(
        murr.InvalidRequestError, match="unknown configuration key 'server.http.bogus'"
    ):
        MurrServer.start({"server": {"http": {"bogus": 1}}})
    with pytest.raises(murr.InvalidRequestError, match="server.http.port"):
        MurrServer.start({"server.http.port": 70000})
    with pytest.raises(TypeError):
        MurrServer.start(["not", "a", "dict"])  # type: ignore[arg-type]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = _config(workdir)
        config["server"]["http"]["port"] = port  # type: ignore[index]
        with pytest.raises(murr.ServerError, match="cannot start the HTTP server"):
            MurrServer.start(config)
    # Nothing kept running after the failure: the cache can be opened again.
    with MurrServer.start(_config(workdir)) as server:
        assert server.running


def test_log_level(workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from murr.server import set_log_level

    try:
        set_log_level("warn")
        with MurrServer.start(_config(workdir)):
            pass
        assert "murr listening on" not in capfd.readouterr().err
        set_log_level("info")
        with MurrServer.start(_config(workdir)):
            pass
        assert "murr listening on" in capfd.readouterr().err
        with pytest.raises(murr.InvalidRequestError, match="unknown log level 'loud'"):
            set_log_level("loud")
    finally:
        set_log_level("info")
