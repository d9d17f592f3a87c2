"""murr.LocalMurr, the engine in this process: every call, every dtype, errors with the server's
own messages, zero copy into Arrow, GIL-free parallel reads that only see whole writes."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import murr
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from murr import ColumnSchema, DType, LocalMurr, TableSchema
from murr.client import SyncClient

from conftest import Server

ALL = TableSchema(
    key="id",
    columns={
        "id": ColumnSchema(DType.UTF8, nullable=False),
        **{f"c_{d.value}": ColumnSchema(d) for d in DType},
    },
)


def _values(dtype: DType, n: int) -> pa.Array:
    """n values of `dtype` with a null every 3rd row (and NaN for floats at row 1)."""
    typ = dtype.to_arrow()
    out: list[object] = []
    for i in range(n):
        if i % 3 == 2:
            out.append(None)
        elif dtype is DType.UTF8:
            out.append(f"v{i}-ü")
        elif dtype is DType.BINARY:
            out.append(bytes([i, 0, 255]))
        elif dtype is DType.DATE32 or dtype.is_timestamp:
            out.append(i * 1000)
        elif dtype is DType.BOOL:
            out.append(i % 2 == 0)
        elif dtype in (DType.FLOAT16, DType.FLOAT32, DType.FLOAT64):
            out.append(float("nan") if i == 1 else i + 0.5)
        elif dtype.value.startswith("int"):
            out.append(-i)
        else:
            out.append(i)
    if dtype is DType.DATE32:
        return pa.array(out, pa.int32()).cast(typ)
    if dtype.is_timestamp:
        return pa.array(out, pa.int64()).cast(typ)
    return pa.array(out, typ)


def test_every_dtype_round_trips_with_nulls_nan_missing_and_duplicate_keys(
    workdir: Path,
) -> None:
    with LocalMurr(workdir / "cache") as db:
        db.create("all", ALL)
        n = 7
        data = {"id": [f"k{i}-ж" for i in range(n)]}
        data.update({f"c_{d.value}": _values(d, n) for d in DType})
        assert db.write("all", pa.table(data)) == n
        keys = ["k3-ж", "nope", "k1-ж", "k3-ж", "k2-ж"]
        columns = [f"c_{d.value}" for d in DType]
        batch = db.read("all", keys, columns)
        assert isinstance(batch, pa.RecordBatch)
        batch.validate(full=True)
        assert batch.schema == pa.schema(
            [pa.field(c, ALL.columns[c].dtype.to_arrow()) for c in columns]
        )
        for d in DType:
            expected = _values(d, n).to_pylist()
            got = batch.column(f"c_{d.value}").to_pylist()
            want = [expected[3], None, expected[1], expected[3], expected[2]]
            if d in (DType.FLOAT16, DType.FLOAT32, DType.FLOAT64):
                assert (
                    math.isnan(got[2]) and got[:2] + got[3:] == want[:2] + want[3:]
                ), d
            else:
                assert got == want, d


def test_last_write_wins_and_one_call_is_one_write(workdir: Path) -> None:
    schema = TableSchema(
        key="k",
        columns={
            "k": ColumnSchema(DType.UTF8, nullable=False),
            "v": ColumnSchema(DType.INT64),
        },
    )
    with LocalMurr(workdir / "cache") as db:
        db.create("t", schema)
        reader = pa.RecordBatchReader.from_batches(
            schema.to_arrow(),
            [pa.record_batch({"k": ["a", "b"], "v": [1, 2]}, schema=schema.to_arrow())]
            + [pa.record_batch({"k": ["b"], "v": [3]}, schema=schema.to_arrow())],
        )
        # Two batches, one write; a key twice in one write is one row (the later wins).
        assert db.write("t", reader) == 2
        assert db.status("t")["segments"] == 1
        assert db.read("t", ["b"], ["v"]).column(0).to_pylist() == [3]
        assert db.write("t", {"k": ["a"], "v": [10]}) == 1
        assert db.read("t", ["a", "b"], ["v"]).column(0).to_pylist() == [10, 3]
        assert db.status("t")["rows"] == 2


def test_write_parquet(workdir: Path) -> None:
    schema = TableSchema(
        key="k",
        columns={
            "k": ColumnSchema(DType.UTF8, nullable=False),
            "x": ColumnSchema(DType.FLOAT64),
        },
    )
    path = workdir / "part.parquet"
    pq.write_table(pa.table({"k": ["p", "q"], "x": [0.25, None]}), path)
    with LocalMurr(workdir / "cache") as db:
        db.create("t", schema)
        assert db.write_parquet("t", path) == 2
        assert db.read("t", ["q", "p"], ["x"]).column(0).to_pylist() == [None, 0.25]
        with pytest.raises(murr.MurrError) as err:
            db.write_parquet("t", workdir / "absent.parquet")
        assert "absent.parquet" in str(err.value)


def test_tables_persist_and_are_listed(workdir: Path) -> None:
    with LocalMurr(workdir / "cache") as db:
        db.create("b", ALL)
        db.create("a", ALL)
        db.write("a", {"id": ["x"], "c_int32": pa.array([7], pa.int32())})
    with LocalMurr(workdir / "cache") as db:
        assert list(db.list_tables()) == ["a", "b"]
        assert db.get_schema("a") == ALL
        assert db.read("a", ["x"], ["c_int32"]).column(0).to_pylist() == [7]
        db.drop("b")
        assert list(db.list_tables()) == ["a"]


def test_errors_have_the_servers_classes_bases_and_messages(
    workdir: Path, server: Server
) -> None:
    """The same mistakes against LocalMurr and `murr serve`: same class, same message."""
    with LocalMurr(workdir / "local") as db, SyncClient(server.endpoint) as client:
        db.create("t", ALL)
        client.create("t", ALL)
        cases = [
            (lambda f: f.create("t", ALL), murr.TableExistsError, ValueError),
            (
                lambda f: f.read("nope", ["a"], ["c_int8"]),
                murr.TableNotFoundError,
                FileNotFoundError,
            ),
            (lambda f: f.drop("nope"), murr.TableNotFoundError, FileNotFoundError),
            (
                lambda f: f.get_schema("nope"),
                murr.TableNotFoundError,
                FileNotFoundError,
            ),
            (
                lambda f: f.read("t", ["a"], ["no_such"]),
                murr.InvalidRequestError,
                ValueError,
            ),
            (
                lambda f: f.write(
                    "t", {"id": ["a"], "c_int8": pa.array([1.5], pa.float64())}
                ),
                murr.InvalidRequestError,
                ValueError,
            ),
            (
                lambda f: f.write("t", {"c_int8": pa.array([1], pa.int8())}),
                murr.InvalidRequestError,
                ValueError,
            ),
        ]
        for call, cls, builtin in cases:
            with pytest.raises(cls) as local_err:
                call(db)
            with pytest.raises(cls) as remote_err:
                call(client)
            assert isinstance(local_err.value, builtin)
            assert isinstance(local_err.value, murr.MurrError)
            assert local_err.value.status is None
            assert str(local_err.value) == str(remote_err.value)
    with pytest.raises(
        murr.InvalidRequestError, match="unknown configuration key 'storage.bogus'"
    ):
        LocalMurr(workdir / "other", options={"storage": {"bogus": 1}})
    db.close()
    with pytest.raises(murr.MurrError, match="LocalMurr is closed"):
        db.list_tables()


def test_a_foreign_directory_is_refused_unless_adopted(workdir: Path) -> None:
    foreign = workdir / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(murr.InvalidRequestError, match="adopt_cache_dir"):
        LocalMurr(foreign)
    with LocalMurr(foreign, options={"storage.adopt_cache_dir": True}) as db:
        db.create("t", ALL)
    assert (foreign / "notes.txt").read_text() == "mine"


def _float_table(db: LocalMurr, rows: int, cols: int) -> list[str]:
    schema = TableSchema(
        key="k",
        columns={
            "k": ColumnSchema(DType.UTF8, nullable=False),
            **{f"f{j}": ColumnSchema(DType.FLOAT32) for j in range(cols)},
        },
    )
    db.create("f", schema)
    keys = [f"key{i}" for i in range(rows)]
    data = {"k": keys}
    data.update({f"f{j}": np.arange(rows, dtype=np.float32) + j for j in range(cols)})
    db.write("f", data)
    return keys


def test_reads_hand_the_engines_buffers_to_arrow_without_a_copy(workdir: Path) -> None:
    with LocalMurr(workdir / "cache", options={"storage.durability": "none"}) as db:
        keys = _float_table(db, 200_000, 2)
        native = db.read_arrow("f", keys[::-1], ["f0", "f1"])
        addresses = [native.values_address(j) for j in range(2)]
        batch = pa.record_batch(native)
        assert [batch.column(j).buffers()[1].address for j in range(2)] == addresses
        # The buffers stay valid after the engine object, the native result and the table go.
        db.drop("f")
    del native
    assert batch.column(1).to_numpy()[:3].tolist() == [200_000.0, 199_999.0, 199_998.0]
    # pyarrow's allocator did not hold the values: they are the engine's memory.
    assert pa.total_allocated_bytes() < 200_000 * 4


def test_read_numpy_fills_a_c_contiguous_matrix(workdir: Path) -> None:
    with LocalMurr(workdir / "cache") as db:
        _float_table(db, 10, 3)
        m = db.read_numpy("f", ["key2", "nope", "key9"], ["f2", "f0"], fill_value=-1.0)
        assert m.dtype == np.float32 and m.flags["C_CONTIGUOUS"] and m.shape == (3, 2)
        assert m.tolist() == [[4.0, 2.0], [-1.0, -1.0], [11.0, 9.0]]
        assert np.isnan(db.read_numpy("f", ["nope"], ["f0"])).all()
        db.create("mixed", ALL)
        db.write("mixed", {"id": ["a"], "c_int64": pa.array([2**40]), "c_bool": [True]})
        m = db.read_numpy("mixed", ["a", "b"], ["c_int64", "c_bool"])
        assert m.dtype == np.float64
        assert m[0].tolist() == [2.0**40, 1.0] and np.isnan(m[1]).all()
        with pytest.raises(
            murr.InvalidRequestError, match="numeric and bool columns; 'c_utf8'"
        ):
            db.read_numpy("mixed", ["a"], ["c_utf8"])


def test_threads_read_in_parallel_and_see_only_whole_writes(workdir: Path) -> None:
    """8 reader threads and a writer: each read sees one version for every key; the GIL is
    released during reads (a pure-Python thread keeps running while a long read is in C++)."""
    schema = TableSchema(
        key="k",
        columns={
            "k": ColumnSchema(DType.UTF8, nullable=False),
            "a": ColumnSchema(DType.INT64),
            "b": ColumnSchema(DType.INT64),
        },
    )
    keys = [f"k{i}" for i in range(2000)]
    with LocalMurr(workdir / "cache", options={"storage.durability": "none"}) as db:
        db.create("t", schema)
        db.write("t", {"k": keys, "a": [0] * len(keys), "b": [0] * len(keys)})
        stop = threading.Event()
        errors: list[str] = []
        versions_seen: set[int] = set()

        def reader() -> None:
            while not stop.is_set():
                batch = db.read("t", keys, ["a", "b"])
                a = batch.column(0).to_numpy()
                b = batch.column(1).to_numpy()
                if not (a == a[0]).all() or not (a == b).all():
                    errors.append(f"mixed versions: {sorted(set(a.tolist()))}")
                versions_seen.add(int(a[0]))

        threads = [threading.Thread(target=reader) for _ in range(8)]
        for t in threads:
            t.start()
        # At least 29 writes, and on until the readers have seen 5 versions: a writer with
        # durability none can finish 29 writes before 8 threads have had the GIL at all.
        v = 0
        deadline = time.monotonic() + 60
        while (v < 29 or len(versions_seen) < 5) and time.monotonic() < deadline:
            v += 1
            db.write("t", {"k": keys, "a": [v] * len(keys), "b": [v] * len(keys)})
            time.sleep(0.002)
        stop.set()
        for t in threads:
            t.join()
        assert errors == []
        assert len(versions_seen) >= 5, versions_seen

        # GIL: a Python thread counts while the main thread is inside one long read. Between
        # reading the counter before and after the call no bytecode checks for a GIL switch, so
        # the counter can only move if the call released the GIL.
        big = _float_table(db, 400_000, 4)
        engine = db._engine
        ticks = 0
        done = threading.Event()

        def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1

        def ticks_during_one_read() -> int:
            before = ticks
            engine.read("f", big, ["f0", "f1", "f2", "f3"])
            return ticks - before

        t = threading.Thread(target=ticker)
        t.start()
        try:
            during = [ticks_during_one_read() for _ in range(5)]
        finally:
            done.set()
            t.join()
        assert max(during) > 0, during
