"""A clinic with two caseloads, built through the public API, and the route map the security tests walk.

Routes are read from `app.url_map`, never from a list kept here: a route added later is walked
as soon as it exists. Each URL variable must name an object the world built; a new variable name
fails loudly until it is mapped in `VARIABLES` below.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apiflask import APIFlask
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from telehealth.accounts.models import Role, Therapist, User
from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.fhir import service as fhir
from telehealth.http import Policy
from telehealth.patients.models import Patient
from telehealth.scheduling import intake
from tests.factories import Api, Clinic

# A Tuesday, 10:00 in New York: the whole world is built and walked at this frozen instant.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)

# Every URL variable the API uses, and what it names. Caseload objects lie outside every other
# caseload's scope; clinic objects (the exercise library, program templates) are shared by design.
CASELOAD = "caseload"
CLINIC = "clinic"
VARIABLES: dict[str, str] = {
    "patient_id": CASELOAD,
    "assignment_id": CASELOAD,
    "visit_id": CASELOAD,
    "subscription_id": CASELOAD,
    "exercise_id": CLINIC,
    "template_id": CLINIC,
    "export_id": CLINIC,
    "resource_type": CLINIC,
    # A therapist's hours and the screening requests staff work through belong to the clinic.
    "therapist_id": CLINIC,
    "request_id": CLINIC,
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
PUSH_KEYS = {
    "p256dh": base64.urlsafe_b64encode(b"\x04" + bytes(range(64))).rstrip(b"=").decode(),
    "auth": base64.urlsafe_b64encode(bytes(range(16))).rstrip(b"=").decode(),
}


class UnmappedVariable(LookupError):
    pass


def _patient_of(path: str, body: Mapping[str, Any] | None) -> uuid.UUID | None:
    """The patient a request is about: named in its path, or in its body (a visit booking)."""
    if found := re.search(r"/patients/([0-9a-f-]{36})", path):
        return uuid.UUID(found[1])
    if body and "patient_id" in body:
        return uuid.UUID(body["patient_id"])
    return None


@dataclass(frozen=True)
class Route:
    rule: Rule
    method: str
    policy: Policy | None

    @property
    def label(self) -> str:
        return f"{self.method} {self.rule.rule}"

    @property
    def openapi_path(self) -> str:
        return _VARIABLE.sub(lambda m: "{" + m[1] + "}", self.rule.rule)

    @property
    def variables(self) -> list[str]:
        return _VARIABLE.findall(self.rule.rule)

    @property
    def on_caseload(self) -> bool:
        """Whether the route reaches an object of one caseload (and so lies outside the others)."""
        return any(VARIABLES.get(name) == CASELOAD for name in self.variables)

    def path(self, ids: Mapping[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match[1]
            if name not in VARIABLES:
                raise UnmappedVariable(
                    f"{self.label}: URL variable {name!r} names no object of the security world; "
                    "map it in tests/security/world.py VARIABLES and build one in World"
                )
            return ids[name]

        return _VARIABLE.sub(fill, self.rule.rule)


def api_routes(app: APIFlask) -> list[Route]:
    """Every method of every /api/ rule of the running app."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule, method, getattr(view, "policy", None)))
    return sorted(routes, key=lambda r: (r.rule.rule, r.method))


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table but the append-only audit trail, in primary-key order."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name != AuditEvent.__tablename__:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = [tuple(row) for row in rows]
    return state


def changed_tables(before: Mapping[str, list[tuple]], after: Mapping[str, list[tuple]]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def audit_event(request_id: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.request_id == request_id))


def audit_problems(where: str, request_id: str, expected: Mapping[str, Any]) -> list[str]:
    """How the audit event of one request differs from what it should say; [] when it says it all."""
    event = audit_event(request_id)
    if event is None:
        return [f"{where}: no audit event"]
    if not event.action or event.at is None:
        return [f"{where}: audit event without action or time"]
    found = {name: _plain(getattr(event, name)) for name in expected}
    wanted = {name: _plain(value) for name, value in expected.items()}
    return [] if found == wanted else [f"{where}: audit event says {found}, expected {wanted}"]


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def progress_log(assignment_id: str, performed_at: datetime) -> dict[str, Any]:
    """A progress log as a phone sends it, under a fresh client id."""
    return {
        "id": str(uuid.uuid4()),
        "assignment_id": assignment_id,
        "performed_at": performed_at.isoformat(),
        "sets_completed": 3,
        "pain_score": 3,
    }


