"""The idempotent INSERT behind progress logs and planned reminders is compiled once, not per row."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from telehealth.common.upsert import insert_or_add, insert_unless_present
from telehealth.progress.models import DayTally, ProgressLog
from telehealth.reminders.models import Notification

DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


@pytest.fixture(params=sorted(DIALECTS))
def dialect_name(request, app, monkeypatch):
    from telehealth.extensions import db

    monkeypatch.setattr(db.session.get_bind().dialect, "name", request.param)
    return request.param


def test_the_same_insert_shares_one_cache_key(dialect_name):
    first = insert_unless_present(ProgressLog, ["id"]).returning(ProgressLog)
    again = insert_unless_present(ProgressLog, ["id"]).returning(ProgressLog)
    key = first._generate_cache_key()
    assert key is not None, "an INSERT without a cache key is compiled on every execution"
    assert key == again._generate_cache_key()


def test_other_conflict_columns_or_tables_get_other_keys(dialect_name):
    by_id = insert_unless_present(ProgressLog, ["id"])._generate_cache_key()
    by_patient = insert_unless_present(ProgressLog, ["patient_id"])._generate_cache_key()
    other_table = insert_unless_present(Notification, ["id"])._generate_cache_key()
    assert by_id != by_patient
    assert by_id != other_table


def test_it_renders_on_conflict_do_nothing_on_its_columns(dialect_name):
    stmt = insert_unless_present(Notification, ["patient_id", "kind", "occurrence", "channel"])
    sql = str(stmt.compile(dialect=DIALECTS[dialect_name]))
    assert sql.endswith("ON CONFLICT (patient_id, kind, occurrence, channel) DO NOTHING")


def test_the_tally_upsert_is_cached_and_adds_on_conflict(dialect_name):
    columns = ("assignment_id", "day", "left_logs")

    def build(rows: int):
        return insert_or_add(DayTally, ["assignment_id", "day"], columns, rows, add=["left_logs"])

    one, again, two = build(1), build(1), build(2)
    assert one._generate_cache_key() is not None
    assert one._generate_cache_key() == again._generate_cache_key()
    assert one._generate_cache_key() != two._generate_cache_key()
    sql = str(one.compile(dialect=DIALECTS[dialect_name]))
    assert "ON CONFLICT (assignment_id, day) DO UPDATE SET left_logs = (assignment_days.left_logs + " in sql
