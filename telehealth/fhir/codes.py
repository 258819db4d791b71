"""Code systems and codes the FHIR mapping uses, in one place (docs/fhir.md describes ours)."""

from __future__ import annotations

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

NPRS = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
ODI_PANEL = "97908-8"
ODI_SCORE = {"system": LOINC, "code": "97909-6", "display": "Oswestry Disability Index score"}
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
HIP_JOINT = {"system": SNOMED, "code": "24136001", "display": "Hip joint structure"}
LATERALITY = {
    "left": {"system": SNOMED, "code": "7771000", "display": "Left"},
    "right": {"system": SNOMED, "code": "24028007", "display": "Right"},
}
VIRTUAL = {"system": ACT_CODE, "code": "VR", "display": "virtual"}

# Our own code systems, for what no standard terminology codes (see docs/fhir.md).
HIP_ROM = "hip-rom"  # hip_internal_rotation, hip_external_rotation, hip_flexion, ...
ROM_METHOD = "rom-method"  # goniometer, inclinometer, visual
OUTCOME = "outcome"  # psfs-score
VISIT_KIND = "visit-kind"  # screening, initial_evaluation, follow_up
LATERALITY_EXTENSION = "StructureDefinition/body-site-laterality"
PSFS_QUESTIONNAIRE = "Questionnaire/psfs"
ODI_QUESTIONNAIRE = f"{LOINC}/q/{ODI_PANEL}"

ROM_DISPLAY = {
    "hip_internal_rotation": "Hip internal rotation range of motion",
    "hip_external_rotation": "Hip external rotation range of motion",
    "hip_flexion": "Hip flexion range of motion",
    "hip_extension": "Hip extension range of motion",
    "hip_abduction": "Hip abduction range of motion",
}
VISIT_KIND_DISPLAY = {
    "screening": "Free screening",
    "initial_evaluation": "Initial evaluation",
    "follow_up": "Follow-up visit",
}
