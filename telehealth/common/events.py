"""Domain events: a service announces what changed; other parts subscribe.

Receivers run synchronously, inside the sender's transaction, so what they write commits
(or rolls back) together with the change that caused it.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# sender: the Patient
patient_created = _events.signal("patient-created")
patient_changed = _events.signal("patient-changed")  # timezone or status may have moved
# sender: the Visit (scheduled, rescheduled, cancelled or otherwise moved on)
visit_changed = _events.signal("visit-changed")
