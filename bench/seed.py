"""The API bench's data, entered through the public API in-process, the way the apps enter it.

A clinic: an admin; therapist "Large" with a 200-patient caseload, one of whom is the main
patient with a realistic home program (five exercises, three weeks of logs, readings, outcomes,
a visit); therapist "Small" with a 5-patient caseload: one patient with a one-exercise program
(the small side of the query counts) and the "writer", a patient with the main patient's program
whose new logs under load grow neither the main patient's day nor the large caseload.
"""

from __future__ import annotations

import contextvars
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apiflask import APIFlask
from flask.testing import FlaskClient

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role
from telehealth.extensions import db

PASSWORD = "bench-password-not-secret"  # noqa: S105  (a throwaway database's sign-in)
DOMAIN = "bench-clinic.org"
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London")
MAIN_ZONE = "America/New_York"
HISTORY_DAYS = 21
LARGE_CASELOAD = 200
SMALL_CASELOAD = 5


@dataclass(frozen=True)
class Person:
    token: str
    user_id: str


@dataclass(frozen=True)
class PatientData:
    token: str
    patient_id: str
    assignment_id: str  # a `side: none` assignment, started before the logs, for new logs


@dataclass(frozen=True)
class Seeded:
    main: PatientData  # in the large caseload, with the realistic program
    small: PatientData  # in the small caseload, one exercise and one log
    writer: PatientData  # in the small caseload, the main patient's program: posts logs under load
    large_therapist: Person  # 200 patients
    small_therapist: Person  # 5 patients
    caseload_sizes: tuple[int, int]  # (small, large) as the API counts them


class Client:
    """Calls the in-process app with a bearer token; any unexpected status stops the bench."""

    def __init__(self, http: FlaskClient, token: str | None = None) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        # Each request in an app context of its own, as under a server: Flask would reuse the seed's
        # (and its `g`: who is signed in) for every request made inside it.
        response = contextvars.Context().run(
            self.http.open, f"/api/v1{path}", method=method, json=body, headers=self.headers
        )
        db.session.expire_all()  # the request committed on a session of its own
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.get_data(True)}")
        return response.json

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body)

    def get(self, path: str) -> Any:
        return self.call("GET", path)


def _sign_in(http: FlaskClient, email: str) -> Person:
    body = Client(http).post("/auth/tokens", {"email": email, "password": PASSWORD, "device_name": "bench"})
    return Person(token=body["token"], user_id=body["user"]["id"])


def _accept_invitation(http: FlaskClient, user_id: str) -> None:
    """The invitation flow a new user follows: a link (issued as the worker issues it), a password."""
    issued = accounts.issue_invitation(uuid.UUID(user_id))
    db.session.commit()
    if issued is None:
        raise RuntimeError(f"no invitation could be issued for user {user_id}")
    Client(http).post("/auth/invitations/accept", {"token": issued[1], "password": PASSWORD})


def _local(day: date, hour: int, minute: int, zone: str) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).isoformat()


