"""Hostile and loose input, sent to every route of the route map; shared by the SQLite and PostgreSQL walks.

Bodies: JSON no strict parser accepts (too deep, NaN, 1e400, duplicate keys) is 400; a NUL or an
unpaired surrogate in any string is 422 naming the field; a 1 MB string is 422 naming the field;
an instant written as a number or with a space is 422 naming the field; a body that is not sent as
JSON is 415. Query strings: the same text in a route's own parameter is 422 naming it, in any other
parameter 400. Anonymous callers of a protected route still get 401 first. No answer is a 5xx and
no route stores anything.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from werkzeug.test import TestResponse

from telehealth.accounts.models import User
from tests.security.world import SAFE_METHODS, Route, World, api_routes, changed_tables, snapshot

NUL = "a\x00b"
SURROGATE = "a\ud800b"
MEGABYTE = "x" * 1_000_000
# An instant as a number, and with a space where RFC 3339 puts a "T".
LOOSE_INSTANTS = {"number": 1796031029, "space": "2026-03-10 09:00:00+00:00"}
LOOSE_INSTANT_QUERIES = {"number": "0.5", "space": quote("2026-03-10 09:00:00+00:00")}
DEPTH = 100_000
NOT_ACCEPTABLE_JSON = {
    "nested arrays": "[" * DEPTH,
    "nested objects": '{"a":' * DEPTH,
    "huge number": '{"a": 1e400}',
    "NaN": '{"a": NaN}',
    "Infinity": '{"a": -Infinity}',
    "duplicate keys": '{"a": 1, "a": 2}',
}
# Throttles have tests of their own; here they would only hide the answers under test.
UNTHROTTLED = {
    "LOGIN_FAILURE_LIMIT": "100000 per minute",
    "LOGIN_FAILURE_LIMIT_PER_ADDRESS": "100000 per minute",
    "PASSWORD_RESET_LIMIT": "100000 per minute",
}


@dataclass(frozen=True)
class Case:
    name: str
    expected: int
    body: Any = None  # a value to send as JSON
    raw: str | None = None  # or raw text
    content_type: str | None = None
    query: str = ""
    named: frozenset[str] | None = None  # fields `errors` must name exactly
    names: str | None = None  # a field `errors` must name among others
    anonymous: bool = False


@dataclass
class Walk:
    world: World
    combinations: int = 0
    routes: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    _addresses: Iterator[int] = field(default_factory=itertools.count)

    def run(self) -> Walk:
        spec = self.world.api.client().get("/openapi.json").json
        with _unthrottled(self.world):
            for route in api_routes(self.world.app):
                before = snapshot()
                for case in self.cases(spec, route):
                    self.check(route, case)
                if changed := changed_tables(before, snapshot()):
                    self.problems.append(f"{route.label}: stored something, in {', '.join(changed)}")
        return self

    def cases(self, spec: dict[str, Any], route: Route) -> Iterator[Case]:
        operation = spec["paths"][route.openapi_path][route.method.lower()]
        properties = _body_properties(spec, operation)
        if properties is not None and route.method not in SAFE_METHODS:
            yield from self.body_cases(route, properties)
        yield from _query_cases(route, operation)

    def body_cases(self, route: Route, properties: dict[str, Any]) -> Iterator[Case]:
        valid = self.world.body_for(route) or {}
        for name, raw in NOT_ACCEPTABLE_JSON.items():
            yield Case(name, 400, raw=raw, content_type="application/json")
        yield Case("JSON sent as text/plain", 415, raw=json.dumps(valid), content_type="text/plain")
        yield Case("JSON sent with no content type", 415, raw=json.dumps(valid))
        for prop, schema in properties.items():
            yield Case(f"NUL in {prop}", 422, body=valid | {prop: NUL}, named=frozenset({prop}))
            yield Case(f"unpaired surrogate in {prop}", 422, body={prop: SURROGATE}, named=frozenset({prop}))
            yield Case(f"1 MB string in {prop}", 422, body=valid | {prop: MEGABYTE}, names=prop)
            if _is_instant(schema):
                for how, loose in LOOSE_INSTANTS.items():
                    yield Case(f"{prop} as a {how}", 422, body=valid | {prop: loose}, names=prop)
        if nested := _string_paths(valid):
            spoiled = _spoil_strings(valid)
            yield Case("NUL in every string of a valid body", 422, body=spoiled, named=frozenset(nested))
        if route.policy is not None and not route.policy.public:
            yield Case("NUL body from an anonymous caller", 401, body={"a": NUL}, anonymous=True)

    def check(self, route: Route, case: Case) -> None:
        self.combinations += 1
        self.routes.add(route.label)
        where = f"{route.label} [{case.name}]"
        caller = None if case.anonymous else self.world.allowed_caller(route)
        try:
            response = self.send(route, caller, case)
        except Exception as exc:  # the test client re-raises what would be a 500
            self.problems.append(f"{where}: server error {type(exc).__name__}")
            return
        status = response.status_code
        if status != case.expected:
            self.problems.append(f"{where}: {status}, expected {case.expected}")
            return
        if response.content_type != "application/problem+json":
            self.problems.append(f"{where}: answered {response.content_type}, not problem+json")
            return
        named = set((response.json or {}).get("errors", {}))
        if case.named is not None and named != case.named:
            self.problems.append(f"{where}: errors name {sorted(named)}, expected {sorted(case.named)}")
        if case.names is not None and case.names not in named:
            self.problems.append(f"{where}: errors name {sorted(named)}, not {case.names}")

    def send(self, route: Route, caller: User | None, case: Case) -> TestResponse:
        n = next(self._addresses)
        kwargs: dict[str, Any] = {
            "environ_base": {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
        }
        if case.raw is not None:
            kwargs["data"] = case.raw.encode()
            if case.content_type:
                kwargs["content_type"] = case.content_type
        elif case.body is not None:
            kwargs["json"] = case.body
        path = route.path(self.world.mine.ids) + case.query
        return self.world.api.call(route.method, path, caller, **kwargs)


@contextmanager
def _unthrottled(world: World) -> Iterator[None]:
    saved = {name: world.app.config[name] for name in UNTHROTTLED}
    world.app.config.update(UNTHROTTLED)
    try:
        yield
    finally:
        world.app.config.update(saved)


def _query_cases(route: Route, operation: dict[str, Any]) -> Iterator[Case]:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        name = parameter["name"]
        yield Case(f"NUL in ?{name}", 422, query=f"?{name}=a%00b", named=frozenset({name}))
        if _is_instant(parameter.get("schema", {})):
            for how, loose in LOOSE_INSTANT_QUERIES.items():
                yield Case(f"?{name} as a {how}", 422, query=f"?{name}={loose}", named=frozenset({name}))
    yield Case("NUL in a parameter the route does not take", 400, query="?unknown=a%00b")
    yield Case("NUL in a parameter's name", 400, query="?a%00b=1")
    if route.policy is not None and not route.policy.public:
        yield Case("NUL query from an anonymous caller", 401, query="?q=a%00b", anonymous=True)


def _body_properties(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = _resolve(spec, content["schema"])
    return {name: _resolve(spec, prop) for name, prop in schema.get("properties", {}).items()}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is_instant(schema: dict[str, Any]) -> bool:
    options = [*schema.get("anyOf", []), schema]
    return any(option.get("format") == "date-time" for option in options)


def _string_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, f"{path}.{i}" if path else str(i))]
    return []


def _spoil_strings(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {k: _spoil_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_spoil_strings(v) for v in value]
    return value
