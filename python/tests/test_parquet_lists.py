"""Parquet LIST columns from independent writers, through `PUT .../write` and back as Arrow.

pyarrow writes each list layout (3-level compliant or the legacy `item` naming, data page v1 and
v2, dictionary on and off, nullable and required lists and items, fixed_size_list and list, many
pages and row groups); DuckDB writes FLOAT[n] and BIGINT[]. The table declares fixed-size lists,
so every list must hold exactly n items; the values read back must equal what was written.
"""

from __future__ import annotations

import io
import itertools
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from test_types_interop import create, fetch_arrow, request

from conftest import Server

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}
ROWS = 300


def vectors(n: int, nullable_rows: bool) -> list:
    out = []
    for r in range(ROWS):
        if nullable_rows and r % 7 == 3:
            out.append(None)
        else:
            # Few distinct values, so that dictionary encoding is used when enabled.
            out.append([float((r * 3 + k) % 11) - 0.5 for k in range(n)])
    return out


def parquet_bytes(table: pa.Table, **options) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


LAYOUTS = list(
    itertools.product(
        [True, False],  # use_compliant_nested_type
        ["1.0", "2.0"],  # data_page_version
        [True, False],  # use_dictionary
        [True, False],  # list nullable
        [True, False],  # item nullable
        ["fixed", "list"],  # Arrow type written
    )
)


def test_pyarrow_list_layouts_into_a_fixed_size_list(server: Server) -> None:
    n = 4
    create(
        server,
        "pl",
        {
            "key": "id",
            "columns": {
                "id": {"dtype": "utf8", "nullable": False},
                "e": {"dtype": f"float32[{n}]"},
            },
        },
    )
    keys = [f"k{r}" for r in range(ROWS)]
    for i, (
        compliant,
        page_version,
        dictionary,
        list_null,
        item_null,
        kind,
    ) in enumerate(LAYOUTS):
        item = pa.field("element", pa.float32(), nullable=item_null)
        arrow_type = pa.list_(item, n) if kind == "fixed" else pa.list_(item)
        values = vectors(n, list_null)
        schema = pa.schema(
            [
                pa.field("id", pa.string(), nullable=False),
                pa.field("e", arrow_type, nullable=list_null),
            ]
        )
        # Keys differ per layout so that each write is checked on its own rows.
        ids = [f"{k}_{i}" for k in keys]
        src = pa.table({"id": ids, "e": pa.array(values, arrow_type)}, schema=schema)
        data = parquet_bytes(
            src,
            use_compliant_nested_type=compliant,
            data_page_version=page_version,
            use_dictionary=dictionary,
            data_page_size=512,  # several pages per chunk
            row_group_size=128,  # several row groups
            store_schema=i % 2 == 0,
        )
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        assert meta.num_row_groups == 3
        layout = (
            f"layout {i}: compliant={compliant} v{page_version} dict={dictionary} "
            + (f"list_null={list_null} item_null={item_null} {kind}")
        )
        status, reply = request(server, "PUT", "/api/v1/table/pl/write", data, PARQUET)
        assert status == 200, (layout, reply)
        assert json.loads(reply) == {"rows": ROWS}, layout
        got = fetch_arrow(server, "pl", ids, ["e"])
        assert got.schema.field("e").type == pa.list_(pa.field("item", pa.float32()), n)
        assert got.column("e").to_pylist() == values, layout


def ragged(nullable_rows: bool, nullable_items: bool) -> list:
    out = []
    for r in range(ROWS):
        if nullable_rows and r % 7 == 3:
            out.append(None)
            continue
        row = [r * 10 + k for k in range(r % 5)]  # lengths 0..4, empty lists included
        if nullable_items and r % 3 == 1 and row:
            row[0] = None
        out.append(row)
    return out


def test_pyarrow_list_layouts_into_a_variable_length_list(server: Server) -> None:
    create(
        server,
        "vl",
        {
            "key": "id",
            "columns": {
                "id": {"dtype": "utf8", "nullable": False},
                "v": {"dtype": "int64[]"},
            },
        },
    )
    for i, (compliant, page_version, dictionary, list_null, item_null, _) in enumerate(
        LAYOUTS[::2]
    ):
        item = pa.field("element", pa.int64(), nullable=item_null)
        values = ragged(list_null, item_null)
        schema = pa.schema(
            [
                pa.field("id", pa.string(), nullable=False),
                pa.field("v", pa.list_(item), nullable=list_null),
            ]
        )
        ids = [f"r{r}_{i}" for r in range(ROWS)]
        src = pa.table(
            {"id": ids, "v": pa.array(values, schema.field("v").type)}, schema=schema
        )
        data = parquet_bytes(
            src,
            use_compliant_nested_type=compliant,
            data_page_version=page_version,
            use_dictionary=dictionary,
            data_page_size=256,
            row_group_size=100,
        )
        layout = (
            f"layout {i}: compliant={compliant} v{page_version} dict={dictionary} "
            + (f"list_null={list_null} item_null={item_null}")
        )
        status, reply = request(server, "PUT", "/api/v1/table/vl/write", data, PARQUET)
        assert status == 200, (layout, reply)
        got = fetch_arrow(server, "vl", ids[::-1], ["v"])
        assert got.column("v").to_pylist() == values[::-1], layout


