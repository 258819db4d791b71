"""Promise 3: no input causes a 5xx, an undocumented status or an answer that breaks its schema.

Schemathesis generates requests from the app's own /openapi.json and sends each one as every
role (bearer tokens) and anonymously. Path ids that parse as UUIDs are swapped for real objects
the caller can see, so generated bodies reach the services instead of stopping at 404.
The database is put back to the built world before each operation, so one operation's effects
(a discharge, a logout) do not starve the next.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
import time_machine
from apiflask import APIFlask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from telehealth import create_app
from telehealth.extensions import db, limiter
from tests.factories import Api, build_clinic
from tests.security.world import NOW, World, api_routes

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 12
# Schemathesis reads the document when the module is collected; the fixture below builds its world.
APP = create_app("test")
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@dataclass
class Fuzzing:
    app: APIFlask
    world: World
    saved: sqlite3.Connection
    callers: dict[str, str | None]  # who -> bearer token (None: anonymous)
    cases: int = 0
    calls: int = 0
    operations: set[str] = field(default_factory=set)

    def restore(self) -> None:
        """Put the database back to the freshly built world and forget every rate-limit hit."""
        with self.app.app_context():
            with db.engine.connect() as connection:
                self.saved.backup(connection.connection.driver_connection)
            limiter.reset()


@pytest.fixture(scope="module")
def fuzzing() -> Iterator[Fuzzing]:
    app = APP
    # One Limiter serves every app of this process and counts in the storage of the app bound last,
    # which may be another module's stopped Redis (under xdist): bind it to this app's storage again.
    limiter.init_app(app)
    # The world is built in an app context of its own; schemathesis's requests each get theirs.
    with time_machine.travel(NOW, tick=False):
        with app.app_context():
            db.create_all()
            world = World(app, Api(app), build_clinic()).build()
            saved = sqlite3.connect(":memory:")
            with db.engine.connect() as connection:
                connection.connection.driver_connection.backup(saved)
            callers = {
                "admin": world.api.token_for(world.clinic.admin),
                "therapist": world.api.token_for(world.mine.therapist),
                "patient": world.api.token_for(world.mine.patient),
                "anonymous": None,
            }
        state = Fuzzing(app, world, saved, callers)
        yield state
        print(
            f"\nschemathesis: {len(state.operations)} operations, {state.cases} cases, "
            f"{state.calls} calls as {', '.join(callers)}"
        )
        with app.app_context():
            db.drop_all()


@pytest.fixture
def fresh_world(fuzzing: Fuzzing) -> Fuzzing:
    fuzzing.restore()
    return fuzzing


@schema.parametrize()
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case, fresh_world: Fuzzing
):
    fuzzing = fresh_world
    fuzzing.operations.add(case.operation.label)
    fuzzing.cases += 1
    generated = dict(case.path_parameters or {})
    for token in fuzzing.callers.values():
        case.path_parameters = {name: _visible(fuzzing, name, value) for name, value in generated.items()}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(headers=headers)
        fuzzing.calls += 1
        case.validate_response(response, checks=CHECKS, headers=headers)


def _visible(fuzzing: Fuzzing, name: str, value: object) -> object:
    """A well-formed id becomes the caller-visible object of that kind; malformed ones stay as sent."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return value
    return fuzzing.world.mine.ids.get(name, value)


def test_the_openapi_document_lists_every_route_of_the_route_map(client):
    spec = client.get("/openapi.json").json
    listed = {(path, method.upper()) for path, operations in spec["paths"].items() for method in operations}
    routes = {(route.openapi_path, route.method) for route in api_routes(client.application)}
    assert len(routes) > 40
    assert routes - listed == set()


def test_every_documented_operation_states_the_errors_its_policy_can_answer(client):
    spec = client.get("/openapi.json").json
    problems = []
    for route in api_routes(client.application):
        operation = spec["paths"][route.openapi_path][route.method.lower()]
        responses, policy = operation["responses"], route.policy
        # Any query may carry a NUL in a parameter the route does not take (400).
        expected = {"400", "503"} | ({"401"} if not policy.public else set())
        if route.variables:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415", "422"}
        if missing := expected - set(responses):
            problems.append(f"{route.label}: does not document {sorted(missing)}")
        for status, response in responses.items():
            if int(status) >= 400 and set(response.get("content", {})) != {"application/problem+json"}:
                problems.append(f"{route.label}: {status} is not documented as problem+json")
        if not policy.public and operation.get("security") != [{"bearer": []}, {"cookie": []}]:
            problems.append(f"{route.label}: documents no credentials")
    assert problems == []
