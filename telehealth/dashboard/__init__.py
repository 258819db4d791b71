"""The therapist's views: the caseload dashboard, adherence over time, and the progress report."""
