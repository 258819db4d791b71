"""The 0002_programs revision builds what the models describe and inserts the exercise library."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import func, select

from telehealth import create_app
from telehealth.extensions import db
from telehealth.programs.library import seed_library
from telehealth.programs.models import Exercise
from tests.programs.helpers import schema_differences


def test_migration_builds_our_tables_as_modelled_and_seeds_the_library(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade(revision="0002_programs")
        assert schema_differences() == []
        assert db.session.scalar(select(func.count()).select_from(Exercise)) == 24
        # The migration and seed_library() agree on the library's ids, so seeding adds nothing.
        assert seed_library() == 0
        db.session.remove()
        db.engine.dispose()
