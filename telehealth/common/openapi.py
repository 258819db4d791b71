"""The OpenAPI document as a client generator reads it: named operations, one component per schema.

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

from flask import Flask
from werkzeug.routing import Rule

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
        choices = {
            name: rule._converters[name]
            for name in rule.arguments
            if hasattr(rule._converters[name], "items")
        }
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

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    COMPONENTS + renames.get(value.removeprefix(COMPONENTS), value)
                    if key == "$ref"
                    else rename(value)
                )
                for key, value in node.items()
            }
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
