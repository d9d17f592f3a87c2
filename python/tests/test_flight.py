"""Murr's Arrow Flight service through pyarrow.flight, an unmodified client built on Apache
Arrow's own Flight proto, against the real `murr serve`: every RPC the server answers, every
action, the errors with their gRPC status and message, bearer tokens in call headers, and the
HTTP API seeing what Flight wrote (and the other way round)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.flight as fl
import pytest
from murr.client import ColumnSchema, DType, SyncClient, TableSchema

from conftest import Server

SCHEMA = TableSchema(
    key="id",
    columns={
        "id": ColumnSchema(DType.UTF8, nullable=False),
        "score": ColumnSchema(DType.FLOAT32),
        "age": ColumnSchema(DType.INT64),
        "name": ColumnSchema(DType.UTF8),
    },
)


@pytest.fixture
def flight(server: Server) -> Iterator[fl.FlightClient]:
    client = fl.connect(server.flight)
    yield client
    client.close()


def create(client: fl.FlightClient, name: str, schema: TableSchema = SCHEMA) -> None:
    body = json.dumps({"name": name, "schema": schema.to_dict()}).encode()
    results = list(client.do_action(fl.Action("create_table", body)))
    assert [json.loads(r.body.to_pybytes()) for r in results] == [{"created": name}]


def put(
    client: fl.FlightClient, name: str, data: pa.Table, chunk: int | None = None
) -> dict:
    """A DoPut of `data` (in batches of `chunk` rows); the server's PutResult metadata."""
    writer, reader = client.do_put(fl.FlightDescriptor.for_path(name), data.schema)
    with writer:
        for batch in data.to_batches(max_chunksize=chunk):
            writer.write_batch(batch)
        writer.done_writing()
        reply = reader.read()
    return json.loads(reply.to_pybytes())


def ticket(table: str, keys: list[str], columns: list[str]) -> fl.Ticket:
    return fl.Ticket(json.dumps({"table": table, "keys": keys, "columns": columns}))


def flight_error(excinfo: pytest.ExceptionInfo) -> tuple[str, str]:
    """(gRPC status as pyarrow names it, the server's message) of a Flight error."""
    m = re.search(
        r"Flight returned (.+?) error, with message: (.*?)(?:\. gRPC client debug context: .*)?$",
        str(excinfo.value),
        re.DOTALL,
    )
    assert m, str(excinfo.value)
    return m.group(1), m.group(2)


def test_actions_create_and_drop_tables(flight: fl.FlightClient) -> None:
    actions = {a.type: a.description for a in flight.list_actions()}
    assert sorted(actions) == ["create_table", "drop_table"]
    assert actions["create_table"].startswith(
        'Creates a table. Body: {"name": "<table>"'
    )
    assert actions["drop_table"] == (
        'Drops a table and its data. Body: the table name (UTF-8). Result: {"dropped": "<table>"}.'
    )
    create(flight, "users")
    assert flight.get_schema(fl.FlightDescriptor.for_path("users")).schema == (
        SCHEMA.to_arrow()
    )
    with pytest.raises(
        pa.ArrowException
    ) as e:  # ALREADY_EXISTS: pyarrow has no class of its own
        create(flight, "users")
    assert type(e.value) is pa.ArrowException
    assert flight_error(e) == ("already exists", "table 'users' already exists")
    results = list(flight.do_action(fl.Action("drop_table", b"users")))
    assert [r.body.to_pybytes() for r in results] == [b'{"dropped":"users"}']
    with pytest.raises(pa.ArrowKeyError) as e:  # NOT_FOUND
        list(flight.do_action(fl.Action("drop_table", b"users")))
    assert flight_error(e) == ("not found", "table 'users' not found")
    with pytest.raises(pa.ArrowNotImplementedError) as e:  # UNIMPLEMENTED
        list(flight.do_action(fl.Action("compact", b"users")))
    assert flight_error(e) == (
        "unimplemented",
        "unknown action 'compact': Murr's actions are create_table and drop_table (see ListActions)",
    )
    with pytest.raises(pa.ArrowInvalid) as e:  # INVALID_ARGUMENT
        list(flight.do_action(fl.Action("create_table", b'{"name": "x"}')))
    status, message = flight_error(e)
    assert status == "invalid argument" and "schema" in message


