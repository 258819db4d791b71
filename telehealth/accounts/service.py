"""Accounts: sign-in, sessions, bearer tokens, invitations and password changes."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from telehealth import jobs
from telehealth.accounts import throttle
from telehealth.accounts.models import (
    ApiToken,
    OneTimePurpose,
    OneTimeToken,
    Role,
    Therapist,
    User,
    UserSession,
)
from telehealth.accounts.passwords import hash_password, verify_password
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import utcnow
from telehealth.errors import Conflict, ValidationFailed
from telehealth.extensions import db

# Writing last-seen on every request would turn reads into writes; once a minute is enough.
TOUCH_INTERVAL = timedelta(seconds=60)
BAD_LINK = "is invalid, expired or already used"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _email_taken() -> Conflict:
    return Conflict("An account with this email already exists.", errors={"email": ["already in use"]})


def ensure_email_free(email: str) -> None:
    if find_user_by_email(email) is not None:
        raise _email_taken()


def _write_address() -> None:
    """Flush a new sign-in address; losing a race for it to another account is a 409, not a 500."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise _email_taken() from exc


# --- sign-in -------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The user, or None; unknown email and wrong password cost and answer the same."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    return user


def start_session(user: User) -> UserSession:
    record = UserSession(user_id=user.id, csrf_token=secrets.token_urlsafe(32))
    db.session.add(record)
    db.session.flush()
    return record


@dataclass(frozen=True)
class Credential:
    user: User
    kind: str  # "cookie" or "token"
    id: uuid.UUID
    csrf_token: str | None = None


def load_session(session_id: str, user_id: str) -> Credential | None:
    try:
        sid, uid = uuid.UUID(session_id), uuid.UUID(user_id)
    except (ValueError, TypeError):
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == sid, UserSession.user_id == uid)
    ).first()
    if row is None:
        return None
    record, user = row
    now = utcnow()
    config = current_app.config
    if (
        record.revoked_at is not None
        or not user.is_active
        or now - record.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - record.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        return None
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
    return Credential(user=user, kind="cookie", id=record.id, csrf_token=record.csrf_token)


def end_session(session_id: uuid.UUID) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def csrf_matches(credential: Credential, presented: str | None) -> bool:
    if not presented or credential.csrf_token is None:
        return False
    return hmac.compare_digest(credential.csrf_token.encode(), presented.encode())


def issue_token(user: User, device_name: str | None) -> tuple[str, ApiToken]:
    raw = "th_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=token_digest(raw),
        device_name=device_name,
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


# Read on every bearer request: built once (SQLAlchemy then reuses its compiled form by key).
_TOKEN_BY_DIGEST = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def load_token(raw: str) -> Credential | None:
    row = db.session.execute(_TOKEN_BY_DIGEST, {"digest": token_digest(raw)}).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if token.revoked_at is not None or token.expires_at <= now or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
    return Credential(user=user, kind="token", id=token.id)


def revoke_token(token_id: uuid.UUID) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_credentials(user_id: uuid.UUID, keep: Credential | None = None) -> None:
    """End every session and token of a user, except the one making the request."""
    now = utcnow()
    sessions = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    tokens = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep is not None and keep.kind == "cookie":
        sessions = sessions.where(UserSession.id != keep.id)
    if keep is not None and keep.kind == "token":
        tokens = tokens.where(ApiToken.id != keep.id)
    db.session.execute(sessions.values(revoked_at=now))
    db.session.execute(tokens.values(revoked_at=now))


def deactivate_user(user: User) -> None:
    user.is_active_account = False
    revoke_credentials(user.id)


# --- passwords -------------------------------------------------------------------------


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def change_password(user: User, current: str, new: str, keep: Credential) -> None:
    throttle.PASSWORD_CHANGE.check(str(user.id))
    if not verify_password(user.password_hash, current):
        throttle.PASSWORD_CHANGE.spend(str(user.id))
        raise ValidationFailed.field("current_password", "is not your current password")
    if current == new:
        raise ValidationFailed.field("new_password", "must differ from the current password")
    _set_password(user, new)
    revoke_credentials(user.id, keep=keep)


def request_password_reset(email: str) -> None:
    """The same work for every address: only the worker looks for the account, out of the caller's sight."""
    jobs.send_password_reset(normalize_email(email))


def confirm_password_reset(raw_token: str, password: str) -> User:
    user, _ = _consume_one_time(raw_token, OneTimePurpose.PASSWORD_RESET)
    _set_password(user, password)
    revoke_credentials(user.id)
    return user


# --- invitations -----------------------------------------------------------------------


def invite(user: User) -> None:
    jobs.send_invitation(user.id)


def _new_one_time(user: User, purpose: OneTimePurpose, lifetime: timedelta, email: str | None = None) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(raw),
            expires_at=utcnow() + lifetime,
            email=email,
        )
    )
    return raw


def _void_one_time(user_id: uuid.UUID, *purposes: OneTimePurpose) -> None:
    """Links of these kinds already sent to the user stop working."""
    db.session.execute(
        delete(OneTimeToken).where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose.in_(purposes),
            OneTimeToken.used_at.is_(None),
        )
    )


def _consume_one_time(raw_token: str, purpose: OneTimePurpose) -> tuple[User, str | None]:
    """The link's user and the address it was sent to (email changes only); the link is used up."""
    now = utcnow()
    # One UPDATE claims the token, so two racing uses cannot both succeed.
    claimed = db.session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == token_digest(raw_token),
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(OneTimeToken.user_id, OneTimeToken.email)
    ).one_or_none()
    user = db.session.get(User, claimed.user_id) if claimed is not None else None
    if claimed is None or user is None or not user.is_active:
        raise ValidationFailed.field("token", BAD_LINK)
    return user, claimed.email


