from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("progress", __name__, url_prefix="/api/v1", tag="Progress")
