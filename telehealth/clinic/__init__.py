"""/clinic/: the therapists' and admins' web console, a client of /api/v1 only (no build step)."""
