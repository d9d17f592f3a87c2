"""murr.client.SyncClient against the real `murr serve`: every call, data from pyarrow, pandas,
Polars and dicts, nulls, NaN, unicode and missing keys, duplicates, last write wins, read_numpy,
every error class with its builtin base, bearer tokens and TLS."""

from __future__ import annotations

import math
import ssl
import subprocess
import threading

import murr
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from murr.client import ColumnSchema, DType, SyncClient, TableSchema

from conftest import Server

SCHEMA = TableSchema(
    key="id",
    columns={
        "id": ColumnSchema(DType.UTF8, nullable=False),
        "score": ColumnSchema(DType.FLOAT32),
        "age": ColumnSchema(DType.INT32),
        "name": ColumnSchema(DType.UTF8),
    },
)


def test_round_trip_from_every_kind_of_input(server: Server) -> None:
    with SyncClient(server.endpoint) as client:
        client.create("users", SCHEMA)
        assert client.list_tables() == {"users": SCHEMA}
        assert client.get_schema("users") == SCHEMA
        # pyarrow, with a null, NaN and a unicode key.
        t = pa.table(
            {
                "id": ["ä-1", "b", "c"],
                "score": pa.array([0.5, None, math.nan], pa.float32()),
                "age": pa.array([1, 2, None], pa.int32()),
                "name": ["x", None, "ż"],
            }
        )
        assert client.write("users", t) == 3
        # pandas, Polars and a dict, each replacing one row (last write wins).
        assert (
            client.write(
                "users",
                pd.DataFrame(
                    {
                        "id": ["b"],
                        "score": np.array([2.5], np.float32),
                        "age": np.array([20], np.int32),
                    }
                ),
            )
            == 1
        )
        assert (
            client.write(
                "users",
                pl.DataFrame(
                    {
                        "id": ["d"],
                        "score": pl.Series([4.0], dtype=pl.Float32),
                        "name": ["pl"],
                    }
                ),
            )
            == 1
        )
        assert (
            client.write("users", {"id": ["e"], "score": pa.array([5.0], pa.float32())})
            == 1
        )
        batch = client.read(
            "users",
            ["c", "missing", "ä-1", "b", "ä-1", "d", "e"],
            ["name", "score", "age"],
        )
        assert isinstance(batch, pa.RecordBatch)
        assert batch.schema.names == ["name", "score", "age"]
        assert batch.schema.field("score").type == pa.float32()
        assert batch.column(0).to_pylist() == ["ż", None, "x", None, "x", "pl", None]
        scores = batch.column(1).to_pylist()
        assert math.isnan(scores[0]) and scores[1:] == [None, 0.5, 2.5, 0.5, 4.0, 5.0]
        assert batch.column(2).to_pylist() == [None, None, 1, 20, 1, None, None]
        # One call: a background merge may change segments and bytes between two.
        status = client.status("users")
        assert {k: status[k] for k in ("table", "state", "rows")} == {
            "table": "users",
            "state": "serving",
            "rows": 5,
        }
        assert status["segments"] >= 1 and status["bytes"] > 0
        client.drop("users")
        assert client.list_tables() == {}


def test_read_numpy_is_a_c_contiguous_matrix_with_the_fill_value(
    server: Server,
) -> None:
    with SyncClient(server.endpoint) as client:
        schema = TableSchema(
            "id",
            {
                "id": ColumnSchema("utf8", False),
                "a": ColumnSchema("float32"),
                "b": ColumnSchema("float32"),
            },
        )
        client.create("f", schema)
        client.write(
            "f",
            {
                "id": ["k1", "k2"],
                "a": pa.array([1.0, 2.0], pa.float32()),
                "b": pa.array([None, 4.0], pa.float32()),
            },
        )
        m = client.read_numpy("f", ["k2", "zz", "k1"], ["b", "a"], fill_value=-1.0)
        assert m.shape == (3, 2) and m.flags["C_CONTIGUOUS"] and m.dtype == np.float32
        assert m.tolist() == [[4.0, 2.0], [-1.0, -1.0], [-1.0, 1.0]]


def test_errors_keep_the_server_message_and_derive_from_builtins(
    server: Server,
) -> None:
    with SyncClient(server.endpoint) as client:
        with pytest.raises(FileNotFoundError) as e:
            client.get_schema("nope")
        assert (
            isinstance(e.value, murr.TableNotFoundError)
            and str(e.value) == "table 'nope' not found"
            and e.value.status == 404
        )
        client.create("t", SCHEMA)
        with pytest.raises(ValueError) as e:
            client.create("t", SCHEMA)
        assert (
            isinstance(e.value, murr.TableExistsError)
            and str(e.value) == "table 't' already exists"
        )
        with pytest.raises(ValueError) as e:
            client.read("t", ["a"], ["nope"])
        assert (
            isinstance(e.value, murr.InvalidRequestError)
            and str(e.value) == "unknown column 'nope' in table 't'"
        )
        with pytest.raises(ValueError) as e:
            client.write("t", {"id": ["a"], "score": pa.array([1.0], pa.float64())})
        assert "column 'score' is float64 in the batch but float32 in table 't'" in str(
            e.value
        )
        with pytest.raises(TypeError):
            client.write("t", 42)
    with pytest.raises(ConnectionError) as e:
        SyncClient("http://127.0.0.1:1", timeout=2).list_tables()
    assert type(e.value) is murr.MurrConnectionError and e.value.status is None
    assert str(e.value) == (
        "GET http://127.0.0.1:1/api/v1/table: [Errno 111] Connection refused"
    )


