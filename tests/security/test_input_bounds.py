"""Every bounded text field the document states is refused past its bound with 422, never stored."""

from __future__ import annotations

from typing import Any

from tests.security.world import SAFE_METHODS, World, api_routes, changed_tables, snapshot

ONE_MEGABYTE = 1_000_000


def _bounded_text_fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Top-level body fields that are strings with a maxLength (alone or or-null)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    fields = []
    for name, field in schema.get("properties", {}).items():
        options = field.get("anyOf", [field])
        if any(option.get("type") == "string" and "maxLength" in option for option in options):
            fields.append(name)
    return fields


def test_a_megabyte_in_any_text_field_is_refused_with_422_naming_it(world: World):
    spec = world.api.client().get("/openapi.json").json
    problems, checked = [], 0
    for route in api_routes(world.app):
        operation = spec["paths"][route.openapi_path][route.method.lower()]
        if route.method in SAFE_METHODS or "requestBody" not in operation:
            continue
        # Each field is checked on its own, so the others may be missing where no body was recorded.
        body = world.body_for(route) or {}
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        for field in _bounded_text_fields(spec, schema):
            before = snapshot()
            response, _ = world.call(
                world.allowed_caller(route),
                route.method,
                route.path(world.mine.ids),
                body | {field: "x" * ONE_MEGABYTE},
            )
            checked += 1
            if response.status_code != 422 or field not in (response.json or {}).get("errors", {}):
                problems.append(f"{route.label} {field}: {response.status_code}")
            if changed := changed_tables(before, snapshot()):
                problems.append(f"{route.label} {field}: changed {changed}")
    assert checked > 40
    assert problems == []
