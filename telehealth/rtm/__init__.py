"""Remote therapeutic monitoring: episodes, therapist time, and the counts clinics bill from."""
