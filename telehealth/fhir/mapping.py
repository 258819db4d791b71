"""Our records as FHIR R4 resources: plain dicts, built here and nowhere else.

Instants carry the patient's local offset; dates are the patient's local dates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from telehealth.common.time import zone
from telehealth.fhir import codes
from telehealth.measures.models import Measurement, Outcome
from telehealth.patients.models import Patient
from telehealth.programs.models import Assignment
from telehealth.visits.models import Visit

Resource = dict[str, Any]
# Derived resources (a score Observation beside its QuestionnaireResponse) get a stable id of their own.
DERIVED = uuid.UUID("6f1c1f4e-5d0b-4b6e-9a7e-2f9d8c7b1a01")

VISIT_STATUS = {
    "scheduled": "planned",
    "in_progress": "in-progress",
    "completed": "finished",
    "cancelled": "cancelled",
    "no_show": "cancelled",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Context:
    """What every resource of one patient needs: where our code systems live, their zone, who is who."""

    code_system_base: str
    timezone: str
    # user id -> Practitioner id, for authors and performers who are therapists
    practitioners: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    patient_user_id: uuid.UUID | None = None

    def system(self, name: str) -> str:
        return f"{self.code_system_base}/CodeSystem/{name}"

    def instant(self, value: datetime) -> str:
        return value.astimezone(zone(self.timezone)).isoformat(timespec="seconds")

    def actor(self, user_id: uuid.UUID, patient_id: uuid.UUID) -> dict[str, str] | None:
        if user_id == self.patient_user_id:
            return {"reference": f"Patient/{patient_id}"}
        if user_id in self.practitioners:
            return {"reference": f"Practitioner/{self.practitioners[user_id]}"}
        return None


def derived_id(source: uuid.UUID, kind: str) -> str:
    return str(uuid.uuid5(DERIVED, f"{kind}/{source}"))


def patient(row: Patient) -> Resource:
    user = row.user
    telecom = [{"system": "email", "value": user.email, "use": "home"}]
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone, "use": "mobile"})
    return {
        "resourceType": "Patient",
        "id": str(row.id),
        "active": row.is_active,
        "name": [{"use": "official", "family": user.last_name, "given": [user.first_name]}],
        "telecom": telecom,
        "birthDate": row.date_of_birth.isoformat(),
    }


def practitioner(therapist_id: uuid.UUID, first_name: str, last_name: str, email: str) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": str(therapist_id),
        "active": True,
        "name": [{"family": last_name, "given": [first_name]}],
        "telecom": [{"system": "email", "value": email, "use": "work"}],
    }


def dose_text(row: Assignment) -> str:
    parts = [f"{row.sets} set{'s' if row.sets != 1 else ''}"]
    if row.reps:
        parts.append(f"{row.reps} reps")
    if row.hold_seconds:
        parts.append(f"hold {row.hold_seconds} s")
    if row.side != "none":
        parts.append("both sides" if row.side == "both" else f"{row.side} side")
    parts.append(f"{row.times_per_day} time{'s' if row.times_per_day != 1 else ''} a day")
    return ", ".join(parts)


def _period(start: date, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def service_request(ctx: Context, row: Assignment, exercise_name: str, instructions: str) -> Resource:
    days = [day for day in WEEKDAYS if day in row.days_of_week]
    resource: Resource = {
        "resourceType": "ServiceRequest",
        "id": str(row.id),
        "status": "active" if row.status == "active" else "completed",
        "intent": "order",
        "code": {"coding": [codes.EXERCISE_THERAPY], "text": exercise_name},
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "authoredOn": ctx.instant(row.created_at),
        "occurrenceTiming": {
            "repeat": {
                "boundsPeriod": _period(row.start_date, row.end_date),
                "frequency": row.times_per_day,
                "period": 1,
                "periodUnit": "d",
                "dayOfWeek": days,
            }
        },
        "patientInstruction": f"{exercise_name}: {dose_text(row)}. {instructions}",
    }
    if requester := ctx.actor(row.created_by, row.patient_id):
        resource["requester"] = requester
    if row.notes:
        resource["note"] = [{"text": row.notes}]
    return resource


def care_plan(ctx: Context, row: Patient, assignments: list[Assignment]) -> Resource:
    starts = [a.start_date for a in assignments]
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": derived_id(row.id, "careplan"),
        "status": "active" if row.is_active else "completed",
        "intent": "plan",
        "title": "Home exercise program",
        "subject": {"reference": f"Patient/{row.id}"},
        "activity": [{"reference": {"reference": f"ServiceRequest/{a.id}"}} for a in assignments],
    }
    if starts:
        resource["period"] = {"start": min(starts).isoformat()}
    return resource


def rom_observation(ctx: Context, row: Measurement) -> Resource:
    side = codes.LATERALITY[row.side]
    method = [row.instrument, row.position, row.mode]
    resource: Resource = {
        "resourceType": "Observation",
        "id": str(row.id),
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}],
        "code": {
            "coding": [
                {
                    "system": ctx.system(codes.HIP_ROM),
                    "code": row.type,
                    "display": codes.ROM_DISPLAY[row.type],
                }
            ],
            "text": codes.ROM_DISPLAY[row.type],
        },
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "effectiveDateTime": ctx.instant(row.measured_at),
        "valueQuantity": {"value": row.degrees, "unit": "deg", "system": codes.UCUM, "code": "deg"},
        "bodySite": {
            "extension": [
                {
                    "url": f"{ctx.code_system_base}/{codes.LATERALITY_EXTENSION}",
                    "valueCodeableConcept": {"coding": [side]},
                }
            ],
            "coding": [codes.HIP_JOINT],
            "text": f"{side['display']} hip joint",
        },
    }
    if row.source == "patient_reported":
        resource["performer"] = [{"reference": f"Patient/{row.patient_id}"}]
    elif performer := ctx.actor(row.recorded_by_id, row.patient_id):
        resource["performer"] = [performer]
    if any(method):
        described = ", ".join(part for part in method if part)
        resource["method"] = {"text": f"{described} ({row.source.replace('_', '-')})"}
        if row.instrument:
            resource["method"]["coding"] = [{"system": ctx.system(codes.ROM_METHOD), "code": row.instrument}]
    else:
        resource["method"] = {"text": row.source.replace("_", "-")}
    return resource


def _survey(ctx: Context, row: Outcome) -> Resource:
    resource: Resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "effectiveDateTime": ctx.instant(row.completed_at),
    }
    if performer := ctx.actor(row.recorded_by_id, row.patient_id):
        resource["performer"] = [performer]
    if row.interpretation:
        resource["interpretation"] = [{"text": row.interpretation}]
    return resource


def nprs_observation(ctx: Context, row: Outcome) -> Resource:
    return _survey(ctx, row) | {
        "id": str(row.id),
        "code": {"coding": [codes.NPRS], "text": "Numeric Pain Rating Scale"},
        "valueInteger": int(row.answers[0]),
    }


def questionnaire_response(ctx: Context, row: Outcome) -> Resource:
    if row.instrument == "odi":
        questionnaire = codes.ODI_QUESTIONNAIRE
        items = [
            {"linkId": str(n), **({"answer": [{"valueInteger": answer}]} if answer is not None else {})}
            for n, answer in enumerate(row.answers, start=1)
        ]
    else:
        questionnaire = f"{ctx.code_system_base}/{codes.PSFS_QUESTIONNAIRE}"
        items = [
            {"linkId": str(n), "text": item["activity"], "answer": [{"valueInteger": item["score"]}]}
            for n, item in enumerate(row.answers, start=1)
        ]
    resource: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.id),
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "authored": ctx.instant(row.completed_at),
        "item": items,
    }
    if author := ctx.actor(row.recorded_by_id, row.patient_id):
        resource["author"] = author
    return resource


def score_observation(ctx: Context, row: Outcome) -> Resource:
    if row.instrument == "odi":
        code = {"coding": [codes.ODI_SCORE], "text": "Oswestry Disability Index"}
        value = {"value": row.score, "unit": "%", "system": codes.UCUM, "code": "%"}
    else:
        coding = {"system": ctx.system(codes.OUTCOME), "code": "psfs-score", "display": "PSFS mean score"}
        code = {"coding": [coding], "text": "Patient-Specific Functional Scale"}
        value = {"value": row.score, "unit": "score", "system": codes.UCUM, "code": "{score}"}
    return _survey(ctx, row) | {
        "id": derived_id(row.id, "score"),
        "code": code,
        "valueQuantity": value,
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{row.id}"}],
    }


def outcome_resources(ctx: Context, row: Outcome) -> list[Resource]:
    if row.instrument == "nprs":
        return [nprs_observation(ctx, row)]
    return [questionnaire_response(ctx, row), score_observation(ctx, row)]


def encounter(ctx: Context, row: Visit) -> Resource:
    period = {"start": ctx.instant(row.started_at or row.starts_at)}
    period["end"] = ctx.instant(row.completed_at or row.ends_at)
    kind = {
        "system": ctx.system(codes.VISIT_KIND),
        "code": row.kind,
        "display": codes.VISIT_KIND_DISPLAY.get(row.kind, row.kind),
    }
    return {
        "resourceType": "Encounter",
        "id": str(row.id),
        "status": VISIT_STATUS.get(row.status, "unknown"),
        "class": codes.VIRTUAL,
        "type": [{"coding": [kind]}],
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "participant": [{"individual": {"reference": f"Practitioner/{row.therapist_id}"}}],
        "period": period,
    }
