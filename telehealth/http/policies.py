"""Every API view declares its policy: who may call it, through which scope, and what is audited.

Order of checks, so status codes never leak what lies outside a caller's scope:
401 not signed in -> 403 missing CSRF -> 404 object outside scope -> 403 role may not act
-> the edge (telehealth.http.edge: 415 body type, 400 not a JSON object, 422 unstorable text)
-> 422 fields (APIFlask) -> the view. Each is one small step below. The policy owns the request's
transaction: the view's work commits together with the audit event, in one unit of work.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from telehealth.accounts.models import User
from telehealth.accounts.security import require_user
from telehealth.audit import service as audit
from telehealth.common.tx import transaction
from telehealth.errors import DomainError, Forbidden
from telehealth.http.edge import refuse_unacceptable_input

log = logging.getLogger(__name__)


def _patient_id_attribute(obj: Any) -> uuid.UUID | None:
    return getattr(obj, "patient_id", None)


@dataclass(frozen=True)
class Scope:
    """Looks an object up through the caller's scope: out of scope is simply not found."""

    arg: str  # the URL variable holding the id
    loader: Callable[[User, uuid.UUID], Any]  # raises NotFound
    name: str  # the keyword the view receives the object as
    resource_type: str
    # For the audit trail only: whose record an id is, so a refused attempt is filed under them.
    owner: Callable[[uuid.UUID], uuid.UUID | None] | None = None
    # Which patient a found object belongs to (None: a clinic object, such as an exercise).
    patient_of: Callable[[Any], uuid.UUID | None] = field(default=_patient_id_attribute)
    # The id is itself a patient's: even an anonymous attempt is filed under that patient.
    id_is_patient: bool = False


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
                with transaction():
                    result = _run(view, declared, entry, args, kwargs)
                    audit.finish(entry, _status_of_result(result))
            except Exception as exc:
                _record_refusal(entry, _status_of_exception(exc))
                raise
            return result

        wrapper.policy = declared  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _run(view: Callable[..., Any], declared: Policy, entry: audit.Entry, args: tuple, kwargs: dict) -> Any:
    raw_id = _name_target(declared.scope, entry, kwargs)
    user = None if declared.public else _sign_in(entry)
    if declared.scope is not None:
        kwargs[declared.scope.name] = _look_up(declared.scope, user, raw_id, entry)
    _check_role(declared, user)
    refuse_unacceptable_input(view)
    return view(*args, **kwargs)


def _name_target(scope: Scope | None, entry: audit.Entry, kwargs: dict[str, Any]) -> Any:
    """Named before sign-in is checked, so even an anonymous attempt is filed under its target."""
    if scope is None:
        return None
    raw_id = kwargs.pop(scope.arg)
    entry.resource_id = str(raw_id)
    if scope.id_is_patient:
        entry.patient_id = raw_id
    return raw_id


def _sign_in(entry: audit.Entry) -> User:
    user = require_user(request.method, request.headers.get("X-CSRF-Token"))
    entry.actor = user
    return user


def _look_up(scope: Scope, user: User | None, raw_id: Any, entry: audit.Entry) -> Any:
    try:
        obj = scope.loader(user, raw_id)  # type: ignore[arg-type]
    except DomainError:
        if scope.owner is not None and entry.patient_id is None:
            entry.patient_id = scope.owner(raw_id)  # a refused attempt is still filed under its patient
        raise
    entry.patient_id = scope.patient_of(obj)
    return obj


def _check_role(declared: Policy, user: User | None) -> None:
    if user is not None and user.role not in declared.roles:
        raise Forbidden(f"A {user.role} may not do this.")


def _record_refusal(entry: audit.Entry, status: int) -> None:
    """The work was rolled back; the refusal is still recorded, in a unit of work of its own."""
    try:
        with transaction():
            audit.finish(entry, status)
    except Exception:
        log.exception("could not record audit event for %s", entry.action)


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
