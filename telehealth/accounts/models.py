"""Who can sign in, and the credentials that prove it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class Role(enum.StrEnum):
    ADMIN = "admin"
    THERAPIST = "therapist"
    PATIENT = "patient"


class User(IdMixin, TimestampMixin, UserMixin, Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    # A new sign-in address waiting for its owner to confirm it; `email` stays the sign-in until then.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Empty until the invitation is accepted.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role]
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None]

    therapist: Mapped[Therapist | None] = relationship(
        back_populates="user", uselist=False, lazy="raise_on_sql"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:
        return str(self.id)


class PersonMixin:
    """Profiles (therapist, patient) read who they are from their user account."""

    user: User

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def pending_email(self) -> str | None:
        return self.user.pending_email

    @property
    def first_name(self) -> str:
        return self.user.first_name

    @property
    def last_name(self) -> str:
        return self.user.last_name


class Therapist(IdMixin, TimestampMixin, PersonMixin, Model):
    __tablename__ = "therapists"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    # As Patient.user: loaded by the queries that list therapists, fetched alone otherwise.
    user: Mapped[User] = relationship(back_populates="therapist", lazy="select", innerjoin=True)


class UserSession(IdMixin, Model):
    """One signed-in browser. The cookie only names it; this row decides if it is alive."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class ApiToken(IdMixin, Model):
    """A bearer token for the mobile app; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class OneTimePurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    EMAIL_CHANGE = "email_change"


class OneTimeToken(IdMixin, Model):
    """Invitation, password-reset and email-change links: single use, expiring, stored hashed."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index("ix_one_time_tokens_user_purpose", "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[OneTimePurpose]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # An email-change link confirms only the address it was sent to.
    email: Mapped[str | None] = mapped_column(String(254))
