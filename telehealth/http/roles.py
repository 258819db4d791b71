"""Who may call a route: the role sets policies name."""

from __future__ import annotations

from telehealth.accounts.models import Role

ANYONE = frozenset(Role)
CLINICIANS = frozenset({Role.THERAPIST, Role.ADMIN})
STAFF_ONLY = frozenset({Role.ADMIN})
THERAPISTS = frozenset({Role.THERAPIST})
PATIENTS = frozenset({Role.PATIENT})
# A patient and their therapists, without admins (who see a visit but are not in the room).
PATIENT_AND_CARE_TEAM = THERAPISTS | PATIENTS
PUBLIC: frozenset[Role] = frozenset()  # no sign-in needed

ROLE_NAMES = {Role.ADMIN: "admins", Role.THERAPIST: "therapists", Role.PATIENT: "patients"}