def test_do_put_then_do_get_in_key_order(
    server: Server, flight: fl.FlightClient
) -> None:
    create(flight, "users")
    data = pa.table(
        {
            "id": ["a", "ключ-б", "c", "a"],
            "score": pa.array([1.5, None, math.nan, -0.0], pa.float32()),
            "age": pa.array([1, 2, None, 4], pa.int64()),
            "name": ["x", None, "日本", "x2"],
        },
        schema=SCHEMA.to_arrow(),
    )
    # Four batches in one stream are one write; within it the last "a" wins, and "rows" counts
    # the distinct keys written (as HTTP's write reply does).
    assert put(flight, "users", data, chunk=1) == {"rows": 3}
    result = flight.do_get(
        ticket("users", ["c", "nope", "a", "ключ-б", "a"], ["name", "score", "age"])
    ).read_all()
    assert result.schema == pa.schema(
        [("name", pa.utf8()), ("score", pa.float32()), ("age", pa.int64())]
    )
    assert result.column("name").to_pylist() == ["日本", None, "x2", None, "x2"]
    scores = result.column("score").to_pylist()
    assert math.isnan(scores[0]) and scores[1:3] == [None, 0.0]
    assert math.copysign(1.0, scores[2]) == -1.0 and scores[3:] == [None, 0.0]
    assert result.column("age").to_pylist() == [None, None, 4, 2, 4]
    # What Flight wrote, HTTP reads; what HTTP writes, Flight reads.
    with SyncClient(server.endpoint) as http:
        assert http.read("users", ["ключ-б"], ["age"]).column(0).to_pylist() == [2]
        http.write("users", {"id": ["z"], "age": pa.array([26], pa.int64())})
    assert flight.do_get(ticket("users", ["z"], ["age"])).read_all().column(
        0
    ).to_pylist() == [26]


def test_record_columns_read_whole_over_http_and_flight(
    server: Server, flight: fl.FlightClient
) -> None:
    """Fixed-width columns are gathered into one block that goes out as one message body, the
    buffers at the places the gather gave them; pyarrow reads those replies, with and without
    missing keys and nulls, over HTTP and over Flight."""
    schema = TableSchema(
        key="id",
        columns={
            "id": ColumnSchema(DType.UTF8, nullable=False),
            "f": ColumnSchema(DType.FLOAT32),
            "g": ColumnSchema(DType.INT64),
            "b": ColumnSchema(DType.BOOL),
            "h": ColumnSchema(DType.FLOAT64),
        },
    )
    n = 3000
    rows = {
        "id": [f"r{i}" for i in range(n)],
        "f": pa.array([i * 0.25 for i in range(n)], pa.float32()),
        "g": pa.array([None if i % 7 == 0 else i * 3 for i in range(n)], pa.int64()),
        "b": [i % 3 == 0 for i in range(n)],
        "h": pa.array([-i / 8 for i in range(n)], pa.float64()),
    }
    keys = [f"r{(i * 7919) % n}" if i % 11 else f"missing{i}" for i in range(2500)]
    found = [int(k[1:]) if k.startswith("r") else None for k in keys]

    def expect(column: str) -> list:
        values = rows[column]
        values = values.to_pylist() if isinstance(values, pa.Array) else values
        return [None if i is None else values[i] for i in found]

    with SyncClient(server.endpoint) as http:
        http.create("block", schema)
        http.write("block", rows)
        columns = ["g", "f", "b", "h"]
        over_http = http.read("block", keys, columns)
        over_flight = flight.do_get(ticket("block", keys, columns)).read_all()
        for result in (over_http, over_flight):
            result.validate(full=True)
            assert result.num_rows == len(keys)
            for c in columns:
                assert result.column(c).to_pylist() == expect(c), c
        # Every key found and no null stored: the reply carries no validity bitmap.
        present = [k for k in keys if k.startswith("r")]
        for result in (
            http.read("block", present, ["f", "h"]),
            flight.do_get(ticket("block", present, ["f", "h"])).read_all(),
        ):
            result.validate(full=True)
            assert result.column("f").null_count == 0
            assert result.column("f").to_pylist() == [
                rows["f"][int(k[1:])].as_py() for k in present
            ]
            assert result.column("h").to_pylist() == [-int(k[1:]) / 8 for k in present]


