"""The programs revisions build what the models describe, insert the exercise library, and date
the prescriptions that existed before effective dating."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from telehealth import create_app
from telehealth.extensions import db
from telehealth.programs.library import library_id, seed_library
from telehealth.programs.models import Assignment, Exercise
from tests.programs.helpers import schema_differences


def test_migration_builds_our_tables_as_modelled_and_seeds_the_library(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade(revision="0002_programs")
        assert db.session.scalar(select(func.count()).select_from(Exercise)) == 24
        # The migration and seed_library() agree on the library's ids, so seeding adds nothing.
        assert seed_library() == 0
        upgrade(revision="heads")
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


def _row(table: str, **values: object) -> None:
    columns = [
        sa.column(name, sa.JSON() if isinstance(value, list) else None) for name, value in values.items()
    ]
    db.session.execute(sa.insert(sa.table(table, *columns)).values(**values))


def _existing_assignment_in_tokyo() -> uuid.UUID:
    """A Tokyo patient's assignment written before effective dating and changed twice, as raw rows
    (the models describe the schema after the revision); uuids as SQLite stores them."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    user_id, patient_id, assignment_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    stamps = {"created_at": now, "updated_at": now}
    _row(
        "users",
        id=user_id.hex,
        email="migrated@example.org",
        role="patient",
        first_name="Mia",
        last_name="Migrated",
        is_active_account=True,
        **stamps,
    )
    _row(
        "patients",
        id=patient_id.hex,
        user_id=user_id.hex,
        date_of_birth=date(1980, 1, 1),
        timezone="Asia/Tokyo",
        conditions=[],
        status="active",
        rom_asymmetry_threshold_degrees=10.0,
        **stamps,
    )
    prescription = {
        "sets": 3,
        "reps": 10,
        "hold_seconds": None,
        "side": "none",
        "times_per_day": 1,
        "days_of_week": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "notes": None,
        "start_date": "2026-02-02",
        "end_date": None,
    }
    history = [
        # 23:30 UTC on 10 March is 11 March in Tokyo: the change took effect on the patient's date.
        {"changed_at": "2026-03-10T23:30:00Z", "changed_by": str(user_id), "prescription": prescription},
        {
            "changed_at": "2026-03-20T03:00:00Z",
            "changed_by": str(user_id),
            "prescription": prescription | {"times_per_day": 3},
        },
    ]
    _row(
        "assignments",
        id=assignment_id.hex,
        patient_id=patient_id.hex,
        exercise_id=library_id("Clamshell").hex,
        sets=3,
        reps=10,
        side="none",
        times_per_day=2,
        days_of_week=["mon"],
        start_date=date(2026, 2, 2),
        status="active",
        created_by=user_id.hex,
        history=history,
        created_at=datetime(2026, 2, 5, tzinfo=UTC),
        updated_at=now,
    )
    db.session.commit()
    return assignment_id


def test_existing_prescriptions_are_dated_from_their_start_and_each_change(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dated.db'}"})
    with app.app_context():
        upgrade(revision="0007_email_changes")
        assignment_id = _existing_assignment_in_tokyo()
        upgrade(revision="0008_prescription_effective_from")
        assignment = db.session.get(Assignment, assignment_id)
        # The first version from its start; each later one from the Tokyo date of its change.
        assert [entry["effective_from"] for entry in assignment.history] == ["2026-02-02", "2026-03-11"]
        assert assignment.effective_from == date(2026, 3, 20)
        timeline = assignment.timeline()
        assert [timeline.planned(date(2026, 3, d)) for d in (10, 11, 19, 23)] == [1, 3, 3, 2]
        db.session.remove()
        db.engine.dispose()
