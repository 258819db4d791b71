"""The OpenAPI document is a contract a client generator can use (API.md "Audit and operations")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def spec(client) -> dict[str, Any]:
    return client.get("/openapi.json").json


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].removeprefix("#/components/schemas/")]
    return schema


def test_every_operation_has_a_unique_camel_case_operation_id(spec):
    ids = {label: operation.get("operationId") for label, operation in _operations(spec)}
    assert len(ids) > 50
    assert [label for label, name in ids.items() if not name or not CAMEL_CASE.match(name)] == []
    assert len(set(ids.values())) == len(ids)


def test_operation_ids_use_the_contracts_words(spec):
    ids = {label: operation["operationId"] for label, operation in _operations(spec)}
    assert ids["POST /api/v1/patients"] == "createPatient"
    assert ids["GET /api/v1/patients/{patient_id}"] == "getPatient"
    assert ids["PATCH /api/v1/patients/{patient_id}"] == "updatePatient"
    assert ids["POST /api/v1/patients/{patient_id}/discharge"] == "dischargePatient"
    assert ids["GET /api/v1/sessions"] == "listSessions"
    assert ids["POST /api/v1/sessions"] == "createSession"
    assert ids["GET /api/v1/program-templates"] == "listProgramTemplates"
    assert ids["POST /api/v1/patients/{patient_id}/progress-logs"] == "createProgressLog"


def test_every_ref_resolves_and_each_schema_is_defined_once_under_its_own_name(spec):
    schemas = spec["components"]["schemas"]
    refs = {node["$ref"] for node in _nodes(spec) if isinstance(node.get("$ref"), str)}
    prefix = "#/components/schemas/"
    assert (
        sorted(ref for ref in refs if not ref.startswith(prefix) or ref[len(prefix) :] not in schemas) == []
    )
    # APIFlask files a nested model under its parent ("AppliedOut.AssignmentOut"), one copy per use.
    assert sorted(name for name in schemas if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)) == []
    assert sorted(name for name, schema in schemas.items() if schema.get("title", name) != name) == []
    # The same values under two names is one enum defined twice (bodies may share a shape, enums not).
    enums: dict[str, list[str]] = {}
    for name, schema in schemas.items():
        if "enum" in schema:
            enums.setdefault(json.dumps(sorted(schema["enum"])), []).append(name)
    assert [names for names in enums.values() if len(names) > 1] == []
    # Nothing left over that no operation uses.
    assert set(schemas) == {ref[len(prefix) :] for ref in refs}


def test_enums_with_different_values_have_different_names_and_one_definition(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["AssignmentSide"]["enum"] == ["left", "right", "both", "none"]
    assert schemas["BodySide"]["enum"] == ["left", "right"]
    assert "Side" not in schemas
    measurement = _resolve(
        spec,
        spec["paths"]["/api/v1/patients/{patient_id}/measurements"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"],
    )
    log = _resolve(
        spec,
        spec["paths"]["/api/v1/patients/{patient_id}/progress-logs"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"],
    )
    assert measurement["properties"]["side"] == {"$ref": "#/components/schemas/BodySide"}
    assert {"$ref": "#/components/schemas/BodySide"} in log["properties"]["side"]["anyOf"]


def test_page_models_are_named_after_their_items(spec):
    schemas = spec["components"]["schemas"]
    for page in ("PatientPage", "VisitPage", "AssignmentPage", "TherapistPage", "ProgressLogPage"):
        items = schemas[page]["properties"]["items"]["items"]
        assert items == {"$ref": f"#/components/schemas/{page.removesuffix('Page')}Out"}


def test_request_bodies_that_need_fields_are_required(spec):
    checked = 0
    for label, operation in _operations(spec):
        body = operation.get("requestBody")
        if body is None:
            continue
        schema = _resolve(spec, body["content"]["application/json"]["schema"])
        needs_body = bool(schema.get("required") or schema.get("minProperties"))
        assert body.get("required", False) is needs_body, label
        checked += 1
    assert checked > 25
    create = spec["paths"]["/api/v1/patients"]["post"]["requestBody"]
    assert create["required"] is True
    fields = _resolve(spec, create["content"]["application/json"]["schema"])["required"]
    assert set(fields) == {"email", "first_name", "last_name", "date_of_birth", "timezone"}
    # An optional reason: discharging needs no body at all.
    discharge = spec["paths"]["/api/v1/patients/{patient_id}/discharge"]["post"]["requestBody"]
    assert discharge.get("required", False) is False


def _unbounded(
    spec: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str]
) -> Iterator[str]:
    """Places in an input schema where a string, number or list states no upper bound."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        if name not in seen:
            yield from _unbounded(spec, _resolve(spec, schema), where, seen | {name})
        return
    for alternative in schema.get("anyOf", []):
        yield from _unbounded(spec, alternative, where, seen)
    kind = schema.get("type")
    free_text = schema.get("format") not in ("uuid", "date", "date-time")
    if kind == "string" and free_text and not ({"enum", "const", "maxLength"} & set(schema)):
        yield where
    if kind in ("integer", "number") and "maximum" not in schema and "enum" not in schema:
        yield where
    if kind == "array":
        if "maxItems" not in schema:
            yield where
        yield from _unbounded(spec, schema.get("items", {}), f"{where}[]", seen)
    for name, field in schema.get("properties", {}).items():
        yield from _unbounded(spec, field, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _unbounded(spec, schema["additionalProperties"], f"{where}.*", seen)
    if not schema and where.endswith("[]"):
        yield where  # a list of anything


def test_every_input_states_its_bounds(spec):
    unbounded = []
    for label, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            unbounded += _unbounded(spec, parameter["schema"], f"{label} ?{parameter['name']}", frozenset())
        if body := operation.get("requestBody"):
            schema = body["content"]["application/json"]["schema"]
            unbounded += _unbounded(spec, schema, f"{label} body", frozenset())
    assert unbounded == []
    per_page = next(
        p for p in spec["paths"]["/api/v1/patients"]["get"]["parameters"] if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == 200


def test_the_document_names_no_host_taken_from_the_request(client):
    # The document is cached: a server read from one caller's Host header would be shown to all.
    spec = client.get("/openapi.json", headers={"Host": "attacker.example"}).json
    assert [server["url"] for server in spec["servers"]] == ["/"]
    assert "attacker.example" not in json.dumps(spec)


def test_every_operation_says_who_may_call_it(spec):
    described = {label: operation.get("description", "") for label, operation in _operations(spec)}
    assert [
        label for label, text in described.items() if "may call this" not in text and "No sign-in" not in text
    ] == []
    assert described["POST /api/v1/therapists"].startswith("Only admins may call this")
    assert "No sign-in needed." in described["POST /api/v1/auth/tokens"]
    assert "outside the caller's scope answers 404" in described["GET /api/v1/patients/{patient_id}"]
