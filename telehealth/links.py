"""Every link the backend hands out that a person opens: the patient app's pages, in one place.

Emails, reminders and calendar files build their links here, and the app's router (static/app)
answers exactly these paths under /app/.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import current_app

APP_PREFIX = "/app"
# Pages reached from a message; the app's router has a view for each (tests/api/test_webapp.py checks).
INVITATION = "/invitation"
PASSWORD_RESET = "/reset-password"  # noqa: S105  (a page, not a secret)
EMAIL_CHANGE = "/confirm-email"
UNSUBSCRIBE = "/unsubscribe"
SCREENING = "/screening"
SCREENING_CONFIRMATION = "/screening/confirm"
TODAY = "/today"
VISITS = "/visits"


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def app_url(page: str, **query: str) -> str:
    """The absolute address of one of the app's pages, with its query (a link's token) if any."""
    return f"{_base()}{APP_PREFIX}{page}" + (f"?{urlencode(query)}" if query else "")


def invitation(token: str) -> str:
    return app_url(INVITATION, token=token)


def password_reset(token: str) -> str:
    return app_url(PASSWORD_RESET, token=token)


def email_change(token: str) -> str:
    return app_url(EMAIL_CHANGE, token=token)


def unsubscribe_page(token: str) -> str:
    return app_url(UNSUBSCRIBE, token=token)


def one_click_unsubscribe(token: str) -> str:
    """For List-Unsubscribe: mail clients POST to it themselves (RFC 8058), so it is the API's."""
    return f"{_base()}/api/v1/notifications/unsubscribe?{urlencode({'token': token})}"


def screening_confirmation(token: str) -> str:
    return app_url(SCREENING_CONFIRMATION, token=token)


def today() -> str:
    return app_url(TODAY)


def visit(visit_id: uuid.UUID | str | None) -> str:
    return app_url(f"{VISITS}/{visit_id}") if visit_id else app_url(VISITS)
