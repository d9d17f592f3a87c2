"""The types of issue 13 (float16, date32, binary, timestamps, fixed-size lists) against independent
implementations: pyarrow writes Arrow IPC and Parquet (including INT96 timestamps), Murr stores and
serves them, pyarrow and DuckDB read the replies back.

Plain HTTP (http.client) so that the test does not depend on the client package.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
from urllib.parse import urlparse

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import Server

ARROW = "application/vnd.apache.arrow.stream"

SCHEMA = {
    "key": "id",
    "columns": {
        "id": {"dtype": "utf8", "nullable": False},
        "h": {"dtype": "float16"},
        "d": {"dtype": "date32"},
        "b": {"dtype": "binary"},
        "ts": {"dtype": "timestamp_s"},
        "tms": {"dtype": "timestamp_ms", "timezone": "UTC"},
        "tus": {"dtype": "timestamp_us"},
        "tns": {"dtype": "timestamp_ns", "timezone": "Europe/Paris"},
        "e": {"dtype": "float32[4]"},
        "v": {"dtype": "int64[2]"},
    },
}


def request(server: Server, method: str, path: str, body: bytes = b"", headers=None):
    u = urlparse(server.endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def arrow_table() -> pa.Table:
    tms = pa.array(
        [
            dt.datetime(2024, 2, 29, 23, 59, 59, 123000),
            None,
            dt.datetime(1969, 12, 31, 0, 0),
        ],
        pa.timestamp("ms", tz="UTC"),
    )
    return pa.table(
        {
            "id": pa.array(["a", "b", "c"]),
            "h": pa.array(
                np.array([0.1, -65504.0, np.nan], dtype=np.float16), pa.float16()
            ),
            "d": pa.array(
                [dt.date(2024, 1, 31), None, dt.date(1900, 3, 1)], pa.date32()
            ),
            "b": pa.array([b"\x00\xff\x10", b"", None], pa.binary()),
            "ts": pa.array([0, -1, None], pa.timestamp("s")),
            "tms": tms,
            "tus": pa.array([1_700_000_000_123_456, None, -5], pa.timestamp("us")),
            "tns": pa.array(
                [None, 1, -1_000_000_001], pa.timestamp("ns", tz="Europe/Paris")
            ),
            "e": pa.array(
                [[1.5, -0.0, 3.0, 4.0], None, [float("inf"), 2.0, 1e-45, -1.0]],
                pa.list_(pa.float32(), 4),
            ),
            "v": pa.array(
                [[1, -(2**63)], [2**63 - 1, 0], None], pa.list_(pa.int64(), 2)
            ),
        }
    )


def ipc_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue()


def fetch_arrow(server: Server, table: str, keys, columns) -> pa.Table:
    status, body = request(
        server,
        "POST",
        f"/api/v1/table/{table}/fetch",
        json.dumps({"keys": keys, "columns": columns}).encode(),
        {"Accept": ARROW, "Content-Type": "application/json"},
    )
    assert status == 200, body
    return pa.ipc.open_stream(body).read_all()


def fetch_json(server: Server, table: str, keys, columns) -> dict:
    status, body = request(
        server,
        "POST",
        f"/api/v1/table/{table}/fetch",
        json.dumps({"keys": keys, "columns": columns}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body
    return json.loads(body)["columns"]


def create(server: Server, name: str, schema=SCHEMA) -> None:
    status, body = request(
        server, "PUT", f"/api/v1/table/{name}", json.dumps(schema).encode()
    )
    assert status == 201, body


def test_arrow_round_trip_of_every_new_type(server: Server) -> None:
    create(server, "t")
    src = arrow_table()
    status, body = request(
        server, "PUT", "/api/v1/table/t/write", ipc_bytes(src), {"Content-Type": ARROW}
    )
    assert status == 200, body
    cols = [f for f in src.column_names]
    got = fetch_arrow(server, "t", ["c", "zz", "a", "b"], cols)
    # Types map one to one, timezones included.
    assert got.schema.field("h").type == pa.float16()
    assert got.schema.field("tns").type == pa.timestamp("ns", tz="Europe/Paris")
    assert got.schema.field("tms").type == pa.timestamp("ms", tz="UTC")
    assert got.schema.field("e").type == pa.list_(pa.float32(), 4)
    want = src.take([2, 0, 1])
    for name in cols:
        g = got.column(name).combine_chunks()
        assert g[1].as_py() is None, name  # the missing key
        rows = [g[0], g[2], g[3]]
        for r, w in zip(rows, want.column(name).to_pylist()):
            if name == "h" and w is not None and np.isnan(w):
                assert np.isnan(r.as_py())
            else:
                assert r.as_py() == w, (name, r, w)
    # float16 and float32 items keep their bits (NaN, -0.0, subnormal).
    h = np.asarray(got.column("h").combine_chunks().to_numpy(zero_copy_only=False))
    assert h.view(np.uint16)[2] == np.array([0.1], np.float16).view(np.uint16)[0]
    e = got.column("e").combine_chunks()
    assert np.signbit(e[2].as_py()[1])

    # DuckDB reads the reply: FLOAT[4] arrays, TIMESTAMPTZ, DATE, BLOB.
    con = duckdb.connect()
    con.register("r", got.drop_columns(["h"]))  # DuckDB has no half-float type
    row = con.execute(
        "SELECT e[1], list_sum(v), d, b, tms, typeof(e), typeof(tms) FROM r WHERE id = 'a'"
    ).fetchone()
    assert row[0] == 1.5
    assert row[1] == -(2**63) + 1
    assert row[2] == dt.date(2024, 1, 31)
    assert row[3] == b"\x00\xff\x10"
    assert row[4] == dt.datetime(2024, 2, 29, 23, 59, 59, 123000, tzinfo=dt.UTC)
    assert row[5] == "FLOAT[4]"
    assert row[6] == "TIMESTAMP WITH TIME ZONE"


def test_malformed_vectors_are_rejected_clearly(server: Server) -> None:
    create(server, "m")
    for table, words in [
        # A null inside a valid vector (pyarrow allows it; Murr's null is a whole vector).
        (
            pa.table(
                {
                    "id": ["a", "b"],
                    "e": pa.array(
                        [[1.0, None, 3.0, 4.0], None], pa.list_(pa.float32(), 4)
                    ),
                }
            ),
            "row 0 holds a null item inside a valid vector",
        ),
        # The right Arrow type class, the wrong size.
        (
            pa.table(
                {"id": ["a"], "e": pa.array([[1.0, 2.0]], pa.list_(pa.float32(), 2))}
            ),
            "float32[2] in the batch but float32[4]",
        ),
    ]:
        status, reply = request(
            server,
            "PUT",
            "/api/v1/table/m/write",
            ipc_bytes(table),
            {"Content-Type": ARROW},
        )
        assert status == 400, reply
        assert words in json.loads(reply)["error"], reply


def test_json_forms(server: Server) -> None:
    create(server, "j")
    body = {
        "columns": {
            "id": ["x", "y"],
            "h": [0.1, "Infinity"],
            "d": ["2024-02-29", -1],
            "b": ["AP8Q", None],
            "ts": ["1970-01-01T00:00:01Z", 2],
            "tms": ["2024-02-29T23:59:59.123+01:00", None],
            "tus": ["1969-12-31 23:59:59.999999", 7],
            "tns": [None, "2262-04-11T23:47:16.854775807Z"],
            "e": [[1, 2.5, -0.0, "NaN"], None],
            "v": [[1, -2], [3, 4]],
        }
    }
    status, reply = request(
        server,
        "PUT",
        "/api/v1/table/j/write",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, reply
    cols = list(body["columns"].keys())
    got = fetch_json(server, "j", ["x", "y"], cols)
    assert got["h"] == [0.1, "Infinity"]
    assert got["d"] == ["2024-02-29", "1969-12-31"]
    assert got["b"] == ["AP8Q", None]
    assert got["ts"] == ["1970-01-01T00:00:01", "1970-01-01T00:00:02"]
    assert got["tms"] == ["2024-02-29T22:59:59.123Z", None]
    assert got["tus"] == ["1969-12-31T23:59:59.999999", "1970-01-01T00:00:00.000007"]
    assert got["tns"] == [None, "2262-04-11T23:47:16.854775807Z"]
    assert got["e"] == [[1.0, 2.5, -0.0, "NaN"], None]
    assert got["v"] == [[1, -2], [3, 4]]
    # The same values read by pyarrow through the Arrow reply.
    arrow = fetch_arrow(server, "j", ["x"], ["tms", "d", "b", "e"])
    assert arrow.column("tms")[0].as_py() == dt.datetime(
        2024, 2, 29, 22, 59, 59, 123000, tzinfo=dt.UTC
    )
    assert arrow.column("b")[0].as_py() == b"\x00\xff\x10"

    # Wrong shapes get a clear 400, never a crash.
    for column, value, words in [
        ("e", [[1, 2, 3]], "has 3 values, expected 4"),
        ("e", [[1, 2, 3, 4, 5]], "more than 4"),
        ("e", [[1, None, 3, 4]], "is null"),
        ("d", ["2023-02-29"], "date"),
        ("tms", ["2024-01-01T00:00:00.0001"], "finer than"),
        ("b", ["AP8"], "base64"),
        ("tns", ["2262-04-11T23:47:16.854775808Z"], "outside the range"),
    ]:
        status, reply = request(
            server,
            "PUT",
            "/api/v1/table/j/write",
            json.dumps({"columns": {"id": ["z"], column: value}}).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 400, (column, value, reply)
        assert words in json.loads(reply)["error"], reply


def test_parquet_from_pyarrow_including_int96(server: Server) -> None:
    schema = {
        "key": "id",
        "columns": {
            "id": {"dtype": "utf8", "nullable": False},
            "h": {"dtype": "float16"},
            "d": {"dtype": "date32"},
            "b": {"dtype": "binary"},
            "tms": {"dtype": "timestamp_ms", "timezone": "UTC"},
            "tus": {"dtype": "timestamp_us"},
            "tns": {"dtype": "timestamp_ns", "timezone": "UTC"},
        },
    }
    create(server, "p", schema)
    src = arrow_table().select(["id", "h", "d", "b", "tms", "tus", "tns"])
    src = src.set_column(6, "tns", src.column("tns").cast(pa.timestamp("ns", tz="UTC")))
    sink = io.BytesIO()
    pq.write_table(src, sink, store_schema=False)
    put = {"Content-Type": "application/vnd.apache.parquet"}
    status, reply = request(
        server, "PUT", "/api/v1/table/p/write", sink.getvalue(), put
    )
    assert status == 200, reply
    got = fetch_arrow(
        server, "p", ["a", "b", "c"], ["tns", "d", "b", "h", "tms", "tus"]
    )
    for name in ["tns", "d", "b", "tms", "tus"]:
        assert got.column(name).to_pylist() == src.column(name).to_pylist(), name
    h = got.column("h").to_numpy(zero_copy_only=False)
    want = src.column("h").to_numpy(zero_copy_only=False)
    assert h.view(np.uint16).tolist() == want.view(np.uint16).tolist()

    # INT96 (legacy Impala/Spark) timestamps become timestamp_ns instants.
    one = pa.table(
        {"id": ["q", "r"], "tns": pa.array([1, None], pa.timestamp("ns", tz="UTC"))}
    )
    sink = io.BytesIO()
    pq.write_table(one, sink, use_deprecated_int96_timestamps=True, store_schema=False)
    assert "int96" in str(pq.ParquetFile(io.BytesIO(sink.getvalue())).schema).lower()
    status, reply = request(
        server, "PUT", "/api/v1/table/p/write", sink.getvalue(), put
    )
    assert status == 200, reply
    got = fetch_arrow(server, "p", ["r", "q"], ["tns"])
    assert got.column("tns").to_pylist() == [None, one.column("tns")[0].as_py()]
    assert got.column("tns").combine_chunks().cast(pa.int64()).to_pylist() == [None, 1]


def test_duckdb_parquet_timestamps_dates_blobs(server: Server, workdir) -> None:
    schema = {
        "key": "id",
        "columns": {
            "id": {"dtype": "utf8", "nullable": False},
            "t": {"dtype": "timestamp_us"},
            "tz": {"dtype": "timestamp_us", "timezone": "UTC"},
            "d": {"dtype": "date32"},
            "b": {"dtype": "binary"},
        },
    }
    create(server, "dk", schema)
    path = workdir / "duck.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 'k' || i::VARCHAR AS id, TIMESTAMP '2024-01-02 03:04:05.678901' "
        "+ INTERVAL (i) SECOND AS t, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, "
        "DATE '2000-02-29' + i::INTEGER AS d, '\\xAA\\x00'::BLOB AS b FROM range(3) r(i)) "
        f"TO '{path}' (FORMAT PARQUET)"
    )
    status, reply = request(
        server,
        "PUT",
        "/api/v1/table/dk/write",
        path.read_bytes(),
        {"Content-Type": "application/vnd.apache.parquet"},
    )
    assert status == 200, reply
    got = fetch_json(server, "dk", ["k2", "k0"], ["t", "tz", "d", "b"])
    assert got["t"] == ["2024-01-02T03:04:07.678901", "2024-01-02T03:04:05.678901"]
    assert got["tz"] == ["2024-01-02T03:04:05.000000Z"] * 2
    assert got["d"] == ["2000-03-02", "2000-02-29"]
    assert got["b"] == ["qgA=", "qgA="]


def test_flight_put_get_schema_of_every_new_type(server: Server) -> None:
    import re

    import pyarrow.flight as fl

    m = re.search(r"Arrow Flight listening on grpc://[\d.]+:(\d+)", server.log())
    assert m, server.log()
    client = fl.connect(f"grpc://127.0.0.1:{m.group(1)}")
    create(server, "f")
    src = arrow_table()
    writer, reader = client.do_put(fl.FlightDescriptor.for_path("f"), src.schema)
    writer.write_table(src)
    writer.done_writing()
    assert json.loads(reader.read().to_pybytes()) == {"rows": 3}
    writer.close()
    schema = client.get_schema(fl.FlightDescriptor.for_path("f")).schema
    assert schema.field("e").type == pa.list_(pa.float32(), 4)
    assert schema.field("tns").type == pa.timestamp("ns", tz="Europe/Paris")
    assert schema.field("h").type == pa.float16()
    ticket = fl.Ticket(
        json.dumps({"table": "f", "keys": ["c", "a"], "columns": ["e", "b", "d"]})
    )
    got = client.do_get(ticket).read_all()
    assert got.column("e").to_pylist() == [
        src.column("e")[2].as_py(),
        src.column("e")[0].as_py(),
    ]
    assert got.column("b").to_pylist() == [None, b"\x00\xff\x10"]
    assert got.column("d").to_pylist() == [dt.date(1900, 3, 1), dt.date(2024, 1, 31)]
    client.close()
