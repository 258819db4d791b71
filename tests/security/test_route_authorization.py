"""Promise 1: no caller reaches data outside their scope, on every route of the route map.

For every /api/v1 route that takes an id, as: anonymous (401), a patient on another patient's
objects (404), a therapist on another caseload (404), and each role the policy leaves out on an
object that role can see (403). Every refused call leaves the database as it was and leaves an
audit event naming the caller, the target, the action and the request id (promise 6).
"""

from __future__ import annotations

from dataclasses import dataclass

from telehealth.accounts.models import Role, User
from tests.security.world import (
    VARIABLES,
    Route,
    UnmappedVariable,
    World,
    api_routes,
    audit_problems,
    changed_tables,
    snapshot,
)


@dataclass(frozen=True)
class Attempt:
    route: Route
    who: str
    caller: User | None
    ids: dict[str, str]
    expected: int


def _id_routes(world: World) -> list[Route]:
    return [route for route in api_routes(world.app) if route.variables]


def _out_of_scope_status(route: Route, role: str) -> int:
    # The documented order: a declared scope answers 404 first; without one the role is refused first.
    assert route.policy is not None
    if route.policy.scope is None and role not in route.policy.roles:
        return 403
    return 404


def _anonymous(world: World) -> list[Attempt]:
    return [Attempt(r, "anonymous", None, world.mine.ids, 401) for r in _id_routes(world)]


def _other_caseload(world: World) -> list[Attempt]:
    attempts = []
    for route in _id_routes(world):
        if not route.on_caseload:
            continue  # the exercise library and program templates belong to the whole clinic
        for role in (Role.PATIENT, Role.THERAPIST):
            caller = world.mine.user(role)
            who = f"{role} on another caseload"
            attempts.append(Attempt(route, who, caller, world.theirs.ids, _out_of_scope_status(route, role)))
    return attempts


def _roles_left_out(world: World) -> list[Attempt]:
    attempts = []
    for route in _id_routes(world):
        assert route.policy is not None
        if route.policy.public:
            continue
        for role in sorted(set(Role) - route.policy.roles):
            caller = world.user_for(role)
            attempts.append(Attempt(route, f"{role} (not in the policy)", caller, world.mine.ids, 403))
    return attempts


def _refusals(world: World, attempts: list[Attempt]) -> list[str]:
    """Make each attempt; describe every way it was not cleanly refused."""
    problems = []
    for attempt in attempts:
        route = attempt.route
        before = snapshot()
        path = route.path(attempt.ids)
        response, request_id = world.call(attempt.caller, route.method, path, world.body_for(route))
        where = f"{route.label} as {attempt.who}"
        if response.status_code != attempt.expected:
            problems.append(f"{where}: {response.status_code}, expected {attempt.expected}")
        if response.content_type != "application/problem+json":
            problems.append(f"{where}: answered {response.content_type}, not problem+json")
        if changed := changed_tables(before, snapshot()):
            problems.append(f"{where}: changed {', '.join(changed)}")
        problems.extend(_audit_problems(where, attempt, request_id, response.status_code))
    return problems


def _audit_problems(where: str, attempt: Attempt, request_id: str, status: int) -> list[str]:
    policy = attempt.route.policy
    assert policy is not None
    expected = {
        "action": policy.action,
        "outcome": "denied",
        "status_code": status,
        "actor_id": attempt.caller.id if attempt.caller else None,
    }
    if policy.scope is not None:
        expected["resource_id"] = attempt.ids[policy.scope.arg]
    if "patient_id" in attempt.route.variables:
        expected["patient_id"] = attempt.ids["patient_id"]
    return audit_problems(where, request_id, expected)


def test_every_api_route_declares_a_policy(app):
    routes = api_routes(app)
    assert len(routes) > 40
    missing = [route.label for route in routes if route.policy is None]
    assert missing == [], f"routes without @policy(...): {missing}"


def test_every_url_variable_names_an_object_of_the_world(app):
    unmapped = sorted({name for route in api_routes(app) for name in route.variables} - set(VARIABLES))
    assert unmapped == [], UnmappedVariable(f"map these URL variables in tests/security/world.py: {unmapped}")


def test_anonymous_callers_get_401_on_every_route_with_an_id(world):
    attempts = _anonymous(world)
    assert len(attempts) > 25
    assert _refusals(world, attempts) == []


def test_no_patient_or_therapist_reaches_another_caseload(world):
    attempts = _other_caseload(world)
    assert len(attempts) > 40
    assert _refusals(world, attempts) == []


def test_roles_outside_a_policy_get_403_on_objects_they_can_see(world):
    attempts = _roles_left_out(world)
    # Therapists are left out of the admin-only routes with ids (the FHIR export's status and files).
    assert {a.caller.role for a in attempts if a.caller} == {Role.PATIENT, Role.ADMIN, Role.THERAPIST}
    assert _refusals(world, attempts) == []
