"""What a migrated database holds against what the models describe, on either backend."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Date, Enum, Uuid, bindparam, inspect, text

from telehealth.common.models import UTCDateTime
from telehealth.extensions import db


def schema_differences() -> list[Any]:
    """Alembic's autogenerate comparison over every table (what `flask db check` reports)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def check_differences() -> list[str]:
    """What autogenerate does not compare: each table's CHECK constraints by name, and for each
    enum column the values its CHECK allows."""
    inspector = inspect(db.engine)
    found: list[str] = []
    for table in db.metadata.sorted_tables:
        reflected = {ck["name"]: ck["sqltext"] for ck in inspector.get_check_constraints(table.name)}
        modelled = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        if set(reflected) != modelled:
            found.append(f"{table.name}: database {sorted(reflected)}, models {sorted(modelled)}")
            continue
        for column in table.columns:
            if isinstance(column.type, Enum):
                name = f"ck_{table.name}_{column.name}"
                allowed = set(re.findall(r"'([^']*)'", reflected.get(name, "")))
                if allowed != set(column.type.enums):
                    found.append(f"{name} allows {sorted(allowed)}, the model {sorted(column.type.enums)}")
    return found


def insert_user(role: str) -> uuid.UUID:
    """A users row written in plain SQL, past the models and their enums."""
    user_id = uuid.uuid4()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.execute(
        text(
            "INSERT INTO users (id, email, role, first_name, last_name, is_active_account, created_at,"
            " updated_at) VALUES (:id, :email, :role, 'Rae', 'Raw', true, :now, :now)"
        ).bindparams(bindparam("id", type_=Uuid()), bindparam("now", type_=UTCDateTime())),
        {"id": user_id, "email": f"{user_id.hex}@example.org", "role": role, "now": now},
    )
    return user_id


def insert_patient(user_id: uuid.UUID, status: str) -> uuid.UUID:
    """A patients row written in plain SQL."""
    patient_id = uuid.uuid4()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.execute(
        text(
            "INSERT INTO patients (id, user_id, date_of_birth, timezone, conditions, status,"
            " rom_asymmetry_threshold_degrees, created_at, updated_at)"
            " VALUES (:id, :user_id, :born, 'UTC', '[]', :status, 10.0, :now, :now)"
        ).bindparams(
            bindparam("id", type_=Uuid()),
            bindparam("user_id", type_=Uuid()),
            bindparam("born", type_=Date()),
            bindparam("now", type_=UTCDateTime()),
        ),
        {"id": patient_id, "user_id": user_id, "born": date(1980, 1, 1), "status": status, "now": now},
    )
    return patient_id
