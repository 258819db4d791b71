"""Revision 0012_intake builds the scheduling tables as the models describe them, and undoes them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from telehealth import create_app
from telehealth.extensions import db

OUR_TABLES = {"therapist_availability", "screening_requests"}


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = []
        for diff in compare_metadata(context, db.metadata):
            change = diff[0] if isinstance(diff, list) else diff
            subject = change[1]
            table = getattr(subject, "name", None) if change[0].endswith("_table") else None
            table = table or getattr(getattr(subject, "table", None), "name", None) or change[2]
            if table in OUR_TABLES:
                found.append(diff)
        return found


def test_the_revision_builds_the_tables_as_modelled_and_downgrades_cleanly(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade(revision="0012_intake")
        assert set(inspect(db.engine).get_table_names()) >= OUR_TABLES
        assert _differences() == []
        downgrade(revision="0011_enum_checks")
        assert not OUR_TABLES & set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()
