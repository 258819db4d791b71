"""Enumerated columns on a real PostgreSQL: the revision adds a CHECK for each over existing rows,
the migrated schema matches the models, and the database refuses a value outside an enum."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from telehealth import create_app
from telehealth.extensions import db
from telehealth.patients.models import Patient, PatientStatus
from tests.integration.conftest import temporary_database
from tests.support.schema import check_differences, insert_patient, insert_user, schema_differences


@pytest.fixture
def empty_pg_app() -> Iterator[object]:
    with temporary_database("telehealth_enums") as url:
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def test_postgresql_checks_existing_rows_matches_the_models_and_refuses_values_outside_an_enum(
    empty_pg_app,
):
    upgrade(revision="0010_rtm")
    insert_patient(insert_user("therapist"), "discharged")
    db.session.commit()

    upgrade(revision="heads")
    assert schema_differences() == []
    assert check_differences() == []
    assert db.session.scalars(select(Patient.status)).all() == [PatientStatus.DISCHARGED]

    with pytest.raises(IntegrityError, match="ck_users_role"):
        insert_user("superuser")
    db.session.rollback()
    with pytest.raises(IntegrityError, match="ck_patients_status"):
        insert_patient(insert_user("patient"), "archived")
    db.session.rollback()
    with pytest.raises(IntegrityError, match="ck_patients_status"):
        db.session.execute(text("UPDATE patients SET status = 'Active'"))
    db.session.rollback()

    downgrade(revision="0010_rtm")
    insert_user("superuser")  # the downgrade took the CHECKs away
    db.session.commit()
