"""Round trips through every face of Murr (tests/faces.py: SyncClient and AsyncClient against
`murr serve` today): every dtype of murr.DType with nulls, NaN and extremes; unicode, missing and
duplicated keys; last write wins; every kind of write input (pyarrow, pandas, Polars, dicts of
lists and NumPy arrays, DuckDB, the PyCapsule interface, Parquet files), each call one atomic
write; read_numpy; every error with its class, builtin base and message."""

from __future__ import annotations

import math
import struct

import duckdb
import murr
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from murr import ColumnSchema, DType, TableSchema

KEYS = ["a", "ключ", "鍵-🔑", "z" * 200, "e\u0301"]


def samples(dtype: DType) -> list:
    """Values of `dtype` worth a round trip (extremes, NaN, -0.0, empty strings), null last."""
    t = dtype.to_arrow()
    if pa.types.is_integer(t):
        info = np.iinfo(t.to_pandas_dtype())
        return [int(info.min), int(info.max), 0, None]
    if pa.types.is_floating(t):
        info = np.finfo(t.to_pandas_dtype())
        return [math.nan, -0.0, float(info.max), -math.inf, None]
    if pa.types.is_boolean(t):
        return [True, False, True, None]
    if pa.types.is_string(t):
        return ["", "plain", "ünï-😀\u0000x", None]
    if pa.types.is_binary(t):
        return [b"", b"\x00\xff\x80 bytes", bytes(range(256)), None]
    if pa.types.is_date32(t):
        return pa.array([0, -1, 20_000, None], pa.int32()).cast(t).to_pylist()
    if pa.types.is_timestamp(t):
        # 1970, just before it, and 2023-11-14 in the unit (nanoseconds: pandas Timestamps).
        per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[t.unit]
        raw = [0, -1, 1_700_000_000 * per_second + 123, None]
        return pa.array(raw, pa.int64()).cast(t).to_pylist()
    # A dtype added later: integers cast to it (dates, times, timestamps, durations, ...).
    try:
        return pa.array([0, 1, 1 << 40, None], pa.int64()).cast(t).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        pytest.fail(
            f"no sample values for dtype {dtype.value}: add them to samples() ({e})"
        )


def same(a: object, b: object) -> bool:
    """Equality with NaN equal to NaN and floats compared bit for bit (so -0.0 != 0.0)."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a == b and type(a) is type(b)


def one_column_table(face: object, name: str, dtype: DType, nullable=True) -> None:
    face.create(
        name,
        TableSchema(
            "id",
            {"id": ColumnSchema(DType.UTF8, False), "v": ColumnSchema(dtype, nullable)},
        ),
    )


@pytest.mark.parametrize("dtype", list(DType), ids=lambda d: d.value)
def test_every_dtype_round_trips(face: object, dtype: DType) -> None:
    values = samples(dtype)
    keys = KEYS[: len(values)]
    one_column_table(face, "t", dtype)
    data = pa.table(
        {"id": keys, "v": pa.array(values, dtype.to_arrow())},
        schema=TableSchema(
            "id", {"id": ColumnSchema(DType.UTF8, False), "v": ColumnSchema(dtype)}
        ).to_arrow(),
    )
    assert face.write("t", data) == len(keys)
    asked = [*reversed(keys), "missing", keys[0], keys[0]]
    batch = face.read("t", asked, ["v", "id"])
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema.field("v").type == dtype.to_arrow()
    expected = [*reversed(values), None, values[0], values[0]]
    got = batch.column(0).to_pylist()
    assert len(got) == len(expected)
    assert all(same(g, e) for g, e in zip(got, expected, strict=True)), (got, expected)
    assert batch.column(1).to_pylist() == [*reversed(keys), None, keys[0], keys[0]]
    # Last write wins: the second write of keys[0] replaces its row, the others stay.
    rewrite = pa.table(
        {"id": [keys[0]], "v": pa.array([values[1]], dtype.to_arrow())},
        schema=data.schema,
    )
    assert face.write("t", rewrite) == 1
    got = face.read("t", keys[:2], ["v"]).column(0).to_pylist()
    assert same(got[0], values[1]) and same(got[1], values[1])


def test_float_bits_survive(face: object) -> None:
    bits = np.array(
        [0x7FC00001, 0xFFC00000, 0x80000000, 0x00000001, 0x7F800000], np.uint32
    )
    values = bits.view(np.float32)
    one_column_table(face, "f", DType.FLOAT32)
    keys = [f"k{i}" for i in range(len(values))]
    face.write("f", {"id": keys, "v": values})
    got = face.read("f", keys, ["v"]).column(0).to_numpy()
    assert got.view(np.uint32).tolist() == bits.tolist()


SCHEMA = TableSchema(
    "id",
    {
        "id": ColumnSchema(DType.UTF8, False),
        "score": ColumnSchema(DType.FLOAT32),
        "age": ColumnSchema(DType.INT32),
        "name": ColumnSchema(DType.UTF8),
        "flag": ColumnSchema(DType.BOOL),
    },
)
CANON = pa.table(
    {
        "id": ["a", "ключ", "鍵-🔑", "d"],
        "score": pa.array([0.5, None, -1.5, 3.0], pa.float32()),
        "age": pa.array([1, 2, None, -4], pa.int32()),
        "name": ["x", None, "日本語", ""],
        "flag": [True, False, None, True],
    },
    schema=SCHEMA.to_arrow(),
)


class CapsuleStream:
    """Only the Arrow PyCapsule stream interface, as a third-party library would offer it."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


