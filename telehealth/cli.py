"""Operator commands: flask --app wsgi create-admin | seed-demo | reminders scan."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from telehealth import devstack
from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role
from telehealth.common.tx import transaction
from telehealth.demo import DEMO_PASSWORD, seed_demo
from telehealth.errors import DomainError
from telehealth.reminders.dispatch import scan_and_hand_off

reminders_cli = AppGroup("reminders", help="The reminder engine.")


@reminders_cli.command("scan")
def reminders_scan() -> None:
    """Run one scan now: plan what is due and hand it to the workers."""
    with transaction():
        result = scan_and_hand_off()
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
            with transaction():
                user = accounts.create_user(email, first_name, last_name, Role.ADMIN, password=password)
        except DomainError as exc:
            raise click.ClickException(exc.detail or str(exc)) from exc
        click.echo(f"admin {user.email} created")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo clinic (idempotent) and print its logins."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException(
                "seed-demo is for development; it sets a known password. In production, make the "
                "first admin with: flask --app wsgi create-admin --email you@your-clinic.org"
            )
        with transaction():
            logins = seed_demo()
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in logins:
            click.echo(f"  {role:<10} {email}")

    @app.cli.command("dev-ready")
    @click.option("--port", type=int, default=5000)
    @click.option(
        "--beat-schedule", type=click.Path(path_type=Path), default=Path("instance/celerybeat-schedule")
    )
    @click.option("--timeout", type=float, default=120.0)
    def dev_ready(port: int, beat_schedule: Path, timeout: float) -> None:
        """Wait for web, worker and scheduler, print where everything is, then stay up (make run)."""
        readiness = devstack.Readiness(port, beat_schedule, started=time.time() - 1)
        missing = devstack.wait_until_ready(readiness, timeout)
        if missing:
            click.echo(f"Still not up after {timeout:.0f} s: {', '.join(missing)}; see its output above.")
        else:
            click.echo(devstack.banner(port))
        while True:  # honcho stops every process when one exits
            time.sleep(3600)