def test_do_get_over_4_mib_arrives_in_several_messages(flight: fl.FlightClient) -> None:
    schema = TableSchema(
        "id", {"id": ColumnSchema("utf8", False), "text": ColumnSchema("utf8")}
    )
    create(flight, "big", schema)
    n = 20_000
    keys = [f"key-{i:06d}" for i in range(n)]
    texts = [f"{i:06d}" * 50 for i in range(n)]  # 300 bytes each: 6 MB of values
    put(flight, "big", pa.table({"id": keys, "text": texts}, schema=schema.to_arrow()))
    asked = keys[::-1] + keys[:10]
    reader = flight.do_get(ticket("big", asked, ["text", "id"]))
    batches = []
    while True:
        try:
            batches.append(reader.read_chunk().data)
        except StopIteration:
            break
    assert len(batches) > 1
    assert all(b.nbytes < 4 * 1024 * 1024 for b in batches)
    table = pa.Table.from_batches(batches)
    assert table.num_rows == n + 10 and table.nbytes > 4 * 1024 * 1024
    assert table.column("id").to_pylist() == asked
    assert table.column("text").to_pylist() == texts[::-1] + texts[:10]


def test_flight_info_schema_and_listing(flight: fl.FlightClient) -> None:
    for name in ["users", "usage", "other"]:
        create(flight, name)
    put(
        flight,
        "users",
        pa.table(
            {"id": ["a", "b", "a"], "score": pa.array([1, 2, 3], pa.float32())},
            schema=pa.schema(
                [pa.field("id", pa.utf8(), False), pa.field("score", pa.float32())]
            ),
        ),
    )
    info = flight.get_flight_info(fl.FlightDescriptor.for_path("users"))
    assert info.schema == SCHEMA.to_arrow()
    assert info.descriptor == fl.FlightDescriptor.for_path("users")
    assert info.total_records == 2  # distinct keys
    assert info.total_bytes > 0
    assert list(info.endpoints) == []
    assert TableSchema.from_dict(json.loads(info.app_metadata)) == SCHEMA
    schema = flight.get_schema(fl.FlightDescriptor.for_path("users")).schema
    assert schema == SCHEMA.to_arrow() and schema.field("id").nullable is False
    listed = list(flight.list_flights())
    assert [f.descriptor.path for f in listed] == [[b"other"], [b"usage"], [b"users"]]
    assert [f.total_records for f in listed] == [0, 0, 2]
    prefixed = list(flight.list_flights(b"us"))
    assert [f.descriptor.path for f in prefixed] == [[b"usage"], [b"users"]]
    assert list(flight.list_flights(b"zz")) == []