class CapsuleArray:
    """Only the PyCapsule array interface (a struct array of the columns)."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self._batch = batch

    def __arrow_c_array__(self, requested_schema: object = None) -> object:
        return self._batch.__arrow_c_array__(requested_schema)


def duckdb_result() -> object:
    con = duckdb.connect()
    con.register("canon", CANON)
    return con.sql("SELECT id, score, age, name, flag FROM canon")


SOURCES = {
    "pyarrow-table-chunked": lambda: pa.Table.from_batches(CANON.to_batches(2)),
    "pyarrow-record-batch": lambda: CANON.combine_chunks().to_batches()[0],
    "pyarrow-reader": lambda: pa.RecordBatchReader.from_batches(
        CANON.schema, CANON.to_batches(1)
    ),
    "pandas": lambda: CANON.to_pandas(types_mapper=pd.ArrowDtype),
    "polars": lambda: pl.from_arrow(CANON),
    "dict-of-lists": lambda: CANON.to_pydict(),
    "duckdb": duckdb_result,
    "capsule-stream": lambda: CapsuleStream(CANON),
    "capsule-array": lambda: CapsuleArray(CANON.combine_chunks().to_batches()[0]),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_kind_of_write_input(face: object, source: str) -> None:
    face.create("t", SCHEMA)
    assert face.write("t", SOURCES[source]()) == CANON.num_rows
    asked = ["d", "missing", "鍵-🔑", "a", "a", "ключ"]
    batch = face.read("t", asked, ["flag", "name", "age", "score"])
    rows = {r["id"]: r for r in CANON.to_pylist()}
    for column in ["flag", "name", "age", "score"]:
        assert batch.column(column).to_pylist() == [
            rows[k][column] if k in rows else None for k in asked
        ], column


def test_dicts_of_numpy_arrays_keep_their_types(face: object) -> None:
    face.create("t", SCHEMA)
    data = {
        "id": np.array(["n1", "n2", "ñ3"]),
        "score": np.array([np.nan, 1.25, -0.0], np.float32),
        "age": np.array([7, -8, 2**31 - 1], np.int32),
        "flag": np.array([True, False, True]),
    }
    assert face.write("t", data) == 3
    batch = face.read("t", ["ñ3", "n1", "n2"], ["score", "age", "flag", "name"])
    score = batch.column(0).to_numpy()
    assert score.view(np.uint32).tolist() == [
        0x80000000,
        np.float32(np.nan).view(np.uint32),
        0x3FA00000,
    ]
    assert batch.column(1).to_pylist() == [2**31 - 1, 7, -8]
    assert batch.column(2).to_pylist() == [True, True, False]
    assert batch.column(3).to_pylist() == [None, None, None]
    with pytest.raises(
        ValueError
    ) as e:  # int64 is not the table's int32: types are strict
        face.write("t", {"id": np.array(["x"]), "age": np.array([1], np.int64)})
    assert isinstance(e.value, murr.InvalidRequestError)
    assert "column 'age' is int64 in the batch but int32 in table 't'" in str(e.value)


def test_lists_take_the_tables_types(face: object) -> None:
    face.create("t", SCHEMA)
    assert face.write("t", {"id": ["l"], "age": [5], "score": [0.25]}) == 1
    assert face.read("t", ["l"], ["age", "score"]).to_pylist() == [
        {"age": 5, "score": 0.25}
    ]
    with pytest.raises(ValueError) as e:
        face.write("t", {"id": ["l"], "age": [2**40]})
    assert isinstance(e.value, murr.InvalidRequestError)
    assert str(e.value).startswith("column 'age' does not fit int32: ")


def test_pandas_nan_is_null(face: object) -> None:
    face.create("t", SCHEMA)
    df = pd.DataFrame({"id": ["p"], "score": np.array([np.nan], np.float32)})
    face.write("t", df)
    assert face.read("t", ["p"], ["score"]).column(0).to_pylist() == [None]


def test_parquet_files(face: object, workdir) -> None:
    face.create("t", SCHEMA)
    path = workdir / "canon.parquet"
    pq.write_table(CANON, path, row_group_size=2)
    assert face.write_parquet("t", path) == CANON.num_rows
    assert face.read("t", ["ключ", "d"], ["age", "name"]).to_pylist() == [
        {"age": 2, "name": None},
        {"age": -4, "name": ""},
    ]
    (workdir / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError) as e:
        face.write_parquet("t", workdir / "bad.parquet")
    assert isinstance(e.value, murr.InvalidRequestError)
    assert "invalid Parquet file" in str(e.value)


def test_one_call_is_one_atomic_write(face: object) -> None:
    face.create("t", SCHEMA)
    good = pa.table({"id": ["a", "b"], "age": pa.array([1, 2], pa.int32())})
    bad = pa.table(
        {"id": pa.array(["c", None], pa.utf8()), "age": pa.array([3, 4], pa.int32())}
    )
    reader = pa.RecordBatchReader.from_batches(
        good.schema, [*good.to_batches(), *good.to_batches(), *bad.to_batches()]
    )
    with pytest.raises(ValueError) as e:
        face.write("t", reader)
    assert str(e.value) == "column 'id' is not nullable but row 1 is null"
    assert face.status("t")["rows"] == 0
    assert face.read("t", ["a"], ["age"]).column(0).to_pylist() == [None]
    batches = [
        pa.record_batch({"id": [f"k{i}"], "age": pa.array([i], pa.int32())})
        for i in range(5)
    ]
    assert (
        face.write("t", pa.RecordBatchReader.from_batches(batches[0].schema, batches))
        == 5
    )
    status = face.status("t")
    assert status["rows"] == 5 and status["segments"] == 1


def test_read_numpy(face: object) -> None:
    schema = TableSchema(
        "id",
        {
            "id": ColumnSchema(DType.UTF8, False),
            "a": ColumnSchema(DType.FLOAT32),
            "b": ColumnSchema(DType.FLOAT32),
            "i": ColumnSchema(DType.INT64),
            "s": ColumnSchema(DType.UTF8),
        },
    )
    face.create("m", schema)
    face.write(
        "m",
        {
            "id": ["k1", "k2"],
            "a": pa.array([1.5, math.nan], pa.float32()),
            "b": pa.array([None, 4.0], pa.float32()),
            "i": pa.array([2**53, -3], pa.int64()),
            "s": ["x", "y"],
        },
    )
    m = face.read_numpy("m", ["k2", "zz", "k1", "k2"], ["b", "a"], fill_value=-1.0)
    assert isinstance(m, np.ndarray) and m.shape == (4, 2) and m.dtype == np.float32
    assert m.flags["C_CONTIGUOUS"] and m.flags["OWNDATA"] and m.flags["WRITEABLE"]
    assert m[:, 0].tolist() == [4.0, -1.0, -1.0, 4.0]
    assert math.isnan(m[0, 1]) and m[1:3, 1].tolist() == [-1.0, 1.5]
    # The default fill is NaN; the matrix is the memory a model (torch.from_numpy) would share.
    d = face.read_numpy("m", ["zz"], ["a", "b"])
    assert np.isnan(d).all()
    assert np.shares_memory(m, np.asarray(memoryview(m))) and np.shares_memory(
        m, m[:, 1]
    )
    # An int64 column makes the matrix float64; its type, not its values, decides.
    w = face.read_numpy("m", ["k1", "k2"], ["i", "a"])
    assert w.dtype == np.float64 and w.tolist()[0] == [2.0**53, 1.5]
    assert face.read_numpy("m", [], ["a"]).shape == (0, 1)
    with pytest.raises(ValueError) as e:
        face.read_numpy("m", ["k1"], ["a", "s"])
    assert isinstance(e.value, murr.InvalidRequestError)
    assert str(e.value) == "read_numpy takes numeric and bool columns; 's' is string"


def error(excinfo: pytest.ExceptionInfo, cls: type, base: type, message: str) -> None:
    assert type(excinfo.value) is cls and isinstance(excinfo.value, base)
    assert isinstance(excinfo.value, murr.MurrError)
    assert str(excinfo.value) == message


def test_errors_have_their_class_base_and_message(face: object) -> None:
    for call in [
        lambda: face.get_schema("nope"),
        lambda: face.status("nope"),
        lambda: face.read("nope", ["a"], ["score"]),
        lambda: face.write("nope", CANON),
        lambda: face.drop("nope"),
    ]:
        with pytest.raises(FileNotFoundError) as e:
            call()
        error(e, murr.TableNotFoundError, FileNotFoundError, "table 'nope' not found")
    face.create("t", SCHEMA)
    with pytest.raises(ValueError) as e:
        face.create("t", SCHEMA)
    error(e, murr.TableExistsError, ValueError, "table 't' already exists")
    invalid = [
        (
            lambda: face.create("bad name!", SCHEMA),
            "invalid table name: only A-Z a-z 0-9 _ . - are allowed",
        ),
        (
            lambda: face.read("t", ["a"], ["nope"]),
            "unknown column 'nope' in table 't'",
        ),
        (
            lambda: face.read("t", ["a"], ["age", "age"]),
            "invalid fetch request: column 'age' is requested twice",
        ),
        (
            lambda: face.write("t", pa.table({"id": ["a"], "zz": [1]})),
            "unknown column 'zz' (table 't' has columns id, score, age, name, flag)",
        ),
        (
            lambda: face.write("t", pa.table({"id": pa.array(["a", None])})),
            "column 'id' is not nullable but row 1 is null",
        ),
    ]
    for call, message in invalid:
        with pytest.raises(ValueError) as e:
            call()
        error(e, murr.InvalidRequestError, ValueError, message)
    with pytest.raises(TypeError) as e:
        face.write("t", 42)
    assert str(e.value).startswith("cannot write a int: pass a pyarrow Table")
    face.drop("t")
    assert face.list_tables() == {}


def test_keys_that_json_must_escape(face: object) -> None:
    keys = ['q"uote', "back\\slash", "tab\tnew\nline", "ctl\x01\x1f", "😀", '","']
    one_column_table(face, "e", DType.INT64)
    face.write("e", pa.table({"id": keys, "v": pa.array(range(6), pa.int64())}))
    asked = [*reversed(keys), "q", "back"]
    assert (
        face.read("e", asked, ["v", "id"]).to_pylist()
        == [{"v": 5 - i, "id": k} for i, k in enumerate(reversed(keys))]
        + [{"v": None, "id": None}] * 2
    )


def test_read_pandas(face: object) -> None:
    face.create("t", SCHEMA)
    face.write("t", CANON)
    df = face.read_pandas("t", ["d", "missing", "a"], ["score", "age", "name"])
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["score", "age", "name"]
    assert df["score"].dtype == np.float32
    assert df["score"].tolist()[0::2] == [3.0, 0.5] and math.isnan(df["score"][1])
    assert df["name"].isna().tolist() == [False, True, False]
    assert df["name"][0] == "" and df["name"][2] == "x"


def test_read_pandas_matches_to_pandas(face: object) -> None:
    schema = TableSchema(
        "id",
        {"id": ColumnSchema(DType.UTF8, False)}
        | {c: ColumnSchema(DType.FLOAT32) for c in "abc"}
        | {"i": ColumnSchema(DType.INT16), "j": ColumnSchema(DType.INT16)},
    )
    face.create("p", schema)
    face.write(
        "p",
        {
            "id": ["x", "y"],
            "a": pa.array([1.0, None], pa.float32()),
            "b": pa.array([math.nan, 2.0], pa.float32()),
            "c": pa.array([-0.0, 3.5], pa.float32()),
            "i": pa.array([1, 2], pa.int16()),
            "j": pa.array([None, 4], pa.int16()),
        },
    )
    for keys, cols in [
        (["y", "nope", "x"], ["c", "a", "b"]),  # floats with nulls: one block, NaN
        (["y", "nope", "x"], ["i", "j"]),  # integers with nulls: to_pandas' float64
        (["y", "x", "y"], ["i", "c"]),  # mixed types
        (["y", "y"], ["j", "i"]),  # integers without nulls: one int16 block
    ]:
        expected = face.read("p", keys, cols).to_pandas()
        got = face.read_pandas("p", keys, cols)
        pd.testing.assert_frame_equal(got, expected)
        assert got.to_numpy().tobytes() == expected.to_numpy().tobytes()


def test_embeddings_and_zoned_timestamps_round_trip(face: object) -> None:
    """A fixed-size array (pyarrow FixedSizeList) and a timestamp with its zone keep their types."""
    schema = TableSchema(
        "id",
        {
            "id": ColumnSchema(DType.UTF8, False),
            "emb": ColumnSchema("float32[4]"),
            "at": ColumnSchema(DType.TIMESTAMP_MS, timezone="Europe/Warsaw"),
        },
    )
    assert schema.columns["emb"] == ColumnSchema(DType.FLOAT32, size=4)
    face.create("e", schema)
    assert face.get_schema("e") == schema
    vectors = [[0.5, -1.0, 2.0, 3.5], None, [float(i) for i in range(4)]]
    data = pa.table(
        {
            "id": ["a", "b", "c"],
            "emb": pa.array(vectors, pa.list_(pa.float32(), 4)),
            "at": pa.array(
                [0, None, 1_700_000_000_000], pa.timestamp("ms", "Europe/Warsaw")
            ),
        }
    )
    assert face.write("e", data) == 3
    batch = face.read("e", ["c", "missing", "a", "b"], ["emb", "at"])
    assert batch.schema.field("emb").type == pa.list_(pa.float32(), 4)
    assert batch.schema.field("at").type == pa.timestamp("ms", "Europe/Warsaw")
    assert batch.column(0).to_pylist() == [vectors[2], None, vectors[0], None]
    at = batch.column(1).cast(pa.int64()).to_pylist()
    assert at == [1_700_000_000_000, None, 0, None]
    m = face.read_numpy("e", ["c", "missing", "a"], ["emb"], fill_value=-7.0)
    assert m.shape == (3, 4) and m.dtype == np.float32 and m.flags["C_CONTIGUOUS"]
    assert m.tolist() == [vectors[2], [-7.0] * 4, vectors[0]]
    with pytest.raises(murr.InvalidRequestError, match="1..65536 values"):
        ColumnSchema(DType.FLOAT32, size=0)
    with pytest.raises(murr.InvalidRequestError, match="numeric type, not utf8"):
        ColumnSchema("utf8[3]")
    with pytest.raises(murr.InvalidRequestError, match="only on timestamp columns"):
        ColumnSchema(DType.INT64, timezone="UTC")


@pytest.mark.parametrize("dtype", [DType.INT64, DType.UINT64], ids=lambda d: d.value)
def test_integer_keys(face: object, dtype: DType, workdir) -> None:
    """An int64 / uint64 key (decision 0024): reads take ints, NumPy integer arrays and decimal
    strings; replies keep the key's type; a key the type cannot hold is an error naming it."""
    info = np.iinfo(dtype.value)
    ids = [int(info.min), int(info.max), 1, 2, 42]
    face.create(
        "ik",
        TableSchema(
            "id",
            {"id": ColumnSchema(dtype, False), "v": ColumnSchema(DType.FLOAT64)},
        ),
    )
    # DuckDB writes the key: BIGINT / UBIGINT.
    sql_type = "BIGINT" if dtype is DType.INT64 else "UBIGINT"
    values = ", ".join(f"('{i}'::{sql_type}, {n}.5::DOUBLE)" for n, i in enumerate(ids))
    rel = duckdb.connect().sql(f"SELECT * FROM (VALUES {values}) t(id, v)")
    assert face.write("ik", rel) == len(ids)
    asked = [42, 7, int(info.max), int(info.min), 42]
    want_ids = [42, None, int(info.max), int(info.min), 42]
    want_v = [4.5, None, 1.5, 0.5, 4.5]
    for keys in (asked, np.array(asked, dtype=dtype.value), [np.int64(42)]):
        batch = face.read("ik", keys, ["id", "v"])
        assert batch.schema.field("id").type == dtype.to_arrow()
        n = len(keys)
        assert batch.column(0).to_pylist() == want_ids[:n]
        assert batch.column(1).to_pylist() == want_v[:n]
    # Parquet written by DuckDB (INT64 with its INT(64, signed) annotation), and pyarrow's.
    path = workdir / f"ik-{dtype.value}.parquet"
    rel.filter("v > 4").write_parquet(str(path))
    assert face.write_parquet("ik", path) == 1
    pq.write_table(
        pa.table(
            {
                "id": pa.array([ids[1]], dtype.to_arrow()),
                "v": pa.array([1.5], pa.float64()),
            }
        ),
        workdir / f"ik-pa-{dtype.value}.parquet",
    )
    assert face.write_parquet("ik", workdir / f"ik-pa-{dtype.value}.parquet") == 1
    # Decimal strings are the same keys (for clients whose numbers are doubles).
    assert face.read("ik", [str(info.max), "2"], ["v"]).column(0).to_pylist() == [
        1.5,
        3.5,
    ]
    # Last write wins, with an int array as the key column.
    face.write("ik", {"id": np.array([2], dtype=dtype.value), "v": np.array([9.0])})
    assert face.read("ik", np.array([2, 1], dtype=dtype.value), ["v"]).column(
        0
    ).to_pylist() == [9.0, 2.5]
    m = face.read_numpy("ik", [42, 3], ["v"], fill_value=-1.0)
    assert m.tolist() == [[4.5], [-1.0]]
    ctx = f"(table 'ik' has {dtype.value} keys)"
    over = int(info.max) + 1
    for keys, message in [
        ([1.5], f"keys[0] must be an integer, got the number 1.5 {ctx}"),
        (
            [1, "x1"],
            (
                "keys[1] must be an integer or a decimal integer string, "
                f'got the string "x1" {ctx}'
            ),
        ),
        ([over], f"keys[0] = {over} is out of the {dtype.value} range {ctx}"),
        ([2**64], f"keys[0] = {2**64} is out of the {dtype.value} range {ctx}"),
    ]:
        with pytest.raises(ValueError) as e:
            face.read("ik", keys, ["v"])
        error(e, murr.InvalidRequestError, ValueError, message)


