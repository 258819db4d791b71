from __future__ import annotations

import base64
import binascii
import uuid
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BeforeValidator, Field, PlainSerializer, field_validator

from telehealth.common.schemas import (
    InputModel,
    OutputModel,
    PageOut,
    PageQuery,
    PatchModel,
    QueryModel,
    UtcDatetime,
)
from telehealth.reminders.models import Channel, Kind

MAX_ENDPOINT_LENGTH = 1024  # push_subscriptions.endpoint
HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM = Annotated[str, Field(pattern=HHMM_PATTERN, max_length=5, examples=["18:30"])]


def _as_hhmm(value: Any) -> Any:
    return value.strftime("%H:%M") if isinstance(value, time) else value


# Answered the way it is asked for: "HH:MM", local to the patient.
TimeOut = Annotated[str, BeforeValidator(_as_hhmm), Field(pattern=HHMM_PATTERN, max_length=5)]


def _to_time(value: str | None) -> time | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class ReminderSettingsIn(PatchModel):
    NULLABLE = frozenset({"quiet_hours_start", "quiet_hours_end"})

    enabled: bool | None = None
    exercise_reminder_time: HHMM | None = None
    channels: list[Channel] | None = Field(None, max_length=3)
    quiet_hours_start: HHMM | None = None
    quiet_hours_end: HHMM | None = None
    session_reminder_offsets_minutes: list[Annotated[int, Field(ge=5, le=10080)]] | None = Field(
        None, max_length=5
    )
    inactivity_days: int | None = Field(None, ge=1, le=30)

    @field_validator("channels", "session_reminder_offsets_minutes")
    @classmethod
    def _unique(cls, value: list | None) -> list | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("must not repeat a value")
        return value

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        for name in ("exercise_reminder_time", "quiet_hours_start", "quiet_hours_end"):
            if name in changes:
                changes[name] = _to_time(changes[name])
        if "channels" in changes:
            changes["channels"] = [str(c) for c in changes["channels"]]
        if "session_reminder_offsets_minutes" in changes:
            changes["session_reminder_offsets_minutes"] = sorted(
                changes["session_reminder_offsets_minutes"], reverse=True
            )
        return changes


class ReminderSettingsOut(OutputModel):
    patient_id: uuid.UUID
    enabled: bool
    exercise_reminder_time: TimeOut
    channels: list[str]
    quiet_hours_start: TimeOut | None
    quiet_hours_end: TimeOut | None
    session_reminder_offsets_minutes: list[int]
    inactivity_days: int
    next_daily_at: UtcDatetime | None


def _b64url_bytes(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode())
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64url") from exc


class PushKeys(InputModel):
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=32)

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        raw = _b64url_bytes(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("must be an uncompressed P-256 public key (65 bytes, base64url)")
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        if len(_b64url_bytes(value)) != 16:
            raise ValueError("must be a 16-byte secret, base64url")
        return value


class PushSubscriptionIn(InputModel):
    endpoint: Annotated[AnyHttpUrl, Field(max_length=MAX_ENDPOINT_LENGTH)]
    keys: PushKeys

    @field_validator("endpoint")
    @classmethod
    def _https(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(value)) > MAX_ENDPOINT_LENGTH:
            raise ValueError("is too long")
        return value


class PushSubscriptionOut(OutputModel):
    id: uuid.UUID
    endpoint: str
    created_at: UtcDatetime


class NotificationQuery(PageQuery):
    kind: Kind | None = None
    status: Literal["pending", "sent", "failed", "skipped"] | None = None


def _public_status(status: str) -> str:
    return "pending" if status in ("queued", "sending") else status


class NotificationOut(OutputModel):
    id: uuid.UUID
    kind: str
    channel: str
    status: Annotated[str, PlainSerializer(_public_status)]
    scheduled_for: UtcDatetime
    sent_at: UtcDatetime | None
    attempts: int
    error: str | None


class NotificationPage(PageOut[NotificationOut]):
    pass


class UnsubscribeQuery(QueryModel):
    token: str = Field(min_length=1, max_length=512)


class UnsubscribeOut(OutputModel):
    channel: str
    unsubscribed: bool


class VapidKeyOut(OutputModel):
    public_key: str = Field(
        description="base64url of the uncompressed P-256 point: PushManager.subscribe's applicationServerKey"
    )
