"""The declarative base and column types every model shares."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Enum, MetaData, Table, TypeDecorator, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from telehealth.common.time import utcnow


def _check_name(constraint: CheckConstraint, table: Table) -> str:
    """A CHECK's own name; the one an enum column's type brings is named after the column, so two
    columns of one enum in one table get two names (the enum's name would give both the same)."""
    if constraint._type_bound:
        return "_".join(column.name for column in constraint.columns)
    if constraint.name is None:
        raise ValueError(f"a CHECK constraint on {table.name} needs a name")
    return str(constraint.name)


# Stable constraint names, so Alembic (and SQLite batch mode) can address them.
NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    # Only "ck" uses it: ck_<table>_<name given>, or ck_<table>_<column> for an enum column.
    "constraint_name": _check_name,
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class BodySide(enum.StrEnum):
    """Left or right: the side a reading or a logged set was done on."""

    LEFT = "left"
    RIGHT = "right"


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            uuid.UUID: Uuid(),
            # A column typed with a StrEnum stores its values (not member names) as a string,
            # held to them by a CHECK constraint named ck_<table>_<column> on every backend.
            enum.Enum: Enum(
                enum.Enum,
                native_enum=False,
                create_constraint=True,
                validate_strings=True,
                length=32,
                values_callable=lambda members: [member.value for member in members],
            ),
        },
    )


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
