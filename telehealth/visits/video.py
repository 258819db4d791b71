"""Video rooms behind one small interface; Jitsi Meet by default.

Settings (app config first, then the environment):
VIDEO_PROVIDER (default "jitsi"), JITSI_BASE_URL (default https://meet.jit.si),
JITSI_APP_ID and JITSI_APP_SECRET (both set: join links carry a signed JWT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app

from telehealth.common.time import utcnow

DEFAULT_JITSI_BASE_URL = "https://meet.jit.si"


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    moderator: bool


class VideoProvider(Protocol):
    def join_url(self, room: str, participant: Participant, expires_at: datetime) -> str:
        """A link that puts this participant in the room, valid until expires_at at least."""
        ...


@dataclass(frozen=True)
class JitsiMeet:
    base_url: str
    app_id: str | None = None
    app_secret: str | None = None

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def join_url(self, room: str, participant: Participant, expires_at: datetime) -> str:
        url = f"{self.base_url.rstrip('/')}/{quote(room, safe='')}"
        if self.app_id and self.app_secret:
            url += "?" + urlencode({"jwt": self.token(self.app_secret, room, participant, expires_at)})
        return url

    def token(self, secret: str, room: str, participant: Participant, expires_at: datetime) -> str:
        """The JWT a Jitsi deployment with token authentication expects (aud "jitsi", HS256)."""
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": room,
            "iat": int(utcnow().timestamp()),
            "exp": int(expires_at.timestamp()),
            "context": {
                "user": {"id": participant.id, "name": participant.name, "moderator": participant.moderator}
            },
        }
        import jwt  # here: PyJWT and cryptography cost every web worker ~10 MiB; few clinics sign links

        return jwt.encode(claims, secret, algorithm="HS256")


def setting(name: str, default: str | None = None) -> str | None:
    """A visits setting from config.py (which reads the environment)."""
    value = current_app.config.get(name)
    return value if value not in (None, "") else default


def _jitsi() -> JitsiMeet:
    return JitsiMeet(
        base_url=setting("JITSI_BASE_URL", DEFAULT_JITSI_BASE_URL) or DEFAULT_JITSI_BASE_URL,
        app_id=setting("JITSI_APP_ID"),
        app_secret=setting("JITSI_APP_SECRET"),
    )


PROVIDERS: dict[str, Callable[[], VideoProvider]] = {"jitsi": _jitsi}


def configured_provider() -> VideoProvider:
    name = setting("VIDEO_PROVIDER", "jitsi") or "jitsi"
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise RuntimeError(f"VIDEO_PROVIDER must be one of {sorted(PROVIDERS)}, not {name!r}") from None
