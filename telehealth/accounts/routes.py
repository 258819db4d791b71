"""Sign-in, tokens, invitations, passwords, /me and therapists."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app, request, session
from flask_login import login_user, logout_user

from telehealth.accounts import schemas, service
from telehealth.accounts.models import User
from telehealth.accounts.security import SESSION_KEY, current_credential, signed_in
from telehealth.audit import service as audit
from telehealth.common.schemas import PageQuery
from telehealth.errors import Forbidden, Unauthenticated
from telehealth.extensions import limiter
from telehealth.http import ANYONE, PUBLIC, STAFF_ONLY, policy
from telehealth.patients import service as patients

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1", tag="Accounts")

BAD_LOGIN = "Email or password is wrong."
NO_CSRF_FOR_TOKENS = "CSRF tokens belong to cookie sessions; bearer tokens need none."


def _account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "account:" + (service.normalize_email(email) if isinstance(email, str) else "-")


def _failed(response: Any) -> bool:
    return response.status_code in (401, 422)


def _login_limits(view: Any) -> Any:
    """Failed sign-ins are counted per account and per address; successes are free.

    Login and token requests share one budget, so guessing through both doubles nothing.
    """
    per_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
        scope="sign-in-account",
        key_func=_account_key,
        deduct_when=_failed,
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS"],
        scope="sign-in-address",
        deduct_when=_failed,
    )
    return per_account(per_address(view))


def _bad_token(response: Any) -> bool:
    body = response.get_json(silent=True) if response.status_code == 422 else None
    return isinstance(body, dict) and "token" in (body.get("errors") or {})


def _token_limits(view: Any) -> Any:
    """Only failed uses of a link's token count, per address: a clinic's front desk or a carrier's
    shared address onboards any number of patients, while guessing tokens is still throttled.
    Every route that takes a one-time token shares this budget."""
    return limiter.shared_limit(
        lambda: current_app.config["TOKEN_FAILURE_LIMIT_PER_ADDRESS"],
        scope="one-time-token",
        deduct_when=_bad_token,
    )(view)


def me_payload(user: User) -> dict[str, Any]:
    patient = patients.patient_for_user(user) if user.role == "patient" else None
    return {
        "id": user.id,
        "email": user.email,
        "pending_email": user.pending_email,
        "role": user.role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "patient_id": patient.id if patient else None,
        "therapist_id": service.therapist_id_of(user),
    }


@bp.post("/auth/login")
@_login_limits
@policy("auth.login", roles=PUBLIC, resource_type="user")
@bp.doc(responses={401: BAD_LOGIN})
@bp.input(schemas.LoginIn, arg_name="body")
@bp.output(schemas.LoginOut)
def login(body: schemas.LoginIn) -> dict[str, Any]:
    user = service.authenticate(body.email, body.password)
    if user is None:
        raise Unauthenticated(BAD_LOGIN)
    record = service.start_session(user)
    # A fresh cookie at every sign-in: nothing from before survives (session fixation).
    session.clear()
    session.permanent = body.remember
    login_user(user)
    session[SESSION_KEY] = str(record.id)
    entry = audit.current()
    if entry is not None:
        entry.actor = user
        entry.resource_id = str(user.id)
    return {"user": me_payload(user), "csrf_token": record.csrf_token}


@bp.post("/auth/tokens")
@_login_limits
@policy("auth.token", roles=PUBLIC, resource_type="user")
@bp.doc(responses={401: BAD_LOGIN})
@bp.input(schemas.TokenIn, arg_name="body")
@bp.output(schemas.TokenOut, status_code=201)
def create_token(body: schemas.TokenIn) -> dict[str, Any]:
    user = service.authenticate(body.email, body.password)
    if user is None:
        raise Unauthenticated(BAD_LOGIN)
    raw, token = service.issue_token(user, body.device_name)
    entry = audit.current()
    if entry is not None:
        entry.actor = user
        entry.resource_id = str(user.id)
    return {"token": raw, "expires_at": token.expires_at, "user": me_payload(user)}


@bp.post("/auth/logout")
@policy("auth.logout", roles=ANYONE, resource_type="user")
@bp.output({}, status_code=204)
def logout() -> tuple[str, int]:
    credential = signed_in()
    if credential.kind == "cookie":
        service.end_session(credential.id)
        logout_user()
        session.clear()
    else:
        service.revoke_token(credential.id)
    return "", 204


@bp.get("/auth/csrf")
@policy(None, roles=ANYONE)
@bp.doc(responses={403: NO_CSRF_FOR_TOKENS})
@bp.output(schemas.CsrfOut)
def get_csrf_token() -> dict[str, str]:
    credential = current_credential()
    if credential is None or credential.csrf_token is None:
        raise Forbidden(NO_CSRF_FOR_TOKENS)
    return {"csrf_token": credential.csrf_token}


@bp.post("/auth/invitations/accept")
@_token_limits
@policy("auth.invitation_accept", roles=PUBLIC, resource_type="user")
@bp.input(schemas.InvitationAcceptIn, arg_name="body")
@bp.output(schemas.UserEnvelope)
def accept_invitation(body: schemas.InvitationAcceptIn) -> dict[str, Any]:
    user = service.accept_invitation(body.token, body.password)
    audit.target(resource_id=user.id)
    return {"user": me_payload(user)}


@bp.post("/auth/password-reset")
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], key_func=_account_key)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"])
@policy(None, roles=PUBLIC)
@bp.input(schemas.PasswordResetIn, arg_name="body")
@bp.output(schemas.AcceptedOut, status_code=202)
def request_password_reset(body: schemas.PasswordResetIn) -> tuple[dict[str, str], int]:
    service.request_password_reset(body.email)
    return {"detail": "If the account exists, a reset link is on its way."}, 202


@bp.post("/auth/password-reset/confirm")
@_token_limits
@policy("auth.password_reset", roles=PUBLIC, resource_type="user")
@bp.input(schemas.PasswordResetConfirmIn, arg_name="body")
@bp.output({}, status_code=204)
def confirm_password_reset(body: schemas.PasswordResetConfirmIn) -> tuple[str, int]:
    user = service.confirm_password_reset(body.token, body.password)
    audit.target(resource_id=user.id)
    return "", 204


@bp.post("/auth/email-change/confirm")
@_token_limits
@policy("auth.email_change_confirm", roles=PUBLIC, resource_type="user")
@bp.doc(responses={409: "The new address has meanwhile become another account's sign-in"})
@bp.input(schemas.EmailChangeConfirmIn, arg_name="body")
@bp.output(schemas.UserEnvelope)
def email_change_confirm(body: schemas.EmailChangeConfirmIn) -> dict[str, Any]:
    user = service.confirm_email_change(body.token)
    payload = me_payload(user)
    audit.target(resource_id=user.id, patient_id=payload["patient_id"])  # filed under the patient too
    return {"user": payload}


@bp.get("/me")
@policy(None, roles=ANYONE)
@bp.output(schemas.UserOut)
def get_me() -> dict[str, Any]:
    credential = signed_in()
    return me_payload(credential.user)


@bp.post("/me/password")
@policy("auth.password_change", roles=ANYONE, resource_type="user")
@bp.doc(responses={429: "Too many wrong current passwords from this user; retry after `Retry-After`"})
@bp.input(schemas.PasswordChangeIn, arg_name="body")
@bp.output({}, status_code=204)
def change_password(body: schemas.PasswordChangeIn) -> tuple[str, int]:
    credential = signed_in()
    service.change_password(credential.user, body.current_password, body.new_password, keep=credential)
    audit.target(resource_id=credential.user.id)
    return "", 204


@bp.post("/therapists")
@policy("therapist.create", roles=STAFF_ONLY, resource_type="therapist")
@bp.input(schemas.TherapistIn, arg_name="body")
@bp.output(schemas.TherapistOut, status_code=201)
def create_therapist(body: schemas.TherapistIn) -> Any:
    therapist = service.create_therapist(body.email, body.first_name, body.last_name)
    audit.target(resource_id=therapist.id)
    return therapist


@bp.get("/therapists")
@policy("therapist.list", roles=STAFF_ONLY, resource_type="therapist")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(schemas.TherapistPage)
def list_therapists(query: PageQuery) -> Any:
    return service.list_therapists(query.page, query.per_page)
