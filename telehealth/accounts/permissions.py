"""Every API view declares its policy here: who may call it, through which scope, and what is audited.

Order of checks, so status codes never leak what lies outside a caller's scope:
401 not signed in -> 403 missing CSRF -> 404 object outside scope -> 403 role may not act
-> the edge (telehealth.web: 415 body type, 400 not a JSON object, 422 unstorable text)
-> 422 fields (APIFlask) -> the view. The policy owns the request's transaction: it commits
the view's work together with the audit event.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request
from flask_limiter.util import get_qualified_name
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from telehealth.accounts.models import Role, User
from telehealth.accounts.security import require_user
from telehealth.audit import service as audit
from telehealth.common import openapi
from telehealth.errors import PROBLEM_MIMETYPE, PROBLEM_SCHEMA, DomainError, Forbidden
from telehealth.extensions import db, limiter
from telehealth.web import refuse_unacceptable_input

ANYONE = frozenset(Role)
CLINICIANS = frozenset({Role.THERAPIST, Role.ADMIN})
STAFF_ONLY = frozenset({Role.ADMIN})
THERAPISTS = frozenset({Role.THERAPIST})
PATIENTS = frozenset({Role.PATIENT})
PUBLIC: frozenset[Role] = frozenset()  # no sign-in needed


@dataclass(frozen=True)
class Scope:
    """Looks an object up through the caller's scope: out of scope is simply not found."""

    arg: str  # the URL variable holding the id
    loader: Callable[[User, uuid.UUID], Any]  # raises NotFound
    name: str  # the keyword the view receives the object as
    resource_type: str
    # For the audit trail only: whose record an id is, so a refused attempt is filed under them.
    owner: Callable[[uuid.UUID], uuid.UUID | None] | None = None


@dataclass(frozen=True)
class Policy:
    action: str | None
    roles: frozenset[str]
    scope: Scope | None
    public: bool


def policy(
    action: str | None,
    *,
    roles: Iterable[str],
    scope: Scope | None = None,
    resource_type: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    allowed = frozenset(roles)
    declared = Policy(action, allowed, scope, public=not allowed)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            entry = audit.begin(action, scope.resource_type if scope else resource_type)
            try:
                result = _run(view, declared, entry, args, kwargs)
                audit.finish(entry, _status_of_result(result))
                db.session.commit()
                return result
            except Exception as exc:
                db.session.rollback()
                audit.finish_failed(entry, _status_of_exception(exc))
                raise

        wrapper.policy = declared  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _run(view: Callable[..., Any], declared: Policy, entry: audit.Entry, args: tuple, kwargs: dict) -> Any:
    user: User | None = None
    scope = declared.scope
    if scope is not None:
        raw_id = kwargs.pop(scope.arg)
        # Named before sign-in is checked, so even an anonymous attempt is filed under its target.
        entry.resource_id = str(raw_id)
        if scope.resource_type == "patient":
            entry.patient_id = raw_id  # a refused attempt is still filed under that patient
    if not declared.public:
        user = require_user(request.method, request.headers.get("X-CSRF-Token"))
        entry.actor = user
    if scope is not None:
        try:
            obj = scope.loader(user, raw_id)  # type: ignore[arg-type]
        except DomainError:
            if scope.owner is not None and entry.patient_id is None:
                entry.patient_id = scope.owner(raw_id)
            raise
        entry.patient_id = patient_id_of(obj)
        kwargs[scope.name] = obj
    if user is not None and user.role not in declared.roles:
        raise Forbidden(f"A {user.role} may not do this.")
    refuse_unacceptable_input(view)
    return view(*args, **kwargs)


def patient_id_of(obj: Any) -> uuid.UUID | None:
    from telehealth.patients.models import Patient

    if isinstance(obj, Patient):
        return obj.id
    return getattr(obj, "patient_id", None)


def _status_of_result(result: Any) -> int:
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], int):
        return result[1]
    return 200


def _status_of_exception(exc: BaseException) -> int:
    if isinstance(exc, DomainError):
        return exc.status
    status = getattr(exc, "status_code", None)  # APIFlask's HTTPError
    if isinstance(status, int):
        return status
    if isinstance(exc, HTTPException) and exc.code:
        return exc.code
    return 500


# --- what the OpenAPI document says about each policy ------------------------------------

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
ROLE_NAMES = {Role.ADMIN: "admins", Role.THERAPIST: "therapists", Role.PATIENT: "patients"}


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


def document_policies(app: Flask) -> None:
    """Let the OpenAPI document state, for every route, the statuses and credentials its policy implies."""

    def process(spec: dict[str, Any]) -> dict[str, Any]:
        components = spec.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components["securitySchemes"] = SECURITY_SCHEMES
        for rule in app.url_map.iter_rules():
            declared: Policy | None = getattr(app.view_functions[rule.endpoint], "policy", None)
            operations = spec["paths"].get(openapi.openapi_path(rule), {})
            for method in sorted(rule.methods or ()):
                operation = operations.get(method.lower())
                if declared is not None and operation is not None:
                    _document_operation(app, rule, declared, method, operation)
        for operations in spec["paths"].values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                _as_problems(responses)
                operation["responses"] = dict(sorted(responses.items()))
        return openapi.finish(app, spec)

    app.spec_processor(process)


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
    uuids = {name for converter, name in openapi.path_variables(rule) if converter == "uuid"}
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
