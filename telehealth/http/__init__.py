"""The HTTP layer: everything between a request and a service.

Route modules import from here, and only from here: `policy`, `Scope`, the role sets, `actor()`
and `problem()`. Services and models never import this package.
"""

from __future__ import annotations

from apiflask import APIFlask

from telehealth.accounts.models import User
from telehealth.accounts.security import current_credential, signed_in
from telehealth.http import hooks, openapi, problems
from telehealth.http.policies import Policy, Scope, policy
from telehealth.http.problems import problem
from telehealth.http.roles import (
    ANYONE,
    CLINICIANS,
    PATIENT_AND_CARE_TEAM,
    PATIENTS,
    PUBLIC,
    STAFF_ONLY,
    THERAPISTS,
)

__all__ = [
    "ANYONE",
    "CLINICIANS",
    "PATIENTS",
    "PATIENT_AND_CARE_TEAM",
    "PUBLIC",
    "STAFF_ONLY",
    "THERAPISTS",
    "Policy",
    "Scope",
    "actor",
    "init_app",
    "optional_actor",
    "policy",
    "problem",
]


def actor() -> User:
    """The signed-in user of this request (a view behind a non-public policy always has one)."""
    return signed_in().user


def optional_actor() -> User | None:
    """Who is calling a public view, if they signed in: some public answers say more to a patient."""
    credential = current_credential()
    return credential.user if credential is not None else None


def init_app(app: APIFlask) -> None:
    """Problem+json errors, the OpenAPI document's policy details, and the request hooks."""
    problems.init_app(app)
    openapi.init_app(app)
    hooks.init_app(app)