def test_schemas_are_validated_with_the_servers_rules() -> None:
    with pytest.raises(ValueError, match="key column 'x' is not among the columns"):
        TableSchema("x", {"id": ColumnSchema(DType.UTF8, False)})
    with pytest.raises(ValueError, match="must be utf8, int64 or uint64, not int32"):
        TableSchema("id", {"id": ColumnSchema(DType.INT32, False)})
    for dtype in (DType.INT64, DType.UINT64):
        assert TableSchema("id", {"id": ColumnSchema(dtype, False)}).key == "id"
    with pytest.raises(ValueError, match='must be declared "nullable": false'):
        TableSchema("id", {"id": ColumnSchema(DType.UTF8)})
    with pytest.raises(ValueError, match="unknown dtype 'float128'"):
        ColumnSchema("float128")
    arrow = pa.schema([pa.field("id", pa.utf8()), pa.field("v", pa.float32())])
    assert TableSchema.from_arrow(arrow, key="id") == TableSchema(
        "id", {"id": ColumnSchema(DType.UTF8, False), "v": ColumnSchema(DType.FLOAT32)}
    )
    assert TableSchema.from_arrow(arrow, key="id").to_arrow() == pa.schema(
        [pa.field("id", pa.utf8(), nullable=False), pa.field("v", pa.float32())]
    )


def test_many_threads_share_one_client(server: Server) -> None:
    with SyncClient(server.endpoint) as client:
        client.create("t", SCHEMA)
        client.write(
            "t",
            {
                "id": [f"k{i}" for i in range(100)],
                "age": pa.array(range(100), pa.int32()),
            },
        )
        errors: list[BaseException] = []

        def reader(seed: int) -> None:
            try:
                for i in range(50):
                    k = (seed * 7 + i) % 100
                    assert client.read("t", [f"k{k}"], ["age"]).column(
                        0
                    ).to_pylist() == [k]
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=reader, args=(s,)) for s in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


READ_TOKEN = "py-read-token-0123456789"
WRITE_TOKEN = "py-write-token-0123456789"


def test_bearer_tokens(workdir) -> None:
    server = Server(
        workdir, f"auth:\n  tokens: read:{READ_TOKEN},write:{WRITE_TOKEN}\n"
    )
    try:
        with pytest.raises(PermissionError) as e:
            SyncClient(server.endpoint).list_tables()
        assert type(e.value) is murr.AuthenticationError and e.value.status == 401
        assert str(e.value) == (
            "missing or invalid bearer token: send the header 'Authorization: Bearer <token>' "
            "with a token from auth.tokens or auth.tokens_file"
        )
        writer = SyncClient(server.endpoint, token=WRITE_TOKEN)
        writer.create("t", SCHEMA)
        writer.write("t", {"id": ["a"], "age": pa.array([7], pa.int32())})
        reader = SyncClient(server.endpoint, token=READ_TOKEN)
        assert reader.read("t", ["a"], ["age"]).column(0).to_pylist() == [7]
        with pytest.raises(PermissionError) as e:
            reader.drop("t")
        assert type(e.value) is murr.PermissionDeniedError and e.value.status == 403
        assert str(e.value) == (
            "this token has the read scope only; writes, create and drop need a write token"
        )
    finally:
        assert server.stop() == 0


def test_tls_with_a_private_ca(workdir) -> None:
    script = (
        "set -e; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=py-ca;"
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1;"
        "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf;"
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf"
    )
    subprocess.run(["sh", "-c", script], cwd=workdir, check=True, capture_output=True)
    server = Server(
        workdir,
        env={
            "MURR_SERVER_TLS_CERT_FILE": str(workdir / "server.pem"),
            "MURR_SERVER_TLS_KEY_FILE": str(workdir / "server.key"),
        },
    )
    try:
        assert server.endpoint.startswith("https://")
        client = SyncClient(
            server.endpoint,
            ssl_context=ssl.create_default_context(cafile=str(workdir / "ca.pem")),
        )
        client.create("t", SCHEMA)
        assert client.list_tables() == {"t": SCHEMA}
        with pytest.raises(ConnectionError):
            SyncClient(
                server.endpoint, timeout=5
            ).list_tables()  # the system store does not trust the CA
    finally:
        assert server.stop() == 0