def test_integer_keys_on_a_utf8_table_are_an_error(face: object) -> None:
    one_column_table(face, "s", DType.FLOAT32)
    face.write("s", {"id": ["1"], "v": [1.0]})
    with pytest.raises(ValueError) as e:
        face.read("s", ["1", 5], ["v"])
    error(
        e,
        murr.InvalidRequestError,
        ValueError,
        "keys[1] must be a string, got the integer 5 (table 's' has utf8 keys)",
    )


def same_list(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("dtype", list(DType), ids=lambda d: d.value)
def test_every_dtype_round_trips_as_a_list(face: object, dtype: DType) -> None:
    """A variable-length list (pyarrow List) of every dtype: null items, empty and null lists."""
    values = samples(dtype)  # ends with None: a null item
    lists = [values, [], None, values[1:2], list(reversed(values))]
    keys = KEYS[: len(lists)]
    column = ColumnSchema(dtype, list=True)
    assert column == ColumnSchema(f"{dtype.value}[]")
    assert column.to_arrow() == pa.list_(dtype.to_arrow())
    schema = TableSchema("id", {"id": ColumnSchema(DType.UTF8, False), "v": column})
    face.create("l", schema)
    assert face.get_schema("l") == schema
    data = pa.table(
        {"id": keys, "v": pa.array(lists, pa.list_(dtype.to_arrow()))},
        schema=schema.to_arrow(),
    )
    assert face.write("l", data) == len(keys)
    asked = [*reversed(keys), "missing", keys[0]]
    batch = face.read("l", asked, ["v"])
    assert batch.schema.field("v").type == pa.list_(dtype.to_arrow())
    expected = [*reversed(lists), None, lists[0]]
    got = batch.column(0).to_pylist()
    assert len(got) == len(expected)
    assert all(same_list(g, e) for g, e in zip(got, expected, strict=True)), (
        got,
        expected,
    )


def test_lists_from_every_input_and_their_errors(face: object) -> None:
    """Plain Python lists take the table's list type; a list of timestamps keeps its zone."""
    schema = TableSchema(
        "id",
        {
            "id": ColumnSchema(DType.UTF8, False),
            "clicks": ColumnSchema("int64[]"),
            "tags": ColumnSchema(DType.UTF8, list=True),
            "seen": ColumnSchema("timestamp_ms[]", timezone="UTC"),
        },
    )
    face.create("c", schema)
    assert face.get_schema("c") == schema
    assert (
        face.write(
            "c",
            {
                "id": ["a", "b"],
                "clicks": [[1, 2, 3], None],
                "tags": [["x", None], []],
                "seen": [[0], [1_700_000_000_000, None]],
            },
        )
        == 2
    )
    batch = face.read("c", ["b", "a"], ["clicks", "tags", "seen"])
    assert batch.schema.field("seen").type == pa.list_(pa.timestamp("ms", "UTC"))
    assert batch.column(0).to_pylist() == [None, [1, 2, 3]]
    assert batch.column(1).to_pylist() == [[], ["x", None]]
    assert batch.column(2).cast(pa.list_(pa.int64())).to_pylist() == [
        [1_700_000_000_000, None],
        [0],
    ]
    # Polars and DuckDB lists arrive as Arrow lists (Polars' large lists are refused by name).
    frame = duckdb.sql(
        "SELECT 'd' AS id, [10, 20]::BIGINT[] AS clicks, ['u']::VARCHAR[] AS tags"
    ).arrow()
    assert face.write("c", frame) == 1
    assert face.read("c", ["d"], ["clicks", "tags"]).to_pylist() == [
        {"clicks": [10, 20], "tags": ["u"]}
    ]
    with pytest.raises(murr.InvalidRequestError, match="int64"):
        face.write("c", pa.table({"id": ["e"], "clicks": pa.array([[1.5]])}))
    with pytest.raises(murr.InvalidRequestError, match="list items are scalars"):
        ColumnSchema.from_arrow(pa.list_(pa.list_(pa.int64())))
    with pytest.raises(murr.InvalidRequestError, match="not both"):
        ColumnSchema(DType.INT64, size=3, list=True)
    with pytest.raises(murr.InvalidRequestError, match="numeric and bool columns"):
        face.read_numpy("c", ["a"], ["clicks"])
    with pytest.raises(murr.InvalidRequestError, match="must be utf8"):
        TableSchema("id", {"id": ColumnSchema("utf8[]", False)})
