"""How a request proves who it is: a session cookie or a bearer token."""

from __future__ import annotations

from flask import Flask, Request, g, session
from flask_login import current_user

from telehealth.accounts import service
from telehealth.accounts.models import User
from telehealth.errors import Forbidden, Unauthenticated
from telehealth.extensions import login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "sid"


@login_manager.user_loader
def _from_session(user_id: str) -> User | None:
    credential = service.load_session(session.get(SESSION_KEY, ""), user_id)
    if credential is None:
        return None
    g.credential = credential
    return credential.user


@login_manager.request_loader
def _from_bearer(request: Request) -> User | None:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    credential = service.load_token(raw.strip())
    if credential is None:
        return None
    g.credential = credential
    return credential.user


@login_manager.unauthorized_handler
def _unauthorized() -> None:
    raise Unauthenticated("Sign in, or send a valid bearer token.")


def current_credential() -> service.Credential | None:
    if not current_user.is_authenticated:
        return None
    return g.get("credential")


def signed_in() -> service.Credential:
    """The credential of a view behind a policy that requires sign-in."""
    credential = current_credential()
    if credential is None:
        raise Unauthenticated("Sign in, or send a valid bearer token.")
    return credential


def require_user(method: str, csrf_header: str | None) -> User:
    """The signed-in user; a cookie-authenticated unsafe request must also carry the CSRF token."""
    credential = current_credential()
    if credential is None:
        raise Unauthenticated("Sign in, or send a valid bearer token.")
    if (
        credential.kind == "cookie"
        and method not in SAFE_METHODS
        and not service.csrf_matches(credential, csrf_header)
    ):
        raise Forbidden("Missing or wrong X-CSRF-Token header.")
    return credential.user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # Our own session rows do what Flask-Login's session protection would.
    login_manager.session_protection = None