class Clinic:
    def __init__(self, app: APIFlask, now: datetime) -> None:
        self.http = app.test_client()
        self.now = now
        self.rng = random.Random(2026)  # the same clinic on every run
        self.exercises: list[dict[str, Any]] = []
        self.visit_slot = 0

    def today(self, zone: str) -> date:
        return self.now.astimezone(ZoneInfo(zone)).date()

    def therapist(self, admin: Client, name: str) -> Person:
        email = f"therapist.{name.lower()}@{DOMAIN}"
        created = admin.post("/therapists", {"email": email, "first_name": "Terry", "last_name": name})
        _accept_invitation(self.http, created["user_id"])
        return _sign_in(self.http, email)

    def patient(self, therapist: Client, n: int, zone: str) -> dict[str, Any]:
        body = {
            "email": f"patient{n:04d}@{DOMAIN}",
            "first_name": "Pat",
            "last_name": f"Bench{n:04d}",
            "date_of_birth": date(1950 + n % 50, 1 + n % 12, 1 + n % 28).isoformat(),
            "timezone": zone,
            "conditions": ["low_back_pain", "hip_mobility_deficit"][: 1 + n % 2],
        }
        return therapist.post("/patients", body)

    def assign(self, therapist: Client, patient_id: str, index: int, **dose: Any) -> dict[str, Any]:
        exercise = self.exercises[index % len(self.exercises)]
        zone_today = self.today(MAIN_ZONE)
        body = {
            "exercise_id": exercise["id"],
            "times_per_day": 1,
            "side": "none",
            "start_date": (zone_today - timedelta(days=HISTORY_DAYS + 7)).isoformat(),
        } | dose
        return therapist.post(f"/patients/{patient_id}/assignments", body)

    def history(
        self, writer: Client, patient_id: str, zone: str, assignments: list[dict[str, Any]], adherence: float
    ) -> None:
        """Logs of the past HISTORY_DAYS local days (not today), pain easing over the weeks."""
        logs = []
        for days_ago in range(HISTORY_DAYS, 0, -1):
            day = self.today(zone) - timedelta(days=days_ago)
            for assignment in assignments:
                if day.strftime("%a").lower() not in assignment["days_of_week"]:
                    continue
                for _ in range(assignment["times_per_day"]):
                    if self.rng.random() > adherence:
                        continue
                    sides = ["left", "right"] if assignment["side"] == "both" else [None]
                    for side in sides:
                        pain = max(0, min(10, round(6 - 4 * (1 - days_ago / HISTORY_DAYS))))
                        logs.append(
                            {
                                "id": str(uuid.uuid4()),
                                "assignment_id": assignment["id"],
                                "performed_at": _local(day, 18, self.rng.randrange(60), zone),
                                "sets_completed": assignment["sets"],
                                "pain_score": pain + self.rng.choice((-1, 0, 0, 1)) if pain else 0,
                                **({"side": side} if side else {}),
                            }
                        )
        if logs:
            results = writer.post(f"/patients/{patient_id}/progress-logs/batch", {"logs": logs})["results"]
            if {r["status"] for r in results} != {"created"}:
                raise RuntimeError(f"seeding logs failed: {results[:3]}")

    def readings(self, therapist: Client, patient_id: str, zone: str, n: int) -> None:
        day = self.today(zone) - timedelta(days=2 + n % 5)
        left, right = (30, 42), (22 + n % 15, 38)
        for side, (internal, external) in (("left", left), ("right", right)):
            for kind, degrees in (("hip_internal_rotation", internal), ("hip_external_rotation", external)):
                body = {
                    "type": kind,
                    "side": side,
                    "degrees": degrees,
                    "measured_at": _local(day, 10, 0, zone),
                    "source": "clinician",
                    "instrument": "goniometer",
                }
                therapist.post(f"/patients/{patient_id}/measurements", body)

    def visit(self, therapist: Client, patient_id: str) -> None:
        # One therapist cannot be double-booked: each visit in a 30-minute slot of its own.
        self.visit_slot += 1
        starts = self.now.replace(minute=0, second=0, microsecond=0) + timedelta(
            days=1, minutes=30 * self.visit_slot
        )
        body = {
            "patient_id": patient_id,
            "starts_at": starts.isoformat(),
            "duration_minutes": 15,
            "kind": "follow_up",
        }
        therapist.post("/sessions", body)


def _patient_login(clinic: Clinic, created: dict[str, Any]) -> str:
    _accept_invitation(clinic.http, created["user_id"])
    return _sign_in(clinic.http, created["email"]).token


