"""Writes one Parquet partition for the sync tests, with an independent writer.

usage: write_partition.py DIR WRITER ROWS FILES VERSION [--no-marker] [--compression C]
       [--floats K] [--x-type string] [--drop-id] [--unmappable] [--id-type int64|uint64]
       [--embedding N]

DIR/part-<i>.parquet hold ROWS rows split over FILES files: id (utf8) = "k<row>", x (float64) =
VERSION * 1e6 + row, n (int64) = VERSION. With --id-type, id is an integer instead: int64
row * 7 - 1000 (negatives too), or uint64 2^63 + row (above the int64 range). With --embedding N
also e (a fixed-size list of N float32) = [row + k / N for k in 0..N), null when row % 10 == 9.
WRITER is pyarrow, duckdb or polars. DIR/_SUCCESS is written last unless --no-marker.
"""

import argparse
import os

import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("writer", choices=["pyarrow", "duckdb", "polars"])
    ap.add_argument("rows", type=int)
    ap.add_argument("files", type=int)
    ap.add_argument("version", type=int)
    ap.add_argument("--no-marker", action="store_true")
    ap.add_argument("--compression", default="zstd")
    ap.add_argument("--floats", type=int, default=0, help="extra float32 columns f0..")
    ap.add_argument("--x-type", default="float64", choices=["float64", "string"])
    ap.add_argument("--drop-id", action="store_true")
    ap.add_argument(
        "--unmappable",
        action="store_true",
        help="add a column 'nested' of a type Murr has no dtype for (a struct)",
    )
    ap.add_argument("--id-type", default="utf8", choices=["utf8", "int64", "uint64"])
    ap.add_argument("--embedding", type=int, default=0, help="a float32[N] column 'e'")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    per = (args.rows + args.files - 1) // args.files
    for i in range(args.files):
        lo, hi = i * per, min(args.rows, (i + 1) * per)
        cols = {
            "id": pa.array([f"k{r}" for r in range(lo, hi)], pa.string()),
            "x": pa.array(
                [args.version * 1e6 + r for r in range(lo, hi)], pa.float64()
            ),
            "n": pa.array([args.version] * (hi - lo), pa.int64()),
        }
        if args.id_type == "int64":
            cols["id"] = pa.array([r * 7 - 1000 for r in range(lo, hi)], pa.int64())
        elif args.id_type == "uint64":
            cols["id"] = pa.array([2**63 + r for r in range(lo, hi)], pa.uint64())
        if args.x_type == "string":
            cols["x"] = pa.array([str(r) for r in range(lo, hi)], pa.string())
        if args.drop_id:
            del cols["id"]
        if args.unmappable:
            cols["nested"] = pa.array([{"a": i} for i in range(lo, hi)])
        for f in range(args.floats):
            cols[f"f{f}"] = pa.array(
                [float(r % 1000) + f for r in range(lo, hi)], pa.float32()
            )
        if args.embedding:
            n = args.embedding
            cols["e"] = pa.array(
                [
                    None if r % 10 == 9 else [r + k / n for k in range(n)]
                    for r in range(lo, hi)
                ],
                pa.list_(pa.float32(), n),
            )
        table = pa.table(cols)
        path = os.path.join(args.dir, f"part-{i:05d}.parquet")
        if args.writer == "pyarrow":
            pq.write_table(table, path, compression=args.compression)
        elif args.writer == "polars":
            import polars as pl

            pl.from_arrow(table).write_parquet(path, compression=args.compression)
        else:
            import duckdb

            con = duckdb.connect()
            con.register("t", table)
            con.execute(
                f"COPY t TO '{path}' (FORMAT PARQUET, COMPRESSION {args.compression})"
            )
            con.close()
    if not args.no_marker:
        with open(os.path.join(args.dir, "_SUCCESS"), "w"):
            pass


if __name__ == "__main__":
    main()
