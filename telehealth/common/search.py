"""Search by substring, the one way every list's `q` matches."""

from __future__ import annotations

from typing import Any


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match; % and _ typed by a user are literal characters."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
