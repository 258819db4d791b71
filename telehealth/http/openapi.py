"""The OpenAPI document as a client generator reads it, and as each route's policy implies it.

Every route's error statuses, credentials and "who may call" come from its policy.
APIFlask files each nested pydantic model under the model that uses it ("AppliedOut.AssignmentOut",
"TodayOut.AssignmentOut", ...), so one schema appears once per use and generators see duplicate or
clashing names. `finish` gives every schema one component named after its model, every operation a
camelCase `operationId` taken from its view function, and marks the request bodies a route needs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from apiflask import APIFlask
from flask import Flask
from flask_limiter.util import get_qualified_name
from werkzeug.routing import Rule

from telehealth.accounts.models import Role
from telehealth.extensions import limiter
from telehealth.http.policies import Policy
from telehealth.http.problems import PROBLEM_MIMETYPE, PROBLEM_SCHEMA
from telehealth.http.roles import ANYONE, ROLE_NAMES

COMPONENTS = "#/components/schemas/"
JSON = "application/json"
_VARIABLE = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>[^<>]+)>")
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9]")


def openapi_path(rule: Rule) -> str:
    """The OpenAPI path of a Flask rule: /patients/<uuid:patient_id> -> /patients/{patient_id}."""
    return _VARIABLE.sub(lambda m: "{" + m["name"] + "}", rule.rule)


def path_variables(rule: Rule) -> Iterator[tuple[str | None, str]]:
    """(converter, name) of each variable in a rule."""
    for match in _VARIABLE.finditer(rule.rule):
        yield match["converter"], match["name"]


def operation_id(view_name: str) -> str:
    """create_patient -> createPatient: a view's name is the operation's name."""
    first, *rest = view_name.strip("_").split("_")
    return first + "".join(word.capitalize() for word in rest)


DESCRIPTION = (
    "The telehealth physical-therapy API. Sign in with `POST /api/v1/auth/tokens` and send "
    "`Authorization: Bearer <token>`, or with `POST /api/v1/auth/login` (session cookie; send "
    "`X-CSRF-Token` on writes). Errors are RFC 9457 `application/problem+json`."
)


def finish(app: Flask, spec: dict[str, Any]) -> dict[str, Any]:
    spec["info"].setdefault("description", DESCRIPTION)
    _name_operations(app, spec)
    _enumerate_choices(app, spec)
    _one_component_per_schema(spec)
    _drop_unused_components(spec)
    _require_bodies(spec)
    return spec


def _name_operations(app: Flask, spec: dict[str, Any]) -> None:
    for rule in app.url_map.iter_rules():
        operations = spec["paths"].get(openapi_path(rule), {})
        view = app.view_functions[rule.endpoint]
        for method in rule.methods or ():
            operation = operations.get(method.lower())
            if operation is not None:
                # One declared with the route (`@bp.doc(operation_id=...)`) wins.
                operation.setdefault("operationId", operation_id(view.__name__))


def _enumerate_choices(app: Flask, spec: dict[str, Any]) -> None:
    """A path variable of Werkzeug's `any(a,b,c)` converter can only be one of those values."""
    for rule in app.url_map.iter_rules():
        # Arguments given by a rule's defaults have no converter.
        converters = {name: rule._converters.get(name) for name in rule.arguments}
        choices = {name: c for name, c in converters.items() if hasattr(c, "items")}
        if not choices:
            continue
        for operation in spec["paths"].get(openapi_path(rule), {}).values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                converter = choices.get(parameter.get("name")) if parameter.get("in") == "path" else None
                if converter is not None:
                    parameter["schema"] = {"type": "string", "enum": sorted(converter.items)}


def _component_name(key: str) -> str:
    """ "AppliedOut.AssignmentOut" -> "AssignmentOut"; a generic "PageOut[ItemOut]" -> "PageOutItemOut"."""
    return _NOT_A_NAME.sub("", key.rsplit(".", 1)[-1])


def _one_component_per_schema(spec: dict[str, Any]) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    wanted = {key: _component_name(key) for key in schemas}
    # A name two different schemas want stays qualified, so neither is silently lost; the contract
    # tests then fail until one of the models is renamed.
    clashing: set[str] = set()
    while True:
        renames = {key: name for key, name in wanted.items() if name not in clashing}
        by_name: dict[str, set[str]] = {}
        for key, name in renames.items():
            by_name.setdefault(name, set()).add(_canonical(schemas[key], renames, title=name))
        found = {name for name, versions in by_name.items() if len(versions) > 1}
        if found <= clashing:
            break
        clashing |= found
    merged: dict[str, Any] = {}
    for key, schema in schemas.items():
        name = renames.get(key, key)
        if "title" in schema and key in renames:
            schema["title"] = name
        merged.setdefault(name, schema)
    spec["components"]["schemas"] = merged
    _rewrite_refs(spec, lambda ref: COMPONENTS + renames.get(ref, ref))


def _canonical(schema: Any, renames: dict[str, str], *, title: str) -> str:
    """The schema as it reads once every reference uses the new names (for comparing copies)."""

    def renamed(ref: str) -> str:
        return COMPONENTS + renames.get(ref.removeprefix(COMPONENTS), ref)

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: renamed(value) if key == "$ref" else rename(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rename(value) for value in node]
        return node

    copy = rename(schema)
    if "title" in copy:
        copy["title"] = title
    return json.dumps(copy, sort_keys=True)


def _rewrite_refs(node: Any, new: Callable[[str], str]) -> None:
    for found in _schema_refs(node):
        found["$ref"] = new(found["$ref"].removeprefix(COMPONENTS))


