"""What a reminder says: a first name and a link, never a diagnosis, exercise or clinical detail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from telehealth import links
from telehealth.common.time import zone
from telehealth.reminders.models import Kind

UNSUBSCRIBE_SALT = "notifications-unsubscribe"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    link: str


def render(
    kind: str,
    first_name: str,
    *,
    tz_name: str,
    visit_id: uuid.UUID | None = None,
    starts_at: datetime | None = None,
) -> Message:
    if kind == Kind.EXERCISE:
        link = links.today()
        return Message(
            "Your exercises for today",
            f"Hi {first_name}, today's home exercises are ready when you are: {link}",
            link,
        )
    if kind == Kind.SESSION and starts_at is not None:
        link = links.visit(visit_id)
        local = starts_at.astimezone(zone(tz_name))
        when = local.strftime("%a %d %b at %H:%M")
        return Message(
            "Your video visit is coming up",
            f"Hi {first_name}, your video visit is on {when}. Join here: {link}",
            link,
        )
    link = links.today()
    return Message(
        "We haven't seen you in a while",
        f"Hi {first_name}, a few minutes today keeps your progress going: {link}",
        link,
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(patient_id: uuid.UUID, channel: str) -> str:
    return _serializer().dumps([str(patient_id), channel])


def read_unsubscribe_token(token: str) -> tuple[uuid.UUID, str] | None:
    try:
        patient_id, channel = _serializer().loads(token)
        return uuid.UUID(patient_id), str(channel)
    except (BadSignature, ValueError, TypeError):
        return None


def unsubscribe_links(patient_id: uuid.UUID, channel: str) -> tuple[str, str]:
    """From one token: the one-click address for List-Unsubscribe (mail clients POST to it), and
    the app's page a person opens from the message (it turns the channel off and says so)."""
    token = unsubscribe_token(patient_id, channel)
    return links.one_click_unsubscribe(token), links.unsubscribe_page(token)