def test_errors_carry_their_grpc_status_and_message(flight: fl.FlightClient) -> None:
    create(flight, "t")
    nowhere = fl.FlightDescriptor.for_path("nope")
    not_found = ("not found", "table 'nope' not found")
    with pytest.raises(pa.ArrowKeyError) as e:
        flight.do_get(ticket("nope", ["a"], ["score"])).read_all()
    assert flight_error(e) == not_found
    with pytest.raises(pa.ArrowKeyError) as e:
        flight.get_schema(nowhere)
    assert flight_error(e) == not_found
    with pytest.raises(pa.ArrowKeyError) as e:
        flight.get_flight_info(nowhere)
    assert flight_error(e) == not_found
    with pytest.raises(pa.ArrowKeyError) as e:
        put(flight, "nope", pa.table({"id": ["a"]}))
    assert flight_error(e) == not_found
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.do_get(ticket("t", ["a"], ["zz"])).read_all()
    assert flight_error(e) == ("invalid argument", "unknown column 'zz' in table 't'")
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.do_get(fl.Ticket(json.dumps({"keys": ["a"], "columns": ["score"]})))
    assert flight_error(e) == (
        "invalid argument",
        'the ticket names no table; expected {"table": "<name>", "keys": [...], "columns": [...]}',
    )
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.do_get(fl.Ticket(b"not json")).read_all()
    status, message = flight_error(e)
    assert status == "invalid argument"
    assert message.startswith("invalid ticket: fetch request is not valid JSON")
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.do_get(fl.Ticket(b'["t"]')).read_all()
    status, message = flight_error(e)
    assert message.startswith(
        "invalid ticket: fetch request must be a JSON object, got array"
    )
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.get_schema(fl.FlightDescriptor.for_command(b"t"))
    assert flight_error(e) == (
        "invalid argument",
        "the flight descriptor must be of type PATH with one element, the table name (got type CMD)",
    )
    # A type mismatch rejects the whole stream: nothing of it is written.
    bad = pa.table({"id": ["a", "b"], "score": pa.array([1.0, 2.0], pa.float64())})
    with pytest.raises(pa.ArrowInvalid) as e:
        put(flight, "t", bad, chunk=1)
    status, message = flight_error(e)
    assert status == "invalid argument"
    assert "column 'score' is float64 in the batch but float32 in table 't'" in message
    assert flight.get_flight_info(fl.FlightDescriptor.for_path("t")).total_records == 0
    # Handshake and DoExchange are UNIMPLEMENTED: tokens go in each call's metadata.
    with pytest.raises(pa.ArrowNotImplementedError) as e:
        flight.authenticate_basic_token("user", "password")
    assert flight_error(e)[0] == "unimplemented"
    with pytest.raises(pa.ArrowNotImplementedError) as e:
        writer, reader = flight.do_exchange(fl.FlightDescriptor.for_path("t"))
        with writer:
            reader.read_chunk()
    assert flight_error(e)[0] == "unimplemented"


READ_TOKEN = "flight-read-token-0123456789"
WRITE_TOKEN = "flight-write-token-0123456789"


def test_bearer_tokens_in_call_headers(workdir) -> None:
    server = Server(
        workdir, f"auth:\n  tokens: read:{READ_TOKEN},write:{WRITE_TOKEN}\n"
    )
    try:
        client = fl.connect(server.flight)

        def bearer(token: str) -> fl.FlightCallOptions:
            return fl.FlightCallOptions(
                headers=[(b"authorization", f"Bearer {token}".encode())]
            )

        with pytest.raises(fl.FlightUnauthenticatedError) as e:
            list(client.list_flights())
        assert flight_error(e)[0] == "unauthenticated"
        with pytest.raises(fl.FlightUnauthenticatedError):
            list(client.list_flights(options=bearer("not-a-token-0123456789")))
        body = json.dumps({"name": "t", "schema": SCHEMA.to_dict()}).encode()
        list(client.do_action(fl.Action("create_table", body), bearer(WRITE_TOKEN)))
        writer, reader = client.do_put(
            fl.FlightDescriptor.for_path("t"),
            pa.schema([pa.field("id", pa.utf8(), False), ("age", pa.int64())]),
            bearer(WRITE_TOKEN),
        )
        with writer:
            writer.write_table(
                pa.table(
                    {"id": ["a"], "age": pa.array([7], pa.int64())},
                    schema=writer_schema(),
                )
            )
            writer.done_writing()
            assert json.loads(reader.read().to_pybytes()) == {"rows": 1}
        got = client.do_get(ticket("t", ["a"], ["age"]), bearer(READ_TOKEN)).read_all()
        assert got.column(0).to_pylist() == [7]
        with pytest.raises(fl.FlightUnauthorizedError) as e:  # PERMISSION_DENIED
            list(client.do_action(fl.Action("drop_table", b"t"), bearer(READ_TOKEN)))
        status, message = flight_error(e)
        assert status == "unauthorized" and "read scope only" in message
        client.close()
    finally:
        assert server.stop() == 0


