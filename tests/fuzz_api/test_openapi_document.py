"""The OpenAPI document of the real `murr serve`: valid OpenAPI 3.1 by an independent validator,
every operation named, the links the stateful fuzzing follows, and the limits it states are the
server's (a body the document refuses, the server refuses too)."""

from __future__ import annotations

import os

import jsonschema
import pytest
import requests
import schemathesis
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from murr_server import MurrServer

# Every operation of the document (a new route must be added here and to the document).
OPERATIONS = {
    "health",
    "openapi",
    "metrics",
    "listTables",
    "createTable",
    "dropTable",
    "getSchema",
    "getStatus",
    "fetch",
    "write",
}

# The chains the stateful run must be able to walk: operationId -> operationIds its links reach.
# fetch links nowhere (see openapi.cc: schemathesis would take the POST for the create).
REQUIRED_LINKS = {
    "createTable": {"write", "fetch", "getSchema", "getStatus", "dropTable"},
    "write": {"fetch", "getSchema", "getStatus", "dropTable"},
    "getSchema": {"getStatus", "fetch"},
    "getStatus": {"dropTable"},
    "dropTable": {"getSchema", "getStatus"},
}


def test_openapi_document_is_valid(openapi_document):
    assert openapi_document["openapi"] == "3.1.0"
    try:
        validate(
            openapi_document
        )  # picks the validator from the document's version (3.1)
    except OpenAPIValidationError as e:
        pytest.fail(f"/openapi.json is not a valid OpenAPI 3.1 document: {e}")


def test_document_names_every_operation_and_links_the_chain(openapi_document):
    ops = {}
    for item in openapi_document["paths"].values():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head"):
                ops[op["operationId"]] = op
    assert set(ops) == OPERATIONS
    for source, targets in REQUIRED_LINKS.items():
        linked = set()
        for response in ops[source]["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in ops, (
                    f"{source} links to unknown {link['operationId']}"
                )
                linked.add(link["operationId"])
        assert targets <= linked, (
            f"{source} does not link to {sorted(targets - linked)}"
        )


def request_schema_validator(document, component):
    # The document's components resolve against the root: "#/components/schemas/<component>".
    root = {
        "$ref": f"#/components/schemas/{component}",
        "components": document["components"],
    }
    return jsonschema.Draft202012Validator(root)


@pytest.fixture(scope="module")
def limits_table(murr_server):
    base = murr_server.base_url
    schema = {"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": False}}}
    assert (
        requests.put(f"{base}/api/v1/table/limits", json=schema, timeout=30).status_code
        == 201
    )
    yield f"{base}/api/v1/table/limits"
    assert requests.delete(f"{base}/api/v1/table/limits", timeout=30).status_code == 200


LONG = "c" * 256  # one byte over the 255 of a column name

# (component, operation path under the table, body): each is refused by the server with 400, and
# must be refused by the document too, or schemathesis generates it as valid input.
REFUSED = [
    (
        "TableSchema",
        "",
        {"key": "", "columns": {"": {"dtype": "utf8", "nullable": False}}},
    ),
    (
        "TableSchema",
        "",
        {"key": LONG, "columns": {LONG: {"dtype": "utf8", "nullable": False}}},
    ),
    (
        "TableSchema",
        "",
        {
            "key": "id",
            "columns": {
                "id": {"dtype": "utf8", "nullable": False},
                "": {"dtype": "bool"},
            },
        },
    ),
    ("FetchRequest", "/fetch", {"keys": ["a"], "columns": ["id", "id"]}),
    ("FetchRequest", "/fetch", {"keys": ["a"], "columns": ["id"], "table": ""}),
    ("FetchRequest", "/fetch", {"keys": ["a"], "columns": ["id"], "table": "no/slash"}),
]


@pytest.mark.parametrize("component,route,body", REFUSED)
def test_document_refuses_what_the_server_refuses(
    openapi_document, limits_table, component, route, body
):
    method = requests.put if component == "TableSchema" else requests.post
    url = limits_table + "_new" if component == "TableSchema" else limits_table + route
    reply = method(url, json=body, timeout=30)
    assert reply.status_code == 400, reply.text
    errors = list(
        request_schema_validator(openapi_document, component).iter_errors(body)
    )
    assert errors, (
        f"the document accepts {body}, which the server refuses: {reply.text}"
    )


def test_document_accepts_what_the_server_accepts(openapi_document, limits_table):
    schema = {
        "key": "id",
        "columns": {
            "id": {"dtype": "utf8", "nullable": False},
            "c" * 255: {"dtype": "bool"},
        },
    }
    request_schema_validator(openapi_document, "TableSchema").validate(schema)
    reply = requests.put(limits_table + "_accepted", json=schema, timeout=30)
    assert reply.status_code == 201, reply.text
    assert requests.delete(limits_table + "_accepted", timeout=30).status_code == 200
    fetch = {"keys": ["a", "a"], "columns": ["id"], "table": "limits"}
    request_schema_validator(openapi_document, "FetchRequest").validate(fetch)
    reply = requests.post(limits_table + "/fetch", json=fetch, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"columns": {"id": [None, None]}}


DOCUMENTED = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_quarantined_table_replies_are_documented(tmp_path, murr_schema):
    # A table whose segment is cut in half is quarantined at the next start; each route on it
    # must answer as the document says (503 where it cannot serve).
    binary = os.environ["MURR_BINARY"]
    server = MurrServer(binary, root=tmp_path)
    base = server.base_url + "/api/v1/table/bad"
    schema = {"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": False}}}
    assert requests.put(base, json=schema, timeout=30).status_code == 201
    write = {"columns": {"id": ["a", "b"]}}
    assert requests.put(base + "/write", json=write, timeout=30).status_code == 200
    assert server.stop() == 0
    (segment,) = (server.cache_dir / "bad").glob("*.seg")
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])

    server = MurrServer(binary, root=tmp_path)
    base = server.base_url + "/api/v1/table/bad"
    try:
        replies = [
            (
                "/api/v1/table/{name}/schema",
                "GET",
                None,
                requests.get(base + "/schema", timeout=30),
            ),
            (
                "/api/v1/table/{name}/status",
                "GET",
                None,
                requests.get(base + "/status", timeout=30),
            ),
            (
                "/api/v1/table/{name}/fetch",
                "POST",
                {"keys": ["a"], "columns": ["id"]},
                requests.post(
                    base + "/fetch", json={"keys": ["a"], "columns": ["id"]}, timeout=30
                ),
            ),
            (
                "/api/v1/table/{name}/write",
                "PUT",
                write,
                requests.put(base + "/write", json=write, timeout=30),
            ),
            (
                "/api/v1/table/{name}",
                "PUT",
                schema,
                requests.put(base, json=schema, timeout=30),
            ),
            ("/api/v1/table/{name}", "DELETE", None, requests.delete(base, timeout=30)),
        ]
        assert [r.status_code for *_, r in replies] == [503, 200, 503, 503, 409, 200]
        assert replies[1][3].json()["state"] == "quarantined"
        for path, method, body, reply in replies:
            operation = murr_schema[path][method]
            kwargs = {"path_parameters": {"name": "bad"}}
            if body is not None:
                kwargs.update(body=body, media_type="application/json")
            # Every check but not_a_server_error: 503 is the documented answer here.
            operation.Case(**kwargs).validate_response(reply, checks=DOCUMENTED)
        assert server.alive()
    finally:
        assert server.stop() == 0
