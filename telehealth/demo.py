"""The demo clinic for `flask seed-demo`: people, and four weeks of believable history.

Idempotent: people are found by email, and a patient who already has a program keeps it.
Development only (the CLI refuses production): every login shares one printed password.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.common.time import utcnow, zone
from telehealth.extensions import db
from telehealth.measures import service as measures
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.programs import service as programs
from telehealth.programs.library import library_id, seed_library
from telehealth.programs.models import Assignment
from telehealth.progress import service as progress
from telehealth.scheduling import service as scheduling
from telehealth.visits import service as visits

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (development only; refused in production)
ADMIN = ("admin@demo-clinic.org", "Avery", "Admin")
THERAPISTS = [
    ("tess.thompson@demo-clinic.org", "Tess", "Thompson"),
    ("omar.okafor@demo-clinic.org", "Omar", "Okafor"),
]
# Each therapist's week: mornings for every kind, afternoons for follow-ups and screenings, every
# day, so `make run` shows open slots at once whatever the weekday (as Eastern wall-clock time).
DEMO_HOURS = [
    {"day": day, "start": start, "end": end, "kinds": kinds}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for start, end, kinds in (
        ("08:00", "12:00", ["screening", "initial_evaluation", "follow_up"]),
        ("13:00", "18:00", ["screening", "follow_up"]),
    )
]
PROGRAM = ["Seated hip internal rotation", "90/90 hip switches", "Clamshell", "Glute bridge", "Bird dog"]


@dataclass(frozen=True)
class DemoPatient:
    email: str
    first_name: str
    last_name: str
    born: date
    timezone: str
    conditions: tuple[str, ...]
    therapist: int
    adherence: float  # share of planned sessions logged
    quiet_days: int  # recent days with no logs at all
    pain: tuple[int, int]  # logged pain, first week -> last week
    left_ir: tuple[int, int]  # restricted side's internal rotation, start -> now (degrees)


PATIENTS = [
    DemoPatient(
        "pat.rivera@demo-patients.org",
        "Pat",
        "Rivera",
        date(1979, 4, 2),
        "America/New_York",
        ("low_back_pain", "hip_mobility_deficit"),
        0,
        0.85,
        0,
        (6, 3),
        (22, 31),
    ),
    DemoPatient(
        "kenji.sato@demo-patients.org",
        "Kenji",
        "Sato",
        date(1990, 9, 14),
        "Asia/Tokyo",
        ("low_back_pain", "sciatica"),
        0,
        0.4,
        5,
        (4, 5),
        (28, 29),
    ),
    DemoPatient(
        "maria.lopez@demo-patients.org",
        "Maria",
        "Lopez",
        date(1985, 1, 30),
        "America/Los_Angeles",
        ("pregnancy_related_pain", "sacroiliac_joint_dysfunction"),
        0,
        0.7,
        0,
        (3, 6),
        (35, 36),
    ),
    DemoPatient(
        "sam.becker@demo-patients.org",
        "Sam",
        "Becker",
        date(1962, 7, 21),
        "Europe/Berlin",
        ("hip_osteoarthritis", "low_back_pain"),
        1,
        0.95,
        0,
        (7, 4),
        (18, 24),
    ),
    DemoPatient(
        "lee.nguyen@demo-patients.org",
        "Lee",
        "Nguyen",
        date(1998, 11, 5),
        "America/Chicago",
        ("muscle_strain",),
        1,
        0.6,
        0,
        (5, 2),
        (38, 40),
    ),
]


def _user(email: str, first: str, last: str, role: Role) -> User:
    user = accounts.find_user_by_email(email) or accounts.create_user(email, first, last, role)
    if user.password_hash is None:  # demo accounts skip the invitation, so the printed logins work
        accounts._set_password(user, DEMO_PASSWORD)
    return user


def _therapist(email: str, first: str, last: str) -> User:
    user = _user(email, first, last, Role.THERAPIST)
    therapist = db.session.scalar(select(Therapist).where(Therapist.user_id == user.id))
    if therapist is None:
        therapist = Therapist(user=user)
        db.session.add(therapist)
        db.session.flush()
    if not scheduling.availability_of(therapist).weekly:
        scheduling.set_availability(therapist, timezone="America/New_York", weekly=DEMO_HOURS, exceptions=[])
    return user


def _patient(spec: DemoPatient, therapist: User) -> Patient:
    user = accounts.find_user_by_email(spec.email)
    if user is None:
        patient = patients.create_patient(
            therapist,
            email=spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            date_of_birth=spec.born,
            timezone=spec.timezone,
            conditions=list(spec.conditions),
        )
        user = patient.user
    _user(spec.email, spec.first_name, spec.last_name, Role.PATIENT)
    found = patients.patient_for_user(user)
    if found is None:
        raise RuntimeError(f"{spec.email} exists but is not a patient; pick another demo email")
    return found


def _history(spec: DemoPatient, patient: Patient, therapist: User, now: datetime) -> None:
    """Four weeks of program, logs, hip readings, outcomes and a next visit."""
    rng = random.Random(spec.email)  # noqa: S311  (demo data, not security)
    tz = zone(spec.timezone)
    today = now.astimezone(tz).date()
    start = today - timedelta(days=27)
    for name in PROGRAM:
        programs.create_assignment(
            therapist,
            patient,
            exercise_id=library_id(name),
            prescription={
                "sets": 2,
                "times_per_day": 1,
                "side": "both" if name != "Bird dog" else "none",
                "days_of_week": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start_date": start,
            },
        )
    assignments = list(db.session.scalars(select(Assignment).where(Assignment.patient_id == patient.id)))
    entries = []
    for offset in range(28):
        day = start + timedelta(days=offset)
        if day == today or (today - day).days <= spec.quiet_days:
            continue
        pain = round(spec.pain[0] + (spec.pain[1] - spec.pain[0]) * offset / 27)
        for assignment in assignments:
            if rng.random() > spec.adherence:
                continue
            performed = datetime.combine(day, time(7 + rng.randrange(12), rng.randrange(60)), tzinfo=tz)
            entries.append(
                progress.LogInput(
                    None,
                    {
                        "id": uuid.uuid5(patient.id, f"{assignment.id}:{day}"),
                        "assignment_id": assignment.id,
                        "performed_at": performed,
                        "sets_completed": 2,
                        "reps_completed": 10,
                        "hold_seconds": None,
                        "side": None,
                        "pain_score": max(0, min(10, pain + rng.choice((-1, 0, 0, 1)))),
                        "difficulty": 3,
                        "notes": None,
                    },
                )
            )
    progress.record_logs(patient.user, patient, entries)
    _readings(spec, patient, therapist, now)
    visits.schedule(
        therapist,
        patient_id=patient.id,
        starts_at=_next_slot(now, spec.therapist, tz),
        duration_minutes=30,
        kind="follow_up",
    )


def _readings(spec: DemoPatient, patient: Patient, therapist: User, now: datetime) -> None:
    checkpoints = [now - timedelta(days=27), now - timedelta(days=13), now - timedelta(days=1)]
    for step, moment in enumerate(checkpoints):
        left_ir = spec.left_ir[0] + (spec.left_ir[1] - spec.left_ir[0]) * step // 2
        for rom_type, side, degrees in (
            ("hip_internal_rotation", "left", left_ir),
            ("hip_internal_rotation", "right", 40),
            ("hip_external_rotation", "left", 42 + step),
            ("hip_external_rotation", "right", 45),
        ):
            measures.create_measurement(
                therapist,
                patient,
                type=rom_type,
                side=side,
                degrees=degrees,
                measured_at=moment,
                source="clinician",
                position="seated",
                mode="active",
                instrument="goniometer",
            )
        odi_level = max(0, 3 - step) if spec.pain[1] < spec.pain[0] else 2 + step // 2
        measures.create_outcome(
            patient.user, patient, instrument="odi", answers=[odi_level] * 9 + [None], completed_at=moment
        )
        nprs = spec.pain[0] + (spec.pain[1] - spec.pain[0]) * step // 2
        measures.create_outcome(patient.user, patient, instrument="nprs", answers=[nprs], completed_at=moment)
        psfs = [{"activity": a, "score": min(10, 3 + 2 * step)} for a in ("walking", "sitting", "golf swing")]
        measures.create_outcome(patient.user, patient, instrument="psfs", answers=psfs, completed_at=moment)


def _next_slot(now: datetime, index: int, tz: object) -> datetime:
    """Three days out, at 10:00 or 14:00 the patient's time, so the visits do not overlap."""
    day = (now.astimezone(tz) + timedelta(days=3)).date()  # type: ignore[arg-type]
    return datetime.combine(day, time(10 + 4 * index, 0), tzinfo=tz)  # type: ignore[arg-type]


def seed_demo(now: datetime | None = None) -> list[tuple[str, str]]:
    """Create what is missing of the demo clinic; return (role, email) of each login."""
    now = now or utcnow()
    seed_library()
    logins = [("admin", _user(*ADMIN, Role.ADMIN).email)]
    therapists = [_therapist(*names) for names in THERAPISTS]
    logins += [("therapist", t.email) for t in therapists]
    for spec in PATIENTS:
        therapist = therapists[spec.therapist]
        patient = _patient(spec, therapist)
        has_program = db.session.scalar(
            select(Assignment.id).where(Assignment.patient_id == patient.id).limit(1)
        )
        if has_program is None:
            _history(spec, patient, therapist, now)
        logins.append(("patient", spec.email))
    db.session.flush()
    return logins
