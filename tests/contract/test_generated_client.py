"""A client generated from the live /openapi.json walks a clinic's day against the app.

openapi-python-client is what a client developer runs; if the document drops an operation, loses a
response type or names two schemas alike, the generator warns and the typed calls below break.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import time_machine
from apiflask import APIFlask
from sqlalchemy import select

from telehealth import create_app, jobs
from telehealth.accounts import emails
from telehealth.accounts import service as accounts
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob
from tests.factories import PASSWORD, make_admin
from tests.support.contexts import as_own_request

PACKAGE = "telehealth_generated_client"
# A Tuesday, 10:00 in New York.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
GENERATOR_CONFIG = {
    "package_name_override": PACKAGE,
    "post_hooks": [],  # no formatter run: the code is imported, not read
    # PDFs are files to a client; the generator knows files as octet-stream.
    "content_type_overrides": {
        "application/pdf": "application/octet-stream",
        "application/fhir+ndjson": "application/octet-stream",
    },
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    """The generated package, and what the generator printed."""
    folder = tmp_path_factory.mktemp("client")
    document = create_app("test").test_client().get("/openapi.json").json
    (folder / "openapi.json").write_text(json.dumps(document))
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(folder / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--config",
            str(folder / "config.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE), run.stdout + run.stderr
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def test_the_generator_reads_the_document_without_a_warning(generated):
    package, output = generated
    assert "Warning" not in output and "WARNING" not in output, output
    api = Path(package.__file__).parent / "api"
    operations = {path.stem for path in api.glob("*/*.py") if path.stem != "__init__"}
    assert {"list_measurements", "create_measurement", "create_patient", "list_sessions"} <= operations
    assert len(operations) > 55


class OwnContextTransport(httpx.WSGITransport):
    """Each request in an app context of its own, like the test client's (tests/support/contexts.py)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return as_own_request(super().handle_request, request)


class Typed:
    """Calls a generated operation and insists on an answer parsed into the generated model."""

    def __init__(self, package: ModuleType, app: APIFlask) -> None:
        self.package = package
        self.transport = OwnContextTransport(app=app)

    def client(self, token: str | None = None) -> Any:
        args = {"base_url": "http://localhost", "httpx_args": {"transport": self.transport}}
        if token is None:
            return self.package.Client(**args)
        return self.package.AuthenticatedClient(token=token, **args)

    def model(self, name: str) -> type:
        return getattr(importlib.import_module(f"{self.package.__name__}.models"), name)

    def __call__(self, operation: str, expected: str, **kwargs: Any) -> Any:
        tag, name = operation.split(".")
        module = importlib.import_module(f"{self.package.__name__}.api.{tag}.{name}")
        response = module.sync_detailed(**kwargs)
        answer = response.parsed
        if expected == "File":
            wanted = importlib.import_module(f"{self.package.__name__}.types").File
        else:
            wanted = self.model(expected)
        assert isinstance(answer, wanted), (operation, response.status_code, response.content[:500])
        return answer


def _invitation_token(app: APIFlask, email: str) -> str:
    """Run the queued invitation jobs as the worker would, and read the link from the mail outbox."""
    queued = db.session.scalars(select(OutboxJob).where(OutboxJob.task_name == jobs.SEND_INVITATION))
    for job in queued:
        issued = accounts.issue_invitation(uuid.UUID(job.args[0]))
        db.session.commit()
        if issued:
            emails.send_invitation(*issued)
    [message] = [m for m in app.extensions["mailman"].outbox if m.to == [email]][-1:]
    return re.search(r"token=([A-Za-z0-9_\-]+)", message.body)[1]


