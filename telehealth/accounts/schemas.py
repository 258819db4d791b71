from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import EmailStr, Field

from telehealth.common.schemas import InputModel, Name, OutputModel, PageOut, UtcDatetime

Password = Annotated[str, Field(min_length=10, max_length=128)]
# What a sign-in accepts: no policy hints, just a sane bound.
PresentedPassword = Annotated[str, Field(min_length=1, max_length=1024)]
PresentedEmail = Annotated[str, Field(min_length=1, max_length=254)]
Token = Annotated[str, Field(min_length=1, max_length=512)]


class LoginIn(InputModel):
    email: PresentedEmail
    password: PresentedPassword
    remember: bool = False


class TokenIn(InputModel):
    email: PresentedEmail
    password: PresentedPassword
    device_name: str | None = Field(None, max_length=100)


PENDING_EMAIL = "a new sign-in address awaiting its owner's confirmation; `email` signs in until then"


class UserOut(OutputModel):
    id: uuid.UUID
    email: str
    pending_email: str | None = Field(None, description=PENDING_EMAIL)
    role: str
    first_name: str
    last_name: str
    patient_id: uuid.UUID | None = None
    therapist_id: uuid.UUID | None = None


class LoginOut(OutputModel):
    user: UserOut
    csrf_token: str


class TokenOut(OutputModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_at: UtcDatetime
    user: UserOut


class CsrfOut(OutputModel):
    csrf_token: str


class UserEnvelope(OutputModel):
    user: UserOut


class InvitationAcceptIn(InputModel):
    token: Token
    password: Password


class PasswordResetIn(InputModel):
    email: PresentedEmail


class PasswordResetConfirmIn(InputModel):
    token: Token
    password: Password


class EmailChangeConfirmIn(InputModel):
    token: Token


class PasswordChangeIn(InputModel):
    current_password: PresentedPassword
    new_password: Password


class TherapistIn(InputModel):
    email: EmailStr = Field(max_length=254)
    first_name: Name
    last_name: Name


class TherapistOut(OutputModel):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    pending_email: str | None = Field(description=PENDING_EMAIL)
    first_name: str
    last_name: str
    created_at: UtcDatetime


class TherapistPage(PageOut[TherapistOut]):
    pass


class AcceptedOut(OutputModel):
    detail: str