def seed(app: APIFlask, now: datetime) -> Seeded:
    """Build the clinic; the app must use the bench database (production settings otherwise)."""
    clinic = Clinic(app, now)
    with app.app_context():
        admin_email = f"admin@{DOMAIN}"
        accounts.create_user(admin_email, "Ada", "Admin", Role.ADMIN, password=PASSWORD)
        db.session.commit()
        admin = Client(clinic.http, _sign_in(clinic.http, admin_email).token)
        clinic.exercises = admin.get("/exercises?per_page=200")["items"]
        large = clinic.therapist(admin, "Large")
        small = clinic.therapist(admin, "Small")
        large_api, small_api = Client(clinic.http, large.token), Client(clinic.http, small.token)

        main = _realistic_patient(clinic, large_api, 0)
        # The rest of the large caseload, then the small one: a program, logs, readings, a visit each.
        for n in range(1, LARGE_CASELOAD):
            _caseload_patient(clinic, large_api, n)
        created = clinic.patient(small_api, 1000, MAIN_ZONE)
        small_id = created["id"]
        small_assignment = clinic.assign(small_api, small_id, 1)
        small_token = _patient_login(clinic, created)
        clinic.history(Client(clinic.http, small_token), small_id, MAIN_ZONE, [small_assignment], 0.2)
        writer = _realistic_patient(clinic, small_api, 1001)
        for n in range(1002, 1000 + SMALL_CASELOAD):
            _caseload_patient(clinic, small_api, n)

        sizes = (
            small_api.get("/patients?per_page=1")["total"],
            large_api.get("/patients?per_page=1")["total"],
        )
        db.session.remove()
    return Seeded(
        main=main,
        small=PatientData(small_token, small_id, small_assignment["id"]),
        writer=writer,
        large_therapist=large,
        small_therapist=small,
        caseload_sizes=sizes,
    )


def _realistic_patient(clinic: Clinic, therapist: Client, n: int) -> PatientData:
    """A phase-two hip and low-back program of five exercises, three weeks of logs at about 75%
    adherence, hip rotation readings, ODI and NPRS twice, and a visit tomorrow."""
    created = clinic.patient(therapist, n, MAIN_ZONE)
    patient_id = created["id"]
    program = [
        clinic.assign(therapist, patient_id, 3, side="both", sets=2, reps=8),
        clinic.assign(therapist, patient_id, 0, side="left", sets=3, reps=10),
        clinic.assign(therapist, patient_id, 6, sets=3, reps=12, days_of_week=["mon", "wed", "fri"]),
        clinic.assign(therapist, patient_id, 9, sets=2, reps=10, hold_seconds=5, times_per_day=2),
        clinic.assign(therapist, patient_id, 12, sets=3, reps=15),
    ]
    token = _patient_login(clinic, created)
    own = Client(clinic.http, token)
    clinic.history(own, patient_id, MAIN_ZONE, program, adherence=0.75)
    clinic.readings(therapist, patient_id, MAIN_ZONE, n)
    day = clinic.today(MAIN_ZONE) - timedelta(days=HISTORY_DAYS)
    for when in (day, day + timedelta(days=14)):
        at = _local(when, 9, 0, MAIN_ZONE)
        own.post(
            f"/patients/{patient_id}/outcomes", {"instrument": "nprs", "answers": [6], "completed_at": at}
        )
        odi = {"instrument": "odi", "answers": [2, 2, 3, 1, 2, 2, 1, 1, 2, 2], "completed_at": at}
        own.post(f"/patients/{patient_id}/outcomes", odi)
    clinic.visit(therapist, patient_id)
    return PatientData(token, patient_id, program[4]["id"])


def _caseload_patient(clinic: Clinic, therapist: Client, n: int) -> None:
    zone = ZONES[n % len(ZONES)]
    patient_id = clinic.patient(therapist, n, zone)["id"]
    assignments = [clinic.assign(therapist, patient_id, n + k) for k in range(1 + n % 3)]
    clinic.history(therapist, patient_id, zone, assignments, adherence=0.2 + (n % 8) / 10)
    clinic.readings(therapist, patient_id, zone, n)
    clinic.visit(therapist, patient_id)
