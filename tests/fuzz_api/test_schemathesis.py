"""Schemathesis against the real `murr serve`: every operation fuzzed on its own (stateless) and in
chains that follow the document's OpenAPI links (create -> write -> fetch / schema -> status ->
drop). Every response must be documented: no 5xx, documented status codes, content types, headers
and bodies; a created table is there, a dropped one is gone; the server never dies."""

from __future__ import annotations

import copy
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from conftest import MAX_EXAMPLES, STATEFUL_EXAMPLES, STATEFUL_STEPS

schema = schemathesis.pytest.from_fixture("murr_schema")

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


def test_schemathesis_rejects_a_lying_server(murr_server, murr_schema):
    # The checks must be able to fail: the real reply of GET /api/v1/table (a JSON object), checked
    # against a copy of the document that says it is an array, is a failure.
    response = murr_schema["/api/v1/table"]["GET"].Case().call()
    assert response.status_code == 200
    lying = copy.deepcopy(murr_schema.raw_schema)
    content = lying["paths"]["/api/v1/table"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"type": "array"}
    lying_schema = schemathesis.openapi.from_dict(lying)
    with pytest.raises(
        schemathesis.errors.FailureGroup, match="Response violates schema"
    ):
        lying_schema["/api/v1/table"]["GET"].Case().validate_response(response)


@schema.parametrize()
@FUZZ_SETTINGS
def test_stateless(case, murr_server):
    case.call_and_validate()
    assert murr_server.alive(), f"murr died after {case.method} {case.formatted_path}"


def answered(murr_server):
    """(route template, status code) -> requests answered so far, from /metrics."""
    metrics = requests.get(murr_server.base_url + "/metrics", timeout=30).text
    counts = {}
    for line in metrics.splitlines():
        m = re.match(
            r'murr_http_requests_total\{route="([^"]+)",code="([0-9]+)"\} ([0-9]+)',
            line,
        )
        if m:
            counts[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return counts


def test_stateful(murr_server, murr_schema):
    setup_drops = 0

    def drop_all_tables():
        nonlocal setup_drops
        for name in requests.get(
            murr_server.base_url + "/api/v1/table", timeout=30
        ).json():
            reply = requests.delete(
                f"{murr_server.base_url}/api/v1/table/{name}", timeout=30
            )
            assert reply.status_code == 200, reply.text
            setup_drops += 1

    class Workflow(murr_schema.as_state_machine()):
        # Each scenario starts from an empty server, so that replaying one (Hypothesis does, to
        # shrink) sees the same answers: a table left by an earlier scenario would turn a 201 into a
        # 409 and change which links can be followed.
        def setup(self):
            drop_all_tables()

    before = answered(murr_server)
    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
    )
    assert murr_server.alive()
    # The chains really ran: each step of create -> write -> fetch / schema -> status -> drop
    # succeeded at least once (the drops of setup() not counted).
    after = answered(murr_server)
    drop_ok = ("/api/v1/table/{name}", 200)
    after[drop_ok] = after.get(drop_ok, 0) - setup_drops
    table = "/api/v1/table/{name}"
    for route, code in [
        (table, 201),
        (table + "/write", 200),
        (table + "/fetch", 200),
        (table + "/schema", 200),
        (table + "/status", 200),
        (table, 200),
    ]:
        runs = after.get((route, code), 0) - before.get((route, code), 0)
        assert runs > 0, (
            f"the stateful run got no {code} from {route}: {sorted(after.items())}"
        )


def test_server_is_still_serving(murr_server):
    # After all of the above the server still answers, and lists its tables as documented.
    assert requests.get(murr_server.base_url + "/health", timeout=30).text == "OK"
    tables = requests.get(murr_server.base_url + "/api/v1/table", timeout=30)
    assert tables.status_code == 200 and isinstance(tables.json(), dict)
