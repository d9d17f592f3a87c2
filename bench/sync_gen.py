"""Writes and uploads the sync benchmark's partition to an S3 endpoint (bench/sync_bench.cc).

usage: sync_gen.py ENDPOINT KEY SECRET BUCKET PREFIX ROWS FILES VERSION

ROWS rows over FILES ZSTD Parquet files: id (utf8) "k<row>" and f0..f9 (float32) = (row % 1000)
+ column + VERSION, then the _SUCCESS marker.
"""

import io
import sys

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def main() -> None:
    endpoint, key, secret, bucket, prefix = sys.argv[1:6]
    rows, files, version = (int(v) for v in sys.argv[6:9])
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )
    per = (rows + files - 1) // files
    for i in range(files):
        lo, hi = i * per, min(rows, (i + 1) * per)
        r = np.arange(lo, hi)
        cols = {
            "id": pc.binary_join_element_wise("k", pa.array(r).cast(pa.string()), "")
        }
        for f in range(10):
            cols[f"f{f}"] = pa.array(((r % 1000) + f + version).astype(np.float32))
        buf = io.BytesIO()
        pq.write_table(pa.table(cols), buf, compression="zstd")
        s3.put_object(
            Bucket=bucket, Key=f"{prefix}part-{i:05d}.parquet", Body=buf.getvalue()
        )
    s3.put_object(Bucket=bucket, Key=prefix + "_SUCCESS", Body=b"")


if __name__ == "__main__":
    main()
