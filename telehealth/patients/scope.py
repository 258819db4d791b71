"""The patient scope every route under /patients/{patient_id} declares."""

from __future__ import annotations

from telehealth.accounts.permissions import Scope
from telehealth.patients.service import get_visible_patient

# Out of the caller's scope is 404, whatever the role.
PATIENT = Scope("patient_id", get_visible_patient, "patient", "patient")
