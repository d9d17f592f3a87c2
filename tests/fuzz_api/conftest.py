"""Fixtures of the API fuzz tests: one real `murr` server for the session (MURR_BINARY names it;
tests/fuzz_api/fuzz_api.cmake passes the build's binary)."""

from __future__ import annotations

import os
import zlib

import pyarrow.ipc
import pytest
import requests
import schemathesis

from murr_server import MurrServer

# Fixed budget and seed: every run sends the same requests. The ASan build (MURR_SANITIZED=1, set
# by `make test-asan`) is several times slower per request, so it gets a smaller budget. For a
# longer hunt by hand: FUZZ_API_MAX_EXAMPLES, FUZZ_API_STATEFUL_EXAMPLES (docs/testing.md).
SANITIZED = os.environ.get("MURR_SANITIZED") == "1"
SEED = 20240610
MAX_EXAMPLES = int(
    os.environ.get("FUZZ_API_MAX_EXAMPLES", "50" if SANITIZED else "100")
)
# The stateful run keeps the full budget under ASan too. Each schema change moves the derandomized
# search: with every dtype, 40 scenarios no longer reached a successful write chain; with list
# dtypes and integer keys, 100 reached no successful fetch (200 do: 36 s in Release).
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_API_STATEFUL_EXAMPLES", "200"))
STATEFUL_STEPS = 8

# Checks run on every response: no 5xx, status codes, content types, headers and bodies as
# documented; in the stateful run also that a created table is there and a dropped one is gone.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "arrow_reply_is_readable",
]
# More checks for a hunt by hand (comma-separated names), e.g. positive_data_acceptance, which
# reports every document-valid request the server refuses; not in `make test`, because some of
# Murr's rules cannot be said in JSON Schema (a fetch's columns must exist in the table).
CHECKS += [c for c in os.environ.get("FUZZ_API_EXTRA_CHECKS", "").split(",") if c]


ARROW_STREAM = "application/vnd.apache.arrow.stream"


def operation_id(context) -> str | None:
    operation = context.operation
    return None if operation is None else operation.definition.raw.get("operationId")


@schemathesis.hook
def before_call(context, case, kwargs):
    # A fetch answers an Arrow IPC stream when Accept names it, JSON otherwise; OpenAPI ignores an
    # Accept parameter, so the choice is made here, for about half of the fetches, from the body
    # and the table name (the same case always asks for the same format; a link-made case too).
    if (
        operation_id(context) == "fetch"
        and zlib.crc32(repr((case.path_parameters, case.body)).encode()) % 2
    ):
        case.headers = {**(case.headers or {}), "Accept": ARROW_STREAM}


@schemathesis.check
def arrow_reply_is_readable(ctx, response, case):
    # An Arrow reply must be a stream pyarrow (an independent reader) reads, with the requested
    # columns in request order and one row per requested key.
    if response.status_code != 200 or not any(
        v.startswith(ARROW_STREAM) for v in response.headers.get("content-type", [])
    ):
        return None
    table = pyarrow.ipc.open_stream(response.content).read_all()
    assert table.column_names == case.body["columns"], (
        f"Arrow reply has columns {table.column_names}, requested {case.body['columns']}"
    )
    assert table.num_rows == len(case.body["keys"]), (
        f"Arrow reply has {table.num_rows} rows for {len(case.body['keys'])} keys"
    )
    return True


@schemathesis.serializer(
    "application/vnd.apache.arrow.stream", "application/vnd.apache.parquet"
)
def binary_body(context, value):
    # Write accepts Arrow IPC streams and Parquet files, documented as binary strings; without a
    # serializer schemathesis would never send those bodies. Generated strings go out as their
    # UTF-8 bytes: garbage for the Arrow and Parquet readers behind the HTTP route.
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode("utf-8", "surrogatepass")}


@schemathesis.hook
def map_body(context, body):
    # A TableSchema must list its key column as a non-nullable utf8 column, which JSON Schema cannot
    # say (a property named by another property's value). Without this, generated creates would
    # almost never succeed and the stateful chains would never get past their first step.
    if (
        operation_id(context) == "createTable"
        and isinstance(body, dict)
        and isinstance(body.get("key"), str)
        and isinstance(body.get("columns"), dict)
    ):
        body = dict(body)
        body["columns"] = {
            **body["columns"],
            body["key"]: {"dtype": "utf8", "nullable": False},
        }
    return body


@pytest.fixture(scope="session")
def murr_server():
    binary = os.environ.get("MURR_BINARY")
    if not binary:
        pytest.fail(
            "MURR_BINARY is not set: run through ctest (tests/fuzz_api/fuzz_api.cmake)"
        )
    server = MurrServer(binary)
    try:
        yield server
    finally:
        alive = server.alive()
        code = server.stop()
        log = server.log()
        # Kept in the working directory (ctest's, in the build tree) for a look after a failure.
        with open("fuzz_api_murr.log", "w") as f:
            f.write(log)
        server.cleanup()
    assert alive, f"murr died during the fuzz run (exit {code}):\n{log[-20000:]}"
    assert code == 0, f"murr exited with {code} after SIGTERM:\n{log[-20000:]}"


@pytest.fixture(scope="session")
def openapi_document(murr_server):
    reply = requests.get(murr_server.base_url + "/openapi.json", timeout=30)
    assert reply.status_code == 200
    return reply.json()


def schemathesis_config() -> schemathesis.Config:
    checks = {"enabled": False}
    checks.update({name: {"enabled": True} for name in CHECKS})
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "deterministic": True,
                "max-examples": MAX_EXAMPLES,
                "mode": "all",
            },
            "checks": checks,
            "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
        }
    )


@pytest.fixture(scope="session")
def murr_schema(murr_server, openapi_document):
    schema = schemathesis.openapi.from_dict(
        openapi_document, config=schemathesis_config()
    )
    schema.config.update(base_url=murr_server.base_url)
    return schema


@pytest.fixture(autouse=True)
def server_stays_up(murr_server):
    yield
    assert murr_server.alive(), f"murr died:\n{murr_server.log()[-20000:]}"
