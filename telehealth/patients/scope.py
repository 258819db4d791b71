"""The patient scope every route under /patients/{patient_id} declares."""

from __future__ import annotations

import uuid

from telehealth.http import Scope
from telehealth.patients.models import Patient
from telehealth.patients.service import get_visible_patient


def _itself(patient: Patient) -> uuid.UUID:
    return patient.id


# Out of the caller's scope is 404, whatever the role.
PATIENT = Scope(
    "patient_id", get_visible_patient, "patient", "patient", patient_of=_itself, id_is_patient=True
)
