"""Every API view declares its policy here: who may call it, through which scope, and what is audited.

Order of checks, so status codes never leak what lies outside a caller's scope:
401 not signed in -> 403 missing CSRF -> 404 object outside scope -> 403 role may not act
-> 400 body not a JSON object -> 422 fields (APIFlask) -> the view. The policy owns the
request's transaction: it commits the view's work together with the audit event.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from telehealth.accounts.models import Role, User
from telehealth.accounts.security import require_user
from telehealth.audit import service as audit
from telehealth.errors import BadRequest, DomainError, Forbidden
from telehealth.extensions import db

ANYONE = frozenset(Role)
CLINICIANS = frozenset({Role.THERAPIST, Role.ADMIN})
STAFF_ONLY = frozenset({Role.ADMIN})
THERAPISTS = frozenset({Role.THERAPIST})
PATIENTS = frozenset({Role.PATIENT})
PUBLIC: frozenset[Role] = frozenset()  # no sign-in needed

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Scope:
    """Looks an object up through the caller's scope: out of scope is simply not found."""

    arg: str  # the URL variable holding the id
    loader: Callable[[User, uuid.UUID], Any]  # raises NotFound
    name: str  # the keyword the view receives the object as
    resource_type: str


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
    if not declared.public:
        user = require_user(request.method, request.headers.get("X-CSRF-Token"))
        entry.actor = user
    if declared.scope is not None:
        raw_id = kwargs.pop(declared.scope.arg)
        entry.resource_id = str(raw_id)
        if declared.scope.resource_type == "patient":
            entry.patient_id = raw_id  # a refused attempt is still filed under that patient
        obj = declared.scope.loader(user, raw_id)  # type: ignore[arg-type]
        entry.patient_id = patient_id_of(obj)
        kwargs[declared.scope.name] = obj
    if user is not None and user.role not in declared.roles:
        raise Forbidden(f"A {user.role} may not do this.")
    if "body" in getattr(view, "_spec", {}):
        _require_json_object()
    return view(*args, **kwargs)


def patient_id_of(obj: Any) -> uuid.UUID | None:
    from telehealth.patients.models import Patient

    if isinstance(obj, Patient):
        return obj.id
    return getattr(obj, "patient_id", None)


def _require_json_object() -> None:
    if request.method not in BODY_METHODS or not request.get_data(cache=True):
        return
    body = request.get_json(force=True)  # invalid JSON raises a 400 of its own
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")


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
