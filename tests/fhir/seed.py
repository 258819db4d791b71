"""Many patients with a record each, inserted in bulk (not through the API), for export tests and bench/."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from telehealth.accounts.models import Therapist, User
from telehealth.extensions import db
from telehealth.measures.models import Measurement, Outcome
from telehealth.patients.models import CareTeamMember, Patient
from telehealth.programs.models import Assignment, Exercise

START = datetime(2026, 2, 1, 15, 0, tzinfo=UTC)


def seed_patients(count: int, therapist: Therapist, *, chunk: int = 1000) -> None:
    """`count` patients, each with an assignment, two ROM readings and an NPRS result."""
    exercise_id = db.session.scalar(select(Exercise.id).limit(1))
    if exercise_id is None:
        exercise_id = uuid.uuid4()
        db.session.execute(
            insert(Exercise).values(
                id=exercise_id,
                name="Clamshell",
                instructions="Knees bent, open and close.",
                body_region="hip",
                category="strength",
                default_sets=3,
                archived=False,
                created_at=START,
                updated_at=START,
            )
        )
    for offset in range(0, count, chunk):
        size = min(chunk, count - offset)
        users, patients, teams, assignments, readings, outcomes = [], [], [], [], [], []
        for _ in range(size):
            user_id, patient_id = uuid.uuid4(), uuid.uuid4()
            users.append(
                {
                    "id": user_id,
                    "email": f"bulk-{patient_id}@patients-test.org",
                    "first_name": "Bulk",
                    "last_name": f"Patient {patient_id.hex[:8]}",
                    "role": "patient",
                    "created_at": START,
                    "updated_at": START,
                }
            )
            patients.append(
                {
                    "id": patient_id,
                    "user_id": user_id,
                    "date_of_birth": date(1980, 1, 1),
                    "timezone": "America/Chicago",
                    "conditions": ["low_back_pain"],
                    "status": "active",
                    "rom_asymmetry_threshold_degrees": 10.0,
                    "created_at": START,
                    "updated_at": START,
                }
            )
            teams.append({"patient_id": patient_id, "therapist_id": therapist.id, "added_at": START})
            assignments.append(
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient_id,
                    "exercise_id": exercise_id,
                    "sets": 3,
                    "reps": 10,
                    "hold_seconds": None,
                    "side": "both",
                    "times_per_day": 1,
                    "days_of_week": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "notes": None,
                    "start_date": START.date(),
                    "end_date": None,
                    "effective_from": START.date(),
                    "status": "active",
                    "created_by": therapist.user_id,
                    "created_at": START,
                    "updated_at": START,
                }
            )
            for side, degrees in (("left", 31.0), ("right", 24.0)):
                readings.append(
                    {
                        "id": uuid.uuid4(),
                        "patient_id": patient_id,
                        "type": "hip_internal_rotation",
                        "side": side,
                        "degrees": degrees,
                        "measured_at": START + timedelta(days=1),
                        "source": "clinician",
                        "position": "seated",
                        "mode": None,
                        "instrument": "goniometer",
                        "recorded_by_id": therapist.user_id,
                        "created_at": START,
                        "updated_at": START,
                    }
                )
            outcomes.append(
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient_id,
                    "instrument": "nprs",
                    "answers": [5],
                    "score": 5.0,
                    "interpretation": None,
                    "completed_at": START + timedelta(days=2),
                    "recorded_by_id": user_id,
                    "created_at": START,
                    "updated_at": START,
                }
            )
        for model, rows in (
            (User, users),
            (Patient, patients),
            (CareTeamMember, teams),
            (Assignment, assignments),
            (Measurement, readings),
            (Outcome, outcomes),
        ):
            db.session.execute(insert(model), rows)
        db.session.commit()