def issue_invitation(user_id: uuid.UUID) -> tuple[User, str] | None:
    """A fresh invitation link for a user who has not set a password yet (the worker emails it)."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.password_hash is not None:
        return None
    raw = _new_one_time(user, OneTimePurpose.INVITATION, current_app.config["INVITATION_LIFETIME"])
    db.session.flush()
    return user, raw


def issue_password_reset(email: str) -> tuple[User, str] | None:
    """A reset link for the account signing in with this address, if there is one that can sign in.

    A pending (unconfirmed) address finds nothing: it is not a sign-in yet.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.password_hash is None:
        return None
    raw = _new_one_time(user, OneTimePurpose.PASSWORD_RESET, current_app.config["PASSWORD_RESET_LIFETIME"])
    db.session.flush()
    return user, raw


def accept_invitation(raw_token: str, password: str) -> User:
    user, _ = _consume_one_time(raw_token, OneTimePurpose.INVITATION)
    _set_password(user, password)
    return user


# --- email changes ---------------------------------------------------------------------


class EmailChange(enum.StrEnum):
    """What asking for a new sign-in address did."""

    UNCHANGED = "unchanged"
    REQUESTED = "requested"  # pending until the new address confirms it
    CANCELLED = "cancelled"  # set back to the current address: the pending change is dropped
    CHANGED = "changed"  # invitation not yet accepted: changed at once, invited anew

    @property
    def audit_action(self) -> str:
        return f"user.email_change_{self.value}"


def change_email(user: User, new_email: str) -> EmailChange:
    """The one way any route changes a user's sign-in address (API.md "Email changes")."""
    email = normalize_email(new_email)
    if user.password_hash is None:
        # Nobody signs in with this account yet: move the invitation itself to the new address.
        if email == user.email:
            return EmailChange.UNCHANGED
        ensure_email_free(email)
        user.email = email
        _void_one_time(user.id, OneTimePurpose.INVITATION)
        _write_address()
        invite(user)
        return EmailChange.CHANGED
    if email == user.email:
        if user.pending_email is None:
            return EmailChange.UNCHANGED
        user.pending_email = None
        _void_one_time(user.id, OneTimePurpose.EMAIL_CHANGE)
        return EmailChange.CANCELLED
    # Only a confirmed address is taken; a pending one claims nothing until it is confirmed.
    ensure_email_free(email)
    user.pending_email = email
    _void_one_time(user.id, OneTimePurpose.EMAIL_CHANGE)
    jobs.send_email_change(user.id)
    return EmailChange.REQUESTED


@dataclass(frozen=True)
class EmailChangeLink:
    """What the worker mails: a notice to the current address, the link to the new one."""

    first_name: str
    current_email: str
    new_email: str
    token: str


def issue_email_change(user_id: uuid.UUID) -> EmailChangeLink | None:
    """A fresh confirmation link for the user's pending address; only the newest link works."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.pending_email is None:
        return None
    _void_one_time(user.id, OneTimePurpose.EMAIL_CHANGE)
    lifetime = current_app.config["EMAIL_CHANGE_LIFETIME"]
    raw = _new_one_time(user, OneTimePurpose.EMAIL_CHANGE, lifetime, email=user.pending_email)
    db.session.flush()
    return EmailChangeLink(user.first_name, user.email, user.pending_email, raw)


def confirm_email_change(raw_token: str) -> User:
    """The link's address becomes the sign-in; every session, token and earlier link of the user ends."""
    user, address = _consume_one_time(raw_token, OneTimePurpose.EMAIL_CHANGE)
    if address is None or address != user.pending_email:
        raise ValidationFailed.field("token", BAD_LINK)  # the change was cancelled or replaced
    ensure_email_free(address)  # another account may have taken it since the request
    user.email = address
    user.pending_email = None
    _void_one_time(user.id, OneTimePurpose.PASSWORD_RESET, OneTimePurpose.EMAIL_CHANGE)
    revoke_credentials(user.id)
    _write_address()
    return user


def purge_expired_credentials(older_than: timedelta = timedelta(days=30)) -> int:
    cutoff = utcnow() - older_than
    removed = 0
    for stmt in (
        delete(OneTimeToken).where(OneTimeToken.expires_at < cutoff),
        delete(ApiToken).where(ApiToken.expires_at < cutoff),
        delete(UserSession).where(or_(UserSession.created_at < cutoff, UserSession.revoked_at < cutoff)),
    ):
        # A DELETE answers with a CursorResult (its rowcount); Session.execute is typed for any statement.
        result = cast("CursorResult[Any]", db.session.execute(stmt))
        removed += result.rowcount or 0
    return removed


# --- staff -----------------------------------------------------------------------------


def create_user(email: str, first_name: str, last_name: str, role: Role, password: str | None = None) -> User:
    ensure_email_free(email)
    user = User(
        email=normalize_email(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
    )
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def create_therapist(email: str, first_name: str, last_name: str) -> Therapist:
    user = create_user(email, first_name, last_name, Role.THERAPIST)
    therapist = Therapist(user=user)
    db.session.add(therapist)
    db.session.flush()
    invite(user)
    return therapist


def list_therapists(page: int, per_page: int) -> Page:
    stmt = select(Therapist).join(Therapist.user).order_by(User.last_name, User.first_name, Therapist.id)
    return paginate(stmt, page, per_page)


def therapist_id_of(user: User) -> uuid.UUID | None:
    if user.role != Role.THERAPIST:
        return None
    return db.session.scalar(select(Therapist.id).where(Therapist.user_id == user.id))