def test_a_clinic_day_through_the_generated_client(generated, app):
    package, _ = generated
    call = Typed(package, app)
    m = call.model
    with time_machine.travel(NOW, tick=False):
        admin = make_admin()
        anonymous = call.client()

        token = call(
            "accounts.create_token",
            "TokenOut",
            client=anonymous,
            body=m("TokenIn")(email=admin.email, password=PASSWORD),
        )
        assert token.user.role == "admin"
        as_admin = call.client(token.token)
        therapist = call(
            "accounts.create_therapist",
            "TherapistOut",
            client=as_admin,
            body=m("TherapistIn")(email="tina@clinic-test.org", first_name="Tina", last_name="Torres"),
        )
        invited = m("InvitationAcceptIn")(
            token=_invitation_token(app, therapist.email), password="tinas-password"
        )
        accepted = call("accounts.accept_invitation", "UserEnvelope", client=anonymous, body=invited)
        assert accepted.user.therapist_id == therapist.id

        login = m("TokenIn")(email=therapist.email, password="tinas-password")
        as_therapist = call.client(
            call("accounts.create_token", "TokenOut", client=anonymous, body=login).token
        )
        patient = call(
            "patients.create_patient",
            "PatientOut",
            client=as_therapist,
            body=m("PatientIn")(
                email="pat@patients-test.org",
                first_name="Pat",
                last_name="Park",
                date_of_birth=date(1980, 5, 17),
                timezone="America/New_York",
                conditions=[m("Condition")("low_back_pain")],
            ),
        )
        assert patient.status == "active" and patient.therapist_ids == [therapist.id]
        exercise = call(
            "programs.create_exercise",
            "ExerciseOut",
            client=as_therapist,
            body=m("ExerciseIn")(
                name="Seated hip internal rotation",
                instructions="Sit tall; swing the foot out to turn the hip in.",
                body_region=m("BodyRegion")("hip"),
                category=m("Category")("mobility"),
            ),
        )
        library = call("programs.list_exercises", "ExercisePage", client=as_therapist, q="Seated hip")
        assert exercise.id in [item.id for item in library.items]
        assignment = call(
            "programs.create_assignment",
            "AssignmentOut",
            client=as_therapist,
            patient_id=patient.id,
            body=m("AssignmentIn")(
                exercise_id=exercise.id,
                side=m("AssignmentSide")("both"),
                sets=3,
                reps=10,
                start_date=NOW.date() - timedelta(days=3),
            ),
        )
        assert assignment.exercise.name == exercise.name

        invited = m("InvitationAcceptIn")(
            token=_invitation_token(app, patient.email), password="pats-password1"
        )
        call("accounts.accept_invitation", "UserEnvelope", client=anonymous, body=invited)
        login = m("TokenIn")(email=patient.email, password="pats-password1")
        as_patient = call.client(
            call("accounts.create_token", "TokenOut", client=anonymous, body=login).token
        )
        log = call(
            "progress.create_progress_log",
            "ProgressLogOut",
            client=as_patient,
            patient_id=patient.id,
            body=m("ProgressLogIn")(
                id=uuid.uuid4(),
                assignment_id=assignment.id,
                performed_at=NOW - timedelta(hours=1),
                sets_completed=3,
                pain_score=2,
            ),
        )
        assert log.patient_id == patient.id and log.pain_score == 2
        today = call("programs.get_today", "TodayOut", client=as_patient, patient_id=patient.id)
        assert [(item.planned, item.done) for item in today.items] == [(1, 1)]

        caseload = call("therapist_views.get_caseload", "CaseloadPage", client=as_therapist)
        [row] = caseload.items
        assert row.patient.id == patient.id and row.last_activity_at == NOW - timedelta(hours=1)
        visit = call(
            "visits.create_session",
            "VisitOut",
            client=as_therapist,
            body=m("VisitIn")(
                patient_id=patient.id,
                starts_at=NOW + timedelta(days=2),
                duration_minutes=30,
                kind=m("VisitKind")("follow_up"),
            ),
        )
        assert visit.status == m("VisitStatus")("scheduled") and visit.ends_at == NOW + timedelta(
            days=2, minutes=30
        )
        mine = call("visits.list_sessions", "VisitPage", client=as_patient)
        assert [item.id for item in mine.items] == [visit.id]

        report = call(
            "therapist_views.get_progress_report", "File", client=as_therapist, patient_id=patient.id
        )
        assert report.payload.read(5) == b"%PDF-"