def _schema_refs(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(COMPONENTS):
            yield node
        for value in node.values():
            yield from _schema_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_refs(value)


def _drop_unused_components(spec: dict[str, Any]) -> None:
    """APIFlask's own error schemas (HTTPError, ValidationError) are replaced by Problem everywhere."""
    schemas = spec["components"]["schemas"]
    used: set[str] = set()
    pending = [ref["$ref"].removeprefix(COMPONENTS) for ref in _schema_refs(spec["paths"])]
    while pending:
        name = pending.pop()
        if name in used or name not in schemas:
            continue
        used.add(name)
        pending.extend(ref["$ref"].removeprefix(COMPONENTS) for ref in _schema_refs(schemas[name]))
    spec["components"]["schemas"] = {name: schema for name, schema in schemas.items() if name in used}


def _require_bodies(spec: dict[str, Any]) -> None:
    """A body is required when its schema names a required field (or asks for at least one)."""
    schemas = spec["components"]["schemas"]
    for item in spec["paths"].values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body is None or JSON not in body.get("content", {}):
                continue
            schema = body["content"][JSON]["schema"]
            while "$ref" in schema:
                schema = schemas[schema["$ref"].removeprefix(COMPONENTS)]
            body["required"] = bool(schema.get("required") or schema.get("minProperties"))


# What the OpenAPI document says about each policy.
ERROR_RESPONSES: dict[int, str] = {
    400: "The body is not JSON or not a JSON object, or an unknown query parameter holds a NUL",
    401: "Not signed in, or the session or token has ended",
    403: "Signed in, but this role may not do this, or the X-CSRF-Token header is missing",
    404: "No such resource within the caller's scope",
    409: "The resource's current state does not allow this",
    413: "The body is larger than the server accepts",
    415: "The body is not sent as application/json (or another +json type)",
    422: "One or more fields are invalid; `errors` names each",
    429: "Too many attempts; retry after `Retry-After` seconds",
    503: "The database is briefly unreachable; retry after `Retry-After` seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The `token` from POST /api/v1/auth/tokens (paste it alone, without `Bearer `)",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "telehealth_session",
        "description": "Set by POST /api/v1/auth/login; unsafe requests also send `X-CSRF-Token`",
    },
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error_statuses(declared: Policy, method: str, *, path_ids: bool, body: bool, limited: bool) -> set[int]:
    """Every error status a route behind this policy can answer, derived from the policy itself."""
    statuses = {400, 503}  # any request may meet a database restart, or carry a NUL in its query
    if not declared.public:
        statuses.add(401)
        if method in UNSAFE_METHODS:
            statuses |= {403, 409}  # CSRF for cookie sessions; state conflicts of writes
        if declared.roles != ANYONE:
            statuses.add(403)
    if declared.scope is not None or path_ids or (body and not declared.public):
        statuses.add(404)  # an id in the path, or one a body refers to, may lie outside the scope
    if body:
        statuses |= {413, 415, 422}
    if limited:
        statuses.add(429)
    return statuses


def init_app(app: APIFlask) -> None:
    """Let the OpenAPI document state, for every route, the statuses and credentials its policy implies."""

    def process(spec: dict[str, Any]) -> dict[str, Any]:
        components = spec.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components["securitySchemes"] = SECURITY_SCHEMES
        for rule in app.url_map.iter_rules():
            declared: Policy | None = getattr(app.view_functions[rule.endpoint], "policy", None)
            operations = spec["paths"].get(openapi_path(rule), {})
            for method in sorted(rule.methods or ()):
                operation = operations.get(method.lower())
                if declared is not None and operation is not None:
                    _document_operation(app, rule, declared, method, operation)
        for operations in spec["paths"].values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                _as_problems(responses)
                operation["responses"] = dict(sorted(responses.items()))
        return finish(app, spec)

    # APIFlask types the callback for a str too, but hands it spec.to_dict() (SPEC_PROCESSOR_PASS_OBJECT off).
    app.spec_processor(process)  # type: ignore[arg-type]


def who_may_call(declared: Policy) -> str:
    """The policy in a client developer's words, for the operation's description."""
    if declared.public:
        return "No sign-in needed."
    if declared.roles == ANYONE:
        who = "Any signed-in user"
    else:
        names = [ROLE_NAMES[role] for role in Role if role in declared.roles]
        who = "Only " + " and ".join(names)
    text = f"{who} may call this (bearer token, or session cookie with `X-CSRF-Token` on writes)."
    if declared.scope is not None:
        text += f" A {declared.scope.resource_type.replace('_', ' ')} outside the caller's scope answers 404."
    return text


def _document_operation(app: Flask, rule: Rule, declared: Policy, method: str, operation: dict) -> None:
    view = app.view_functions[rule.endpoint]
    limited = bool(limiter.limit_manager.decorated_limits(get_qualified_name(view)))
    body = "requestBody" in operation
    statuses = error_statuses(declared, method, path_ids=bool(rule.arguments), body=body, limited=limited)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(str(status), {"description": ERROR_RESPONSES[status]})
    if not declared.public:
        operation["security"] = [{"bearer": []}, {"cookie": []}]
    described = operation.get("description")
    operation["description"] = (
        f"{described}\n\n{who_may_call(declared)}" if described else who_may_call(declared)
    )
    uuids = {name for converter, name in path_variables(rule) if converter == "uuid"}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") in uuids:
            parameter["schema"] = {"type": "string", "format": "uuid"}


def _as_problems(responses: dict[str, Any]) -> None:
    """Every error answer is RFC 9457 problem+json, whichever part of the app produced it."""
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        response["content"] = {PROBLEM_MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        if int(status) in (429, 503):
            response.setdefault("headers", {}).update(RETRY_AFTER)
