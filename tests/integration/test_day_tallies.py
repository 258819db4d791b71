"""On a migrated PostgreSQL: the day tallies equal the raw logs' side counts and adherence from them
equals adherence from raw logs on random histories (the histories of tests/programs/day_tallies.py),
and revision 0013 fills them from the logs stored before it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telehealth import create_app
from telehealth.extensions import db
from tests.integration.conftest import _truncate_all, temporary_database
from tests.programs.day_tallies import check_backfill_and_downgrade, play_random_history


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_day_tallies_and_daily_counts_equal_those_from_raw_logs_on_postgresql(migrated_pg, data):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": migrated_pg})
    with app.app_context():
        _truncate_all()
        try:
            play_random_history(data)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_revision_0013_fills_the_tallies_from_stored_logs_and_downgrades_on_postgresql():
    with temporary_database("telehealth_tallies") as url:
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            check_backfill_and_downgrade()
            db.engine.dispose()
