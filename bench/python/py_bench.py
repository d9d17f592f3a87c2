#!/usr/bin/env python3
"""Murr's Python benchmark, end to end: the time from the call until a pandas DataFrame (or, for
read_numpy, a NumPy matrix) holds K random keys x C float32 columns out of N rows.

One run measures, on the same random key sets:
  - every Murr face in MURR_FACES (SyncClient and AsyncClient against `murr serve`, LocalMurr
    in this process), `read_pandas`, `read` and `read_numpy`;
  - redis-py (with hiredis) against redis-server, a blob per key (C little-endian float32s):
    one MGET, then numpy.frombuffer;
  - redis-py against redis-server, Feast's layout (one hash per key, one field per column):
    a pipeline of one HMGET per key;
  - psycopg against PostgreSQL: one prepared `SELECT ... WHERE key = ANY(%s)`, binary results,
    rows put back in request order.
redis-server and PostgreSQL are started here on free loopback ports, in a temporary folder,
without persistence (as bench/compare does); PostgreSQL runs as the `postgres` user when we are
root. Every answer is checked against the data once before it is timed.

    .venv/bin/python bench/python/py_bench.py --murr build/release/murr            # 10M rows
    .venv/bin/python bench/python/py_bench.py --murr build/release/murr --rows 100000

`make bench-python` runs the first. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[2]
# The package as the build stages it, with its native extension (make bench-python sets it).
sys.path.insert(
    0, os.environ.get("MURR_PYTHON_DIR", str(ROOT / "build/release/python"))
)

from murr.client import AsyncClient, SyncClient

import murr

KEY_WIDTH = 10  # keys are the row number, zero-padded: "0000000042"
LOAD_CHUNK = 1_000_000
TABLE = "features"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(
                f"{what} exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            )
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 1),
        ):
            return
        time.sleep(0.05)
    sys.exit(f"{what} did not listen on port {port} within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Data:
    """The table: N keys and an (N, C) float32 matrix, from a fixed seed."""

    def __init__(self, rows: int, columns: int, seed: int) -> None:
        self.rows = rows
        self.columns = [f"col_{j}" for j in range(columns)]
        rng = np.random.default_rng(seed)
        self.values = rng.random((rows, columns), dtype=np.float32)
        digits = np.arange(rows).astype(f"S{KEY_WIDTH}")  # b"42"
        self.keys = np.char.zfill(
            digits, KEY_WIDTH
        )  # b"0000000042", one fixed-width array

    def key_strings(self, idx: np.ndarray) -> list[str]:
        return [k.decode() for k in self.keys[idx]]

    def arrow_chunks(self) -> Iterator[pa.Table]:
        for start in range(0, self.rows, LOAD_CHUNK):
            end = min(start + LOAD_CHUNK, self.rows)
            keys = pa.Array.from_buffers(
                pa.utf8(),
                end - start,
                [
                    None,
                    pa.py_buffer(
                        np.arange(end - start + 1, dtype=np.int32) * KEY_WIDTH
                    ),
                    pa.py_buffer(self.keys[start:end].tobytes()),
                ],
            )
            cols = {"id": keys}
            for j, name in enumerate(self.columns):
                cols[name] = pa.array(np.ascontiguousarray(self.values[start:end, j]))
            yield pa.table(cols)

    def check(self, name: str, idx: np.ndarray, got: Any) -> None:
        """`got` (a DataFrame or a matrix) holds exactly the rows `idx`, in that order."""
        if isinstance(got, pa.RecordBatch):
            got = got.to_pandas()
        matrix = got.to_numpy(np.float32) if isinstance(got, pd.DataFrame) else got
        if matrix.shape != (len(idx), len(self.columns)) or not np.array_equal(
            matrix, self.values[idx]
        ):
            sys.exit(f"{name}: the answer does not match the data")


# -- Murr faces -----------------------------------------------------------------------------
#
# A face is a factory taking the Bench and returning an object with SyncClient's read and
# read_numpy, over a Murr that holds the data (bench.murr_server() starts `murr serve` and loads
# it once; bench.load_murr(client) loads any face that has create/write/status).

MURR_FACES: dict[str, Callable[[Bench], Any]] = {}


def murr_face(name: str) -> Callable[[Callable[[Bench], Any]], Callable[[Bench], Any]]:
    def register(factory: Callable[[Bench], Any]) -> Callable[[Bench], Any]:
        MURR_FACES[name] = factory
        return factory

    return register


class AsyncAsSync:
    """An AsyncClient driven from blocking code: each call runs on a private event loop."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._loop = asyncio.new_event_loop()

    def read(self, *args: Any) -> Any:
        return self._loop.run_until_complete(self._client.read(*args))

    def read_pandas(self, *args: Any) -> Any:
        return self._loop.run_until_complete(self._client.read_pandas(*args))

    def read_numpy(self, *args: Any) -> Any:
        return self._loop.run_until_complete(self._client.read_numpy(*args))