def test_wrong_lengths_and_null_items_are_refused_naming_the_row(
    server: Server,
) -> None:
    create(
        server,
        "bad",
        {
            "key": "id",
            "columns": {
                "id": {"dtype": "utf8", "nullable": False},
                "e": {"dtype": "float32[3]"},
            },
        },
    )
    cases = [
        ([[1, 2, 3], [1, 2], [1, 2, 3]], "row 1 holds a list of 2 items"),
        ([[1, 2, 3], [1, 2, 3], []], "row 2 holds a list of 0 items"),
        ([[1, None, 3]], "row 0 has a null item (item 1)"),
    ]
    for lists, words in cases:
        src = pa.table(
            {
                "id": [f"x{r}" for r in range(len(lists))],
                "e": pa.array(lists, pa.list_(pa.float32())),
            }
        )
        status, reply = request(
            server, "PUT", "/api/v1/table/bad/write", parquet_bytes(src), PARQUET
        )
        assert status == 400, reply
        assert words in json.loads(reply)["error"], reply
        assert "'e' (float32[3])" in json.loads(reply)["error"], reply
    # Lists of lists are a clear error too.
    nested = pa.table(
        {"id": ["a"], "e": pa.array([[[1.0]]], pa.list_(pa.list_(pa.float32())))}
    )
    status, reply = request(
        server, "PUT", "/api/v1/table/bad/write", parquet_bytes(nested), PARQUET
    )
    assert status == 400 or status == 501, reply
    assert "nested list" in json.loads(reply)["error"], reply


@pytest.mark.parametrize("n", [768])
def test_duckdb_float_array_and_bigint_list(server: Server, workdir, n: int) -> None:
    create(
        server,
        "dk",
        {
            "key": "id",
            "columns": {
                "id": {"dtype": "utf8", "nullable": False},
                "emb": {"dtype": f"float32[{n}]"},
                "ids": {"dtype": "int64[3]"},
                "var": {"dtype": "int64[]"},
            },
        },
    )
    path = workdir / "lists.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT 'k' || i::VARCHAR AS id, "
        f"CASE WHEN i % 5 = 4 THEN NULL ELSE list_transform(range({n}), "
        f"lambda x: (x * 0.25 + i)::FLOAT)::FLOAT[{n}] END AS emb, "
        "[i, -i, i * 1000000000000]::BIGINT[] AS ids, "
        "CASE WHEN i % 6 = 5 THEN NULL ELSE range(i % 4)::BIGINT[] END AS var "
        "FROM range(50) r(i)"
    )
    con.execute(f"COPY t TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 16)")
    want = {
        row[0]: (row[1], row[2], row[3])
        for row in con.execute("SELECT id, emb, ids, var FROM t").fetchall()
    }
    status, reply = request(
        server, "PUT", "/api/v1/table/dk/write", path.read_bytes(), PARQUET
    )
    assert status == 200, reply
    keys = [f"k{i}" for i in (49, 0, 4, 17, 11, 8)]
    got = fetch_arrow(server, "dk", keys, ["emb", "ids", "var"])
    emb = got.column("emb").to_pylist()
    ids = got.column("ids").to_pylist()
    var = got.column("var").to_pylist()
    for k, e, v, x in zip(keys, emb, ids, var):
        want_e, want_v, want_x = want[k]
        assert e == (None if want_e is None else list(want_e)), k
        assert v == list(want_v), k
        assert x == want_x, k

    # A BIGINT[] of varying lengths does not fit int64[3]: a clear error naming the row.
    con.execute(
        f"COPY (SELECT 'v' || i::VARCHAR AS id, range(i)::BIGINT[] AS ids FROM range(5) r(i)) "
        f"TO '{workdir / 'var.parquet'}' (FORMAT PARQUET)"
    )
    status, reply = request(
        server,
        "PUT",
        "/api/v1/table/dk/write",
        (workdir / "var.parquet").read_bytes(),
        PARQUET,
    )
    assert status == 400, reply
    assert (
        "'ids' (int64[3]) row 0 holds a list of 0 items" in json.loads(reply)["error"]
    )
