from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("reminders", __name__, url_prefix="/api/v1", tag="Reminders")