@murr_face("SyncClient")
def sync_client(bench: Bench) -> Any:
    return SyncClient(bench.murr_server())


@murr_face("AsyncClient")
def async_client(bench: Bench) -> Any:
    return AsyncAsSync(AsyncClient(bench.murr_server()))


@murr_face("LocalMurr")
def local_murr(bench: Bench) -> Any:
    db = murr.LocalMurr(
        bench.workdir / "local",
        options={"storage": {"durability": "none", "idle_compaction_seconds": 2}},
    )
    bench.load_murr(db)
    return db


# -- the bench ------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, data: Data, workdir: Path) -> None:
        self.args = args
        self.data = data
        self.workdir = workdir
        self.children: list[subprocess.Popen] = []
        self._murr_endpoint: str | None = None

    def spawn(
        self, argv: list[str], log: Path, user: str | None = None
    ) -> subprocess.Popen:
        # As `user` (its own group, no others) when given: PostgreSQL refuses to run as root.
        as_user: dict[str, Any] = {}
        if user is not None:
            as_user = {
                "user": user,
                "group": pwd.getpwnam(user).pw_gid,
                "extra_groups": [],
            }
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, **as_user
            )
        self.children.append(proc)
        return proc

    def murr_server(self) -> str:
        """The endpoint of a `murr serve` holding the data (started and loaded once)."""
        if self._murr_endpoint is not None:
            return self._murr_endpoint
        d = self.workdir / "murr"
        d.mkdir()
        (d / "murr.yaml").write_text(
            "server:\n  http:\n    host: 127.0.0.1\n    port: 0\n"
            "  grpc:\n    host: 127.0.0.1\n    port: 0\n"
            f"storage:\n  cache_dir: {d / 'cache'}\n  durability: none\n"
            # Merged into one segment soon after the load, the steady state of a cache.
            "  idle_compaction_seconds: 2\n"
        )
        log = d / "murr.log"
        proc = self.spawn(
            [self.args.murr, "serve", "--config", str(d / "murr.yaml")], log
        )
        deadline = time.monotonic() + 60
        while True:
            m = re.search(r"murr listening on (http://[\d.]+:\d+)", log.read_text())
            if m:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"murr did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)
        self._murr_endpoint = m.group(1)
        with SyncClient(self._murr_endpoint, timeout=600) as client:
            self.load_murr(client)
        return self._murr_endpoint

    def load_murr(self, client: Any) -> None:
        """Creates the table through `client`, writes the data, waits for one segment."""
        t0 = time.monotonic()
        columns = {"id": murr.ColumnSchema(murr.DType.UTF8, nullable=False)}
        columns |= {c: murr.ColumnSchema(murr.DType.FLOAT32) for c in self.data.columns}
        client.create(TABLE, murr.TableSchema(key="id", columns=columns))
        for chunk in self.data.arrow_chunks():
            client.write(TABLE, chunk)
        deadline = time.monotonic() + 600
        while client.status(TABLE)["segments"] > 1:
            if time.monotonic() > deadline:
                sys.exit("murr: the table was not merged into one segment within 600 s")
            time.sleep(0.5)
        print(f"  murr: loaded and merged in {time.monotonic() - t0:.1f} s", flush=True)

    # -- Redis ---------------------------------------------------------------------------

    def redis(self) -> Any:
        import redis
        import redis.utils

        if not redis.utils.HIREDIS_AVAILABLE:
            sys.exit("redis-py has no hiredis parser: pip install the pinned hiredis")
        program = shutil.which("redis-server") or sys.exit(
            "redis-server is not installed"
        )
        d = self.workdir / "redis"
        d.mkdir()
        port = free_port()
        proc = self.spawn(
            [program, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(d),
             "--save", "", "--appendonly", "no", "--protected-mode", "no"],
            d / "redis.log",
        )  # fmt: skip
        wait_for_port(port, proc, "redis-server", d / "redis.log")
        t0 = time.monotonic()
        self._load_redis(port)
        print(
            f"  redis: loaded both layouts in {time.monotonic() - t0:.1f} s", flush=True
        )
        return redis.Redis(host="127.0.0.1", port=port)

    def _load_redis(self, port: int) -> None:
        """Both layouts, as raw RESP built by NumPy (redis-py would take minutes for 10M keys):
        blob:<key> -> C float32s (MSET of 10,000 pairs per command) and
        feast:<key> -> hash col_j -> 4 bytes (one HSET per key)."""
        n_cols = len(self.data.columns)
        blob_head = f"${len('blob:') + KEY_WIDTH}\r\nblob:".encode()
        blob_mid = f"\r\n${4 * n_cols}\r\n".encode()
        blob = np.dtype(
            [("a", f"S{len(blob_head)}"), ("k", f"S{KEY_WIDTH}"),
             ("b", f"S{len(blob_mid)}"), ("v", "<f4", (n_cols,)), ("c", "S2")]
        )  # fmt: skip
        feast_head = (
            f"*{2 + 2 * n_cols}\r\n$4\r\nHSET\r\n${len('feast:') + KEY_WIDTH}\r\nfeast:"
        ).encode()
        feast_fields = [
            ("a", f"S{len(feast_head)}"),
            ("k", f"S{KEY_WIDTH}"),
            ("b", "S2"),
        ]
        prefixes = []
        for j in range(n_cols):
            name = f"col_{j}"
            prefixes.append(f"${len(name)}\r\n{name}\r\n$4\r\n".encode())
            feast_fields += [
                (f"p{j}", f"S{len(prefixes[j])}"),
                (f"v{j}", "<f4"),
                (f"e{j}", "S2"),
            ]
        feast = np.dtype(feast_fields)
        per_mset = 10_000
        with socket.create_connection(("127.0.0.1", port)) as s:
            for start in range(0, self.data.rows, 100_000):
                end = min(start + 100_000, self.data.rows)
                n = end - start
                rec = np.empty(n, blob)
                rec["a"] = blob_head
                rec["k"] = self.data.keys[start:end]
                rec["b"] = blob_mid
                rec["v"] = self.data.values[start:end]
                rec["c"] = b"\r\n"
                parts = []
                for i in range(0, n, per_mset):
                    m = min(per_mset, n - i)
                    parts.append(f"*{1 + 2 * m}\r\n$4\r\nMSET\r\n".encode())
                    parts.append(rec[i : i + m].tobytes())
                s.sendall(b"".join(parts))
                expect_reply(s, b"+OK\r\n" * ((n + per_mset - 1) // per_mset))
                frec = np.empty(n, feast)
                frec["a"] = feast_head
                frec["k"] = self.data.keys[start:end]
                frec["b"] = b"\r\n"
                for j in range(n_cols):
                    frec[f"p{j}"] = prefixes[j]
                    frec[f"v{j}"] = self.data.values[start:end, j]
                    frec[f"e{j}"] = b"\r\n"
                s.sendall(frec.tobytes())
                expect_reply(s, f":{n_cols}\r\n".encode() * n)

    # -- PostgreSQL ----------------------------------------------------------------------

    def postgres(self) -> Any:
        import psycopg

        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/postgres"),
            key=lambda p: int(p.parts[-3]),
        )
        if not versions:
            sys.exit("PostgreSQL is not installed (/usr/lib/postgresql/<version>/bin)")
        bin_dir = versions[-1].parent
        d = Path(tempfile.mkdtemp(prefix="pg-", dir=self.workdir))
        user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = "postgres"
            entry = pwd.getpwnam(user)
            for path in [self.workdir, d]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        init = self.spawn(
            [str(bin_dir / "initdb"), "-D", str(d / "data"), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            d / "initdb.log", user,
        )  # fmt: skip
        if init.wait() != 0:
            sys.exit(f"initdb failed:\n{(d / 'initdb.log').read_text()[-4000:]}")
        port = free_port()
        argv = [
            str(bin_dir / "postgres"),
            "-D",
            str(d / "data"),
            "-p",
            str(port),
            "-k",
            str(d),
        ]
        for setting in ["listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off",
                        "full_page_writes=off", "shared_buffers=1GB", "maintenance_work_mem=1GB"]:  # fmt: skip
            argv += ["-c", setting]
        proc = self.spawn(argv, d / "postgres.log", user)
        wait_for_port(port, proc, "postgres", d / "postgres.log")
        dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        for _ in range(100):  # the port opens a little before sessions are accepted
            try:
                conn = psycopg.connect(dsn, autocommit=True)
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        else:
            sys.exit(
                f"postgres did not accept sessions:\n{(d / 'postgres.log').read_text()}"
            )
        t0 = time.monotonic()
        self._load_postgres(conn)
        print(
            f"  postgres: loaded and indexed in {time.monotonic() - t0:.1f} s",
            flush=True,
        )
        return conn

    def _load_postgres(self, conn: Any) -> None:
        """features(key text, col_0 .. real) by binary COPY built with NumPy, then the primary
        key and VACUUM ANALYZE."""
        cols = self.data.columns
        conn.execute(
            "CREATE TABLE features (key text NOT NULL, "
            + ", ".join(f"{c} real" for c in cols)
            + ")"
        )
        row = np.dtype(
            [("n", ">i2"), ("kl", ">i4"), ("k", f"S{KEY_WIDTH}")]
            + [
                f
                for j in range(len(cols))
                for f in [(f"l{j}", ">i4"), (f"v{j}", ">f4")]
            ]
        )
        with (
            conn.cursor() as cur,
            cur.copy("COPY features FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)
            for start in range(0, self.data.rows, LOAD_CHUNK):
                end = min(start + LOAD_CHUNK, self.data.rows)
                rec = np.empty(end - start, row)
                rec["n"] = 1 + len(cols)
                rec["kl"] = KEY_WIDTH
                rec["k"] = self.data.keys[start:end]
                for j in range(len(cols)):
                    rec[f"l{j}"] = 4
                    rec[f"v{j}"] = self.data.values[start:end, j]
                copy.write(rec.tobytes())
            copy.write(b"\xff\xff")
        conn.execute("ALTER TABLE features ADD PRIMARY KEY (key)")
        conn.execute("VACUUM ANALYZE features")

    def stop(self) -> None:
        for proc in reversed(self.children):
            stop(proc)


def expect_reply(s: socket.socket, expected: bytes) -> None:
    got = bytearray()
    while len(got) < len(expected):
        chunk = s.recv(min(1 << 20, len(expected) - len(got)))
        if not chunk:
            sys.exit("redis-server closed the connection while loading")
        got += chunk
    if bytes(got) != expected:
        sys.exit(f"redis-server refused the load: {bytes(got[:200])!r}")


# -- readers: each takes (row indices, key strings) and returns the DataFrame or matrix -------


def readers(
    bench: Bench,
) -> Iterator[tuple[str, Callable[[np.ndarray, list[str]], Any]]]:
    cols = bench.data.columns
    for name, factory in MURR_FACES.items():
        client = factory(bench)
        yield (
            f"murr {name} read_pandas -> DataFrame",
            lambda idx, keys, c=client: c.read_pandas(TABLE, keys, cols),
        )
        yield (
            f"murr {name} read -> RecordBatch",
            lambda idx, keys, c=client: c.read(TABLE, keys, cols),
        )
        yield (
            f"murr {name} read_numpy -> ndarray",
            lambda idx, keys, c=client: c.read_numpy(TABLE, keys, cols),
        )
    if bench.args.murr_only:
        return
    r = bench.redis()
    n_cols = len(cols)

    def redis_blob(idx: np.ndarray, keys: list[str]) -> pd.DataFrame:
        values = r.mget([f"blob:{k}" for k in keys])
        matrix = np.frombuffer(b"".join(values), np.float32).reshape(len(keys), n_cols)
        return pd.DataFrame(matrix, columns=cols, copy=False)

    def redis_feast(idx: np.ndarray, keys: list[str]) -> pd.DataFrame:
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.hmget(f"feast:{k}", cols)
        rows = pipe.execute()
        flat = b"".join(v for row in rows for v in row)
        matrix = np.frombuffer(flat, np.float32).reshape(len(keys), n_cols)
        return pd.DataFrame(matrix, columns=cols, copy=False)

    yield "redis-py blob MGET + frombuffer", redis_blob
    yield "redis-py Feast-style HMGET pipeline", redis_feast
    conn = bench.postgres()
    sql = f"SELECT key, {', '.join(cols)} FROM features WHERE key = ANY(%s)"
    cur = conn.cursor(binary=True)

    def postgres(idx: np.ndarray, keys: list[str]) -> pd.DataFrame:
        cur.execute(sql, (keys,), prepare=True)
        frame = pd.DataFrame.from_records(
            cur.fetchall(), columns=["key", *cols], index="key"
        )
        return frame.reindex(keys).astype(np.float32)

    yield "psycopg SELECT = ANY, binary", postgres


def measure(
    named: list[tuple[str, Callable[[np.ndarray, list[str]], Any]]],
    keysets: list,
    warmup: int,
) -> dict[str, np.ndarray]:
    """Microseconds per read of each reader. The readers take turns on each key set, in a
    random order, so that whatever else the machine does weighs on all of them alike."""
    for _, fn in named:
        for idx, keys in keysets[:warmup]:
            fn(idx, keys)
    gc.collect()
    times = {name: np.empty(len(keysets)) for name, _ in named}
    clock = time.perf_counter_ns
    # A new order for every key set: the reader after the slow ones finds its server asleep
    # and pays for waking it (~1 ms on a loaded machine), so no reader may always follow them.
    order = np.random.default_rng(7)
    for i, (idx, keys) in enumerate(keysets):
        for j in order.permutation(len(named)):
            name, fn = named[j]
            t0 = clock()
            fn(idx, keys)
            times[name][i] = clock() - t0
    return {name: t / 1000.0 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--murr", default=str(ROOT / "build/release/murr"), help="murr binary"
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--keys", type=int, default=1000, help="keys per read")
    parser.add_argument(
        "--iterations", type=int, default=1000, help="timed reads per backend"
    )
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--murr-only",
        action="store_true",
        help="only Murr's faces (no Redis or PostgreSQL): a quick look at Murr alone",
    )
    args = parser.parse_args()
    if not Path(args.murr).is_file():
        sys.exit(f"no murr binary at {args.murr} (build it, or pass --murr)")

    t0 = time.monotonic()
    data = Data(args.rows, args.columns, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    keysets = []
    for _ in range(args.iterations):
        idx = rng.integers(0, args.rows, args.keys)
        keysets.append((idx, data.key_strings(idx)))
    print(
        f"py_bench: {args.rows:,} rows x {args.columns} float32 columns, {args.keys} random keys "
        f"per read, {args.iterations} reads per reader after {args.warmup} warm-up; "
        f"data made in {time.monotonic() - t0:.1f} s",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="murr-py-bench-") as tmp:
        bench = Bench(args, data, Path(tmp))
        try:
            named = []
            for name, fn in readers(bench):  # starts and loads each server in turn
                idx, keys = keysets[0]
                data.check(name, idx, fn(idx, keys))
                named.append((name, fn))
            print(
                "  every answer checked; timing, the readers taking turns", flush=True
            )
            results = measure(named, keysets, args.warmup)
        finally:
            bench.stop()

    base = np.percentile(results["murr SyncClient read_pandas -> DataFrame"], 50)
    print()
    print("| path | p50 (µs) | p99 (µs) | p50 / SyncClient's |")
    print("| --- | ---: | ---: | ---: |")
    for name, times in results.items():
        p50, p99 = np.percentile(times, [50, 99])
        print(f"| {name} | {p50:,.0f} | {p99:,.0f} | {p50 / base:.1f}x |")
    if args.murr_only:
        return
    blob = np.percentile(results["redis-py blob MGET + frombuffer"], 50) / base
    feast = np.percentile(results["redis-py Feast-style HMGET pipeline"], 50) / base
    print()
    print(f"SyncClient vs redis-py blob: {blob:.1f}x faster (target >= 5x)")
    print(f"SyncClient vs Feast-style:   {feast:.1f}x faster (target >= 20x)")


if __name__ == "__main__":
    main()