@dataclass
class Call:
    """One request the world made, kept so tests can check what it left behind."""

    route: Route
    path: str
    body: dict[str, Any] | None
    actor: User | None  # None: a public route, called by someone who did not sign in
    request_id: str
    status: int
    patient_id: uuid.UUID | None
    answer: str


@dataclass
class Caseload:
    therapist: User
    patient: User
    patient_row: Patient
    ids: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.patient if role == Role.PATIENT else self.therapist


@dataclass
class World:
    """Two caseloads (a therapist and their patient each) and an admin, with one of every object."""

    app: APIFlask
    api: Api
    clinic: Clinic
    calls: list[Call] = field(default_factory=list)
    mine: Caseload = field(init=False)
    theirs: Caseload = field(init=False)

    def build(self) -> World:
        clinic = self.clinic
        self.mine = self._caseload(clinic.therapist.user, clinic.patient)
        self.theirs = self._caseload(clinic.other_therapist.user, clinic.other_patient)
        self.send(
            clinic.therapist.user,
            "POST",
            "/api/v1/patients",
            {
                "email": "newcomer@patients-test.org",
                "first_name": "Nova",
                "last_name": "Newcomer",
                "date_of_birth": "1988-08-08",
                "timezone": "America/Chicago",
            },
        )
        self.send(
            clinic.admin,
            "POST",
            "/api/v1/therapists",
            {"email": "third@clinic-test.org", "first_name": "Thea", "last_name": "Third"},
        )
        self._fhir_export()
        for user in self.users():
            self.api.get("/api/v1/me", user)  # a token's first use is a write; get it done before walking
        return self

    def _fhir_export(self) -> None:
        """A Bulk Data export, run at once as the worker would, so its status and files exist."""
        response, request_id = self.call(self.clinic.admin, "POST", "/api/v1/fhir/$export")
        assert response.status_code == 202, response.get_data(as_text=True)
        export_id = response.headers["Content-Location"].rsplit("/", 1)[1]
        self.calls.append(
            Call(
                route=self.route_of("POST", "/api/v1/fhir/$export"),
                path="/api/v1/fhir/$export",
                body=None,
                actor=self.clinic.admin,
                request_id=request_id,
                status=response.status_code,
                patient_id=None,
                answer=response.get_data(as_text=True),
            )
        )
        fhir.run_export(uuid.UUID(export_id))
        for caseload in (self.mine, self.theirs):
            caseload.ids["export_id"] = export_id
            caseload.ids["resource_type"] = "Patient"

    def users(self) -> Iterator[User]:
        yield self.clinic.admin
        for caseload in (self.mine, self.theirs):
            yield caseload.therapist
            yield caseload.patient

    def user_for(self, role: str) -> User:
        """The user of a role who can see every object of `mine`."""
        return self.clinic.admin if role == Role.ADMIN else self.mine.user(role)

    def allowed_caller(self, route: Route) -> User | None:
        """Someone the route's policy lets in, preferring the care team; nobody for a public route."""
        assert route.policy is not None, f"{route.label} has no policy"
        if route.policy.public:
            return None
        role = next(r for r in (Role.THERAPIST, Role.PATIENT, Role.ADMIN) if r in route.policy.roles)
        return self.user_for(role)

    def route_of(self, method: str, path: str) -> Route:
        rule, _ = self.app.url_map.bind("localhost").match(path, method=method, return_rule=True)
        view = self.app.view_functions[rule.endpoint]
        return Route(rule, method, getattr(view, "policy", None))

    def call(
        self, user: User | None, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[TestResponse, str]:
        """Call the API with a request id of our own, so the audit event can be found again."""
        request_id = uuid.uuid4().hex
        kwargs: dict[str, Any] = {"headers": {"X-Request-ID": request_id}}
        if body is not None:
            kwargs["json"] = body
        return self.api.call(method, path, user, **kwargs), request_id

    def send(
        self, user: User | None, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A write that must succeed while building the world; recorded with its body."""
        response, request_id = self.call(user, method, path, body)
        assert response.status_code < 300, (method, path, response.status_code, response.json)
        self.calls.append(
            Call(
                route=self.route_of(method, path),
                path=path,
                body=body,
                actor=user,
                request_id=request_id,
                status=response.status_code,
                patient_id=_patient_of(path, body),
                answer=response.get_data(as_text=True),
            )
        )
        return response.json or {}

    def body_for(self, route: Route) -> dict[str, Any] | None:
        """The body that made this route succeed while building, or none if it never ran."""
        return next((c.body for c in self.calls if c.route == route and c.body is not None), None)

    def _caseload(self, therapist: User, patient: Patient) -> Caseload:
        caseload = Caseload(therapist=therapist, patient=patient.user, patient_row=patient)
        ids = caseload.ids
        ids["patient_id"] = pid = str(patient.id)
        tag = therapist.last_name  # names shared objects after their author, never after a patient
        week_ago = (NOW - timedelta(days=7)).date().isoformat()

        exercise = self.send(
            therapist,
            "POST",
            "/api/v1/exercises",
            {
                "name": f"Hip airplane ({tag})",
                "instructions": "Hinge on one leg and rotate the pelvis open, then closed.",
                "body_region": "hip",
                "category": "motor_control",
            },
        )
        ids["exercise_id"] = exercise["id"]
        self.send(therapist, "PATCH", f"/api/v1/exercises/{exercise['id']}", {"default_sets": 2})
        template = self.send(
            therapist,
            "POST",
            "/api/v1/program-templates",
            {
                "name": f"Hip mobility, phase 1 ({tag})",
                "items": [{"exercise_id": exercise["id"], "sets": 2, "reps": 8, "side": "both"}],
            },
        )
        ids["template_id"] = template["id"]
        assignment = self.send(
            therapist,
            "POST",
            f"/api/v1/patients/{pid}/assignments",
            {
                "exercise_id": exercise["id"],
                "sets": 3,
                "reps": 10,
                "side": "both",
                "times_per_day": 1,
                "start_date": week_ago,
            },
        )
        ids["assignment_id"] = assignment["id"]
        self.send(therapist, "PATCH", f"/api/v1/assignments/{assignment['id']}", {"notes": "Slow and even."})
        self.send(
            therapist,
            "POST",
            f"/api/v1/patients/{pid}/program-templates/{template['id']}/apply",
            {"start_date": week_ago},
        )
        self.send(patient.user, "POST", f"/api/v1/patients/{pid}/progress-logs", self.log(assignment["id"]))
        self.send(
            patient.user,
            "POST",
            f"/api/v1/patients/{pid}/progress-logs/batch",
            {"logs": [self.log(assignment["id"], hours_ago=26)]},
        )
        self.send(
            therapist,
            "POST",
            f"/api/v1/patients/{pid}/measurements",
            {
                "type": "hip_internal_rotation",
                "side": "left",
                "degrees": 32,
                "measured_at": (NOW - timedelta(hours=2)).isoformat(),
                "source": "clinician",
            },
        )
        self.send(
            patient.user,
            "POST",
            f"/api/v1/patients/{pid}/outcomes",
            {"instrument": "nprs", "answers": [4], "completed_at": (NOW - timedelta(hours=1)).isoformat()},
        )
        visit = self.send(
            therapist,
            "POST",
            "/api/v1/sessions",
            {
                "patient_id": pid,
                "starts_at": (NOW + timedelta(days=1)).isoformat(),
                "duration_minutes": 60,
                "kind": "follow_up",
            },
        )
        ids["visit_id"] = visit["id"]
        self._scheduling(caseload, therapist, patient)
        self.send(therapist, "PATCH", f"/api/v1/sessions/{visit['id']}", {"duration_minutes": 45})
        subscription = self.send(
            patient.user,
            "POST",
            "/api/v1/me/push-subscriptions",
            {"endpoint": f"https://push.example.net/send/{pid}", "keys": PUSH_KEYS},
        )
        ids["subscription_id"] = subscription["id"]
        self.send(
            patient.user,
            "PUT",
            f"/api/v1/patients/{pid}/reminder-settings",
            {"exercise_reminder_time": "07:30"},
        )
        self.send(therapist, "PATCH", f"/api/v1/patients/{pid}", {"phone": "+1 555 010 0199"})
        self.send(
            therapist,
            "POST",
            f"/api/v1/patients/{pid}/rtm/enroll",
            {"start_date": week_ago, "consent_obtained": True},
        )
        self.send(
            therapist,
            "POST",
            f"/api/v1/patients/{pid}/time-entries",
            {
                "minutes": 12,
                "activity": "patient_communication",
                "modality": "phone",
                "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
                "note": "Talked through the bridge progression.",
            },
        )
        self.send(therapist, "POST", f"/api/v1/patients/{pid}/rtm/end", {"end_date": NOW.date().isoformat()})
        return caseload

    def _scheduling(self, caseload: Caseload, therapist: User, patient: Patient) -> None:
        """Hours, a patient's own follow-up, and two screening requests: one accepted, one declined."""
        ids = caseload.ids
        tid = str(db.session.scalar(select(Therapist.id).where(Therapist.user_id == therapist.id)))
        ids["therapist_id"] = tid
        weekly = [
            {"day": day, "start": "09:00", "end": "17:00", "kinds": ["screening", "follow_up"]}
            for day in ("mon", "tue", "wed", "thu", "fri")
        ]
        self.send(
            therapist,
            "PUT",
            f"/api/v1/therapists/{tid}/availability",
            {
                "timezone": "America/New_York",
                "weekly": weekly,
                "exceptions": [{"date": "2026-03-13", "available": False}],
            },
        )
        follow_ups = self.api.get(f"/api/v1/slots?kind=follow_up&therapist_id={tid}", patient.user).json[
            "items"
        ]
        self.send(
            patient.user,
            "POST",
            "/api/v1/sessions",
            {"starts_at": follow_ups[-1]["starts_at"], "kind": "follow_up"},
        )
        screenings = self.api.get(f"/api/v1/slots?therapist_id={tid}").json["items"]
        for n, action in enumerate(("accept", "decline")):
            tag = f"{therapist.last_name.lower()}.{action}"
            request = self.send(
                None,
                "POST",
                "/api/v1/screening-requests",
                {
                    "first_name": "Sam",
                    "last_name": f"Screening{n}",
                    "email": f"{tag}@screening-test.org",
                    "timezone": "America/New_York",
                    "date_of_birth": "1990-01-02",
                    "conditions": ["sciatica"],
                    "message": "My hip is stiff in the morning.",
                    "slot": {"therapist_id": tid, "starts_at": screenings[n]["starts_at"]},
                    "consent_to_contact": True,
                },
            )
            token = self._confirmation_link(request["id"])
            self.send(None, "POST", "/api/v1/screening-requests/confirm", {"token": token})
            body = {"reason": "Outside our area."} if action == "decline" else {}
            self.send(therapist, "POST", f"/api/v1/screening-requests/{request['id']}/{action}", body)
            ids["request_id"] = request["id"]

    @staticmethod
    def _confirmation_link(request_id: str) -> str:
        """The token the worker would email (whatever mail backend the app has), as the worker makes it."""
        issued = intake.issue_confirmation(uuid.UUID(request_id))
        assert issued is not None
        db.session.commit()
        return issued[1]

    @staticmethod
    def log(assignment_id: str, hours_ago: int = 1) -> dict[str, Any]:
        return progress_log(assignment_id, NOW - timedelta(hours=hours_ago))
