"""Operator commands: flask --app wsgi create-admin | seed-demo."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.errors import DomainError
from telehealth.extensions import db
from telehealth.patients import service as patients

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (development only; refused in production)
DEMO_ADMIN = ("admin@demo-clinic.org", "Avery", "Admin")
DEMO_THERAPISTS = [
    ("tess.thompson@demo-clinic.org", "Tess", "Thompson"),
    ("omar.okafor@demo-clinic.org", "Omar", "Okafor"),
]
# (email, first, last, born, zone, conditions, therapist index)
DEMO_PATIENTS = [
    (
        "pat.rivera@demo-patients.org",
        "Pat",
        "Rivera",
        date(1979, 4, 2),
        "America/New_York",
        ["low_back_pain", "hip_mobility_deficit"],
        0,
    ),
    (
        "kenji.sato@demo-patients.org",
        "Kenji",
        "Sato",
        date(1990, 9, 14),
        "Asia/Tokyo",
        ["low_back_pain", "sciatica"],
        0,
    ),
    (
        "maria.lopez@demo-patients.org",
        "Maria",
        "Lopez",
        date(1985, 1, 30),
        "America/Los_Angeles",
        ["pregnancy_related_pain", "sacroiliac_joint_dysfunction"],
        0,
    ),
    (
        "sam.becker@demo-patients.org",
        "Sam",
        "Becker",
        date(1962, 7, 21),
        "Europe/Berlin",
        ["hip_osteoarthritis", "low_back_pain"],
        1,
    ),
    (
        "lee.nguyen@demo-patients.org",
        "Lee",
        "Nguyen",
        date(1998, 11, 5),
        "America/Chicago",
        ["muscle_strain"],
        1,
    ),
]


def _existing(email: str) -> User | None:
    return accounts.find_user_by_email(email)


def _password(user: User) -> None:
    # Demo accounts skip the invitation so the printed logins work at once.
    if user.password_hash is None:
        accounts._set_password(user, DEMO_PASSWORD)


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo clinic if missing; return (role, email, password) for each login."""
    logins: list[tuple[str, str, str]] = []
    admin = _existing(DEMO_ADMIN[0]) or accounts.create_user(*DEMO_ADMIN, role=Role.ADMIN)
    _password(admin)
    logins.append(("admin", admin.email, DEMO_PASSWORD))
    therapists: list[User] = []
    for email, first, last in DEMO_THERAPISTS:
        user = _existing(email)
        if user is None:
            user = accounts.create_user(email, first, last, Role.THERAPIST)
            db.session.add(Therapist(user=user))
        _password(user)
        therapists.append(user)
        logins.append(("therapist", email, DEMO_PASSWORD))
    db.session.flush()
    for email, first, last, born, zone, conditions, which in DEMO_PATIENTS:
        user = _existing(email)
        if user is None:
            patient = patients.create_patient(
                therapists[which],
                email=email,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                timezone=zone,
                conditions=conditions,
            )
            user = patient.user
        _password(user)
        logins.append(("patient", email, DEMO_PASSWORD))
    db.session.flush()
    return logins


reminders_cli = AppGroup("reminders", help="The reminder engine.")


@reminders_cli.command("scan")
def reminders_scan() -> None:
    """Run one scan now: plan what is due and hand it to the workers."""
    from telehealth.reminders.dispatch import scan_and_hand_off

    result = scan_and_hand_off()
    db.session.commit()
    click.echo(
        f"planned {result.planned_patients} patients, queued {len(result.claimed)} reminders, "
        f"skipped {result.skipped_late} late, recovered {result.recovered}"
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(reminders_cli)

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--first-name", default="Clinic")
    @click.option("--last-name", default="Admin")
    def create_admin(email: str, password: str, first_name: str, last_name: str) -> None:
        """Create a clinic admin who can sign in at once."""
        if not 10 <= len(password) <= 128:
            raise click.UsageError("the password must be 10 to 128 characters")
        try:
            user = accounts.create_user(email, first_name, last_name, Role.ADMIN, password=password)
        except DomainError as exc:
            raise click.ClickException(exc.detail or str(exc)) from exc
        db.session.commit()
        click.echo(f"admin {user.email} created")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo clinic (idempotent) and print its logins."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo is for development; it sets a known password")
        logins = seed_demo()
        db.session.commit()
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email, _ in logins:
            click.echo(f"  {role:<10} {email}")
        count = db.session.scalar(select(db.func.count()).select_from(Therapist))
        click.echo(f"  ({count} therapists in the clinic)")
