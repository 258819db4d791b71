"""Account emails. They carry a name and a link, never clinical detail."""

from __future__ import annotations

from flask import current_app
from flask_mailman import EmailMessage

from telehealth.accounts.models import User


def _link(path: str, token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}{path}?token={token}"


def _send(to: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)


def send_invitation(user: User, token: str) -> None:
    days = current_app.config["INVITATION_LIFETIME"].days
    _send(
        user.email,
        "You're invited to your physical therapy app",
        f"Hello {user.first_name},\n\n"
        "Your clinic has created an account for you. Choose a password to get started:\n\n"
        f"{_link('/invitations/accept', token)}\n\n"
        f"This link works once and expires in {days} days.\n",
    )


def send_password_reset(user: User, token: str) -> None:
    _send(
        user.email,
        "Reset your password",
        f"Hello {user.first_name},\n\n"
        "Someone asked to reset the password of your account. If it was you, open:\n\n"
        f"{_link('/password-reset', token)}\n\n"
        "The link works once and expires in two hours. If it was not you, ignore this email.\n",
    )
