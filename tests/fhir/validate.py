"""Validation of what we emit against the FHIR models of fhir.resources (R4B, the R4 line it ships)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


def problems(resource: dict[str, Any]) -> list[str]:
    """Every way a resource breaks the specification; [] when it is valid."""
    kind = resource.get("resourceType", "?")
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except (ValidationError, KeyError, ValueError) as exc:
        return [f"{kind}/{resource.get('id')}: {exc}"]
    return []