def test_async_client_does_what_the_sync_client_does(server: Server) -> None:
    import asyncio

    from murr.client import AsyncClient

    async def scenario() -> None:
        async with AsyncClient(server.endpoint) as client:
            await client.create("a", SCHEMA)
            assert await client.list_tables() == {"a": SCHEMA}
            assert (
                await client.write(
                    "a",
                    pa.table(
                        {"id": ["x", "y"], "score": pa.array([1.5, None], pa.float32())}
                    ),
                )
                == 2
            )
            assert (
                await client.write(
                    "a", pd.DataFrame({"id": ["y"], "age": np.array([9], np.int32)})
                )
                == 1
            )
            # Concurrent reads, each on its own pooled connection.
            batches = await asyncio.gather(
                *[
                    client.read("a", ["y", "nope", "x"], ["score", "age"])
                    for _ in range(16)
                ]
            )
            for b in batches:
                assert b.column(0).to_pylist() == [None, None, 1.5]
                assert b.column(1).to_pylist() == [9, None, None]
            m = await client.read_numpy("a", ["x"], ["score"], fill_value=0.0)
            assert m.tolist() == [[1.5]]
            assert (await client.status("a"))["rows"] == 2
            with pytest.raises(FileNotFoundError) as e:
                await client.get_schema("nope")
            assert (
                isinstance(e.value, murr.TableNotFoundError)
                and str(e.value) == "table 'nope' not found"
            )
            with pytest.raises(ValueError, match="unknown column 'zz' in table 'a'"):
                await client.read("a", ["x"], ["zz"])
            await client.drop("a")
            assert await client.list_tables() == {}
        with pytest.raises(ConnectionError):
            await AsyncClient("http://127.0.0.1:1", timeout=2).list_tables()

    asyncio.run(scenario())


def test_async_client_takes_a_token(workdir) -> None:
    import asyncio

    from murr.client import AsyncClient

    server = Server(workdir, f"auth:\n  tokens: write:{WRITE_TOKEN}\n")

    async def scenario() -> None:
        with pytest.raises(PermissionError):
            await AsyncClient(server.endpoint).list_tables()
        async with AsyncClient(server.endpoint, token=WRITE_TOKEN) as client:
            await client.create("t", SCHEMA)
            assert list(await client.list_tables()) == ["t"]

    try:
        asyncio.run(scenario())
    finally:
        assert server.stop() == 0


def test_server_errors_quarantine_and_busy(workdir) -> None:
    import asyncio

    from murr.client import AsyncClient

    server = Server(workdir)
    with SyncClient(server.endpoint) as client:
        client.create("q", SCHEMA)
        client.write("q", {"id": ["a"], "age": pa.array([1], pa.int32())})
    assert server.stop() == 0
    (segment,) = (workdir / "cache" / "q").glob("*.seg")
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    server = Server(
        workdir,
        env={
            "MURR_SERVER_HTTP_WORK_THREADS": "1",
            "MURR_SERVER_HTTP_MAX_QUEUED_WORK": "1",
        },
    )
    try:
        with SyncClient(server.endpoint) as client:
            assert client.status("q")["state"] == "quarantined"
            with pytest.raises(RuntimeError) as e:
                client.read("q", ["a"], ["age"])
            assert type(e.value) is murr.ServerError and e.value.status == 503
            assert str(e.value).startswith("table 'q' is quarantined: ")
            client.create("w", SCHEMA)
        # One work thread and a queue of one: of many writes at once, some are refused.
        big = pa.table(
            {
                "id": [f"k{i}" for i in range(200_000)],
                "age": pa.array(range(200_000), pa.int32()),
            }
        )

        async def burst() -> list:
            async with AsyncClient(server.endpoint) as client:
                return await asyncio.gather(
                    *[client.write("w", big) for _ in range(8)], return_exceptions=True
                )

        outcomes = asyncio.run(burst())
        busy = [o for o in outcomes if isinstance(o, BaseException)]
        assert busy and all(type(o) is murr.ServerBusyError for o in busy), outcomes
        assert isinstance(busy[0], RuntimeError) and busy[0].status == 503
        assert str(busy[0]) == (
            "the server is busy: 1 slow requests are already queued "
            "(server.http.max_queued_work); retry later"
        )
        assert 200_000 in outcomes  # the first write went through
    finally:
        assert server.stop() == 0


def test_a_server_that_does_not_answer_times_out() -> None:
    import asyncio
    import socket

    from murr.client import AsyncClient

    with socket.socket() as silent:  # accepts (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(ConnectionError) as e:
            SyncClient(endpoint, timeout=0.2).list_tables()
        assert type(e.value) is murr.MurrConnectionError
        assert str(e.value) == f"GET {endpoint}/api/v1/table: timed out"
        with pytest.raises(ConnectionError) as e:
            asyncio.run(AsyncClient(endpoint, timeout=0.2).list_tables())
        assert str(e.value) == f"GET {endpoint}/api/v1/table: TimeoutError"
