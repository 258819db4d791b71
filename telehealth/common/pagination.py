"""The one list shape: {items, page, per_page, total}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from telehealth.extensions import db

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int


def paginate(stmt: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(window)
    items = list(result.unique().scalars()) if scalars else list(result)
    return Page(items=items, page=page, per_page=per_page, total=total)
