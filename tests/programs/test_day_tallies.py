"""The day tallies (assignment_days) hold exactly the side counts of the raw logs, and adherence read
from them equals adherence computed from raw logs, on random histories (SQLite; PostgreSQL in
tests/integration/test_day_tallies.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telehealth import create_app
from telehealth.extensions import db
from tests.programs.day_tallies import check_backfill_and_downgrade, play_random_history


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_day_tallies_and_daily_counts_equal_those_from_raw_logs_on_random_histories(data):
    app = create_app("test")
    with app.app_context():
        db.create_all()
        try:
            play_random_history(data)
        finally:
            db.session.remove()
            db.drop_all()


def test_revision_0013_fills_the_tallies_from_stored_logs_and_downgrades(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        check_backfill_and_downgrade()
        db.engine.dispose()