def writer_schema() -> pa.Schema:
    return pa.schema([pa.field("id", pa.utf8(), False), ("age", pa.int64())])


def test_integer_keys_over_flight(server: Server, flight: fl.FlightClient) -> None:
    """A uint64 key (decision 0024): DoPut with an Arrow UInt64 key column, a ticket with JSON
    integers, the key column back as UInt64; an integer beyond the range is INVALID_ARGUMENT."""
    schema = TableSchema(
        "id",
        {"id": ColumnSchema(DType.UINT64, False), "score": ColumnSchema(DType.FLOAT32)},
    )
    create(flight, "u", schema)
    top = 2**64 - 1
    data = pa.table(
        {
            "id": pa.array([top, 0, 7], pa.uint64()),
            "score": pa.array([1.5, 2.5, 3.5], pa.float32()),
        }
    )
    assert put(flight, "u", data) == {"rows": 3}
    got = flight.do_get(ticket("u", [7, top, 8, 0], ["id", "score"])).read_all()
    assert got.schema.field("id").type == pa.uint64()
    assert got.column("id").to_pylist() == [7, top, None, 0]
    assert got.column("score").to_pylist() == [3.5, 1.5, None, 2.5]
    with pytest.raises(pa.ArrowInvalid) as e:
        flight.do_get(ticket("u", [2**64], ["score"])).read_all()
    assert flight_error(e) == (
        "invalid argument",
        f"keys[0] = {2**64} is out of the uint64 range (table 'u' has uint64 keys)",
    )


def test_lists_through_do_put_and_do_get(
    server: Server, flight: fl.FlightClient
) -> None:
    """Variable-length lists (pyarrow List) in and out of Flight, and DuckDB reading the reply
    as BIGINT[] / VARCHAR[]; HTTP's JSON fetch of the same rows gives JSON arrays."""
    schema = TableSchema(
        "id",
        {
            "id": ColumnSchema(DType.UTF8, False),
            "clicks": ColumnSchema("int64[]"),
            "tags": ColumnSchema("utf8[]"),
        },
    )
    create(flight, "lists", schema)
    assert flight.get_schema(fl.FlightDescriptor.for_path("lists")).schema == (
        schema.to_arrow()
    )
    clicks = [[1, 2, 3], None, [], [None, -(2**63)]]
    tags = [["a"], ["b", None], None, []]
    data = pa.table(
        {"id": ["p", "q", "r", "s"], "clicks": clicks, "tags": tags},
        schema=schema.to_arrow(),
    )
    assert put(flight, "lists", data, chunk=3) == {"rows": 4}
    result = flight.do_get(
        ticket("lists", ["s", "nope", "p", "q", "r"], ["clicks", "tags"])
    ).read_all()
    assert result.schema == pa.schema(
        [("clicks", pa.list_(pa.int64())), ("tags", pa.list_(pa.utf8()))]
    )
    assert result.column("clicks").to_pylist() == [
        clicks[3],
        None,
        clicks[0],
        None,
        [],
    ]
    assert result.column("tags").to_pylist() == [[], None, tags[0], tags[1], None]

    import duckdb

    con = duckdb.connect()
    con.register("reply", result)
    assert con.execute(
        "SELECT typeof(clicks), typeof(tags) FROM reply LIMIT 1"
    ).fetchone() == (
        "BIGINT[]",
        "VARCHAR[]",
    )
    assert con.execute(
        "SELECT sum(len(clicks)), list_sum(flatten(list(clicks))) FROM reply"
    ).fetchone() == (5, 6 - 2**63)

    import urllib.request

    request = urllib.request.Request(
        server.endpoint + "/api/v1/table/lists/fetch",
        data=json.dumps({"keys": ["q", "s"], "columns": ["clicks", "tags"]}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request) as reply:
        body = json.loads(reply.read())
    assert body == {
        "columns": {"clicks": [None, [None, -(2**63)]], "tags": [["b", None], []]}
    }
