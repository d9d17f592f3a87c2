"""Sets up moto's S3 server for the S3 sync tests (auth enforced) and uploads partitions.

usage:
  s3_fixture.py setup ENDPOINT BUCKET      -> prints "<key id> <secret>" of a user allowed s3:*
  s3_fixture.py put ENDPOINT KEY SECRET BUCKET PREFIX DIR [--marker-last]
      uploads every file of DIR under PREFIX (the _SUCCESS marker last)
  s3_fixture.py bulk ENDPOINT KEY SECRET BUCKET PREFIX N VERSION
      uploads N one-row Parquet objects (id k<i>, x VERSION*1e6+i, n VERSION) and _SUCCESS
  s3_fixture.py sign ENDPOINT KEY SECRET REGION URL AMZDATE
      prints botocore's SigV4 Authorization header for GET URL at AMZDATE

The server must run with INITIAL_NO_AUTH_ACTION_COUNT=3: the three IAM calls of `setup` are
the only unauthenticated requests it accepts.
"""

import json
import os
import sys

import boto3


def client(service, endpoint, key="test", secret="test"):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def setup(endpoint, bucket):
    iam = client("iam", endpoint)
    iam.create_user(UserName="murr")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName="murr", PolicyName="s3", PolicyDocument=json.dumps(policy)
    )
    k = iam.create_access_key(UserName="murr")["AccessKey"]
    s3 = client("s3", endpoint, k["AccessKeyId"], k["SecretAccessKey"])
    s3.create_bucket(Bucket=bucket)
    print(k["AccessKeyId"], k["SecretAccessKey"])


def put(endpoint, key, secret, bucket, prefix, directory):
    s3 = client("s3", endpoint, key, secret)
    names = sorted(os.listdir(directory), key=lambda n: (n == "_SUCCESS", n))
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            s3.put_object(Bucket=bucket, Key=prefix + name, Body=f.read())


def bulk(endpoint, key, secret, bucket, prefix, n, version):
    import io
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

    s3 = client("s3", endpoint, key, secret)
    v = int(version)

    def one(i):
        t = pa.table(
            {"id": [f"k{i}"], "x": [v * 1e6 + i], "n": pa.array([v], pa.int64())}
        )
        buf = io.BytesIO()
        pq.write_table(t, buf)
        s3.put_object(
            Bucket=bucket, Key=f"{prefix}part-{i:05d}.parquet", Body=buf.getvalue()
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(int(n))))
    s3.put_object(Bucket=bucket, Key=prefix + "_SUCCESS", Body=b"")


def sign(key, secret, region, url, amzdate):
    import datetime
    from unittest import mock

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="GET", url=url)
    req.headers["x-amz-content-sha256"] = (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    when = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ")
    auth = S3SigV4Auth(Credentials(key, secret), "s3", region)
    # Sign at the request's own date, as botocore would have at that moment.
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(req)
    print(req.headers["Authorization"])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "setup":
        setup(*args)
    elif cmd == "put":
        put(*args[:6])
    elif cmd == "bulk":
        bulk(*args[:7])
    elif cmd == "sign":
        sign(*args[1:])
    else:
        sys.exit("unknown command " + cmd)
