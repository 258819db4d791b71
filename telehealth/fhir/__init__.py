"""FHIR R4: a patient's record as a Bundle, and the clinic's Bulk Data export."""
