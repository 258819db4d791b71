"""Enumerated columns hold only their enum's values: the models say so, and the migrated SQLite
database refuses anything else, even from plain SQL."""

from __future__ import annotations

import enum

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, Table, func, select, text
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.exc import IntegrityError

from telehealth import create_app
from telehealth.common.models import NAMING_CONVENTION
from telehealth.extensions import db
from telehealth.patients.models import Patient, PatientStatus
from tests.support.schema import check_differences, insert_patient, insert_user, schema_differences


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


def test_two_columns_of_one_enum_get_a_check_each_named_after_its_column():
    table = Table(
        "swatches",
        MetaData(naming_convention=NAMING_CONVENTION),
        Column("id", Integer, primary_key=True),
        Column("front", SqlEnum(Colour, native_enum=False, create_constraint=True)),
        Column("back", SqlEnum(Colour, native_enum=False, create_constraint=True)),
    )
    names = sorted(c.name for c in table.constraints if c.name.startswith("ck_"))
    assert names == ["ck_swatches_back", "ck_swatches_front"]


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'enums.db'}"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrated_sqlite_matches_the_models_and_refuses_values_outside_an_enum(sqlite_app):
    upgrade(revision="heads")
    assert schema_differences() == []
    assert check_differences() == []

    insert_patient(insert_user("therapist"), "discharged")
    db.session.commit()
    with pytest.raises(IntegrityError, match="ck_users_role"):
        insert_user("superuser")
    db.session.rollback()
    with pytest.raises(IntegrityError, match="ck_patients_status"):
        insert_patient(insert_user("patient"), "archived")
    db.session.rollback()
    with pytest.raises(IntegrityError, match="ck_patients_status"):
        db.session.execute(text("UPDATE patients SET status = 'Active'"))
    db.session.rollback()
    assert db.session.scalars(select(Patient.status)).all() == [PatientStatus.DISCHARGED]


def test_rows_written_before_the_checks_survive_the_table_rebuilds_both_ways(sqlite_app):
    upgrade(revision="0010_rtm")
    insert_patient(insert_user("patient"), "active")
    db.session.commit()

    upgrade(revision="0011_enum_checks")
    assert db.session.scalars(select(Patient.status)).all() == ["active"]

    downgrade(revision="0010_rtm")
    assert db.session.scalar(select(func.count()).select_from(text("patients"))) == 1
    # Without the revision's CHECKs, the database takes what it took before.
    insert_user("superuser")
    db.session.commit()
