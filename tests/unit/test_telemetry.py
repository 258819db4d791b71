"""The optional Sentry and OpenTelemetry hooks, each sending to a local stand-in of its service.

A stand-in is a plain HTTP server on loopback that keeps what it receives: Sentry's envelopes
(a DSN pointing at 127.0.0.1) and OTLP/HTTP trace exports (POST /v1/traces, protobuf).
What arrives must hold the route template and none of the patient data the request carried.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from telehealth import create_app
from telehealth.extensions import db
from tests.factories import Api, build_clinic

EMAIL = "zelda.quixote@patients-test.org"
PHONE = "+1 555 014 2323"
SECRET_NOTE = "left hip aches after the stairs"


class StandIn:
    """Records every POST: (path, headers, body with any gzip undone)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with recorder.arrived:
                    recorder.received.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    recorder.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, path_part: str, timeout: float = 10.0) -> list[tuple[str, dict[str, str], bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: any(path_part in p for p, _, _ in self.received), timeout=timeout)
        return [item for item in self.received if path_part in item[0]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


def _app(**overrides: object):
    # Errors answer 500 as in production, instead of rising into the test.
    app = create_app("test", {"PROPAGATE_EXCEPTIONS": False, **overrides})

    @app.get("/boom/<uuid:patient_id>")
    def boom(patient_id: uuid.UUID) -> None:
        # An error whose message quotes patient data, as a failed query's parameters would.
        raise RuntimeError(f"could not save {EMAIL} {PHONE} for {patient_id}: {SECRET_NOTE}")

    return app


def test_sentry_receives_the_error_with_the_route_template_and_no_patient_data(stand_in):
    import sentry_sdk

    app = _app(SENTRY_DSN=f"http://publickey@127.0.0.1:{stand_in.port}/42")
    patient_id = uuid.uuid4()
    try:
        with app.app_context():
            db.create_all()
            response = app.test_client().get(
                f"/boom/{patient_id}?email={EMAIL}",
                headers={
                    "Authorization": "Bearer secret-bearer-token",
                    "Cookie": "telehealth_session=abc123",
                },
            )
            assert response.status_code == 500
            sentry_sdk.flush(timeout=10)
        envelopes = stand_in.wait_for("/api/42/envelope/")
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: the hook is off again for the rest of the suite

    text = "\n".join(body.decode() for _, _, body in envelopes)
    [event] = [json.loads(line) for line in text.splitlines() if '"exception"' in line]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["stacktrace"]["frames"][-1]["function"] == "boom"  # the stack is what helps
    assert event["request"] == {"method": "GET", "url": "/boom/<uuid:patient_id>"}
    for private in (EMAIL, PHONE, SECRET_NOTE, str(patient_id), "secret-bearer-token", "abc123"):
        assert private not in text, private


def test_sentry_and_tracing_are_off_unless_configured():
    import sentry_sdk

    app = _app()
    assert sentry_sdk.get_client().transport is None  # nothing is sent anywhere
    assert "tracer_provider" not in app.extensions


def test_traces_reach_an_otlp_collector_named_by_route_template_without_patient_data(stand_in):
    app = _app(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{stand_in.port}")
    with app.app_context():
        db.create_all()
        clinic = build_clinic()
        api = Api(app)
        patient = clinic.patient
        private_values = (
            EMAIL,
            PHONE,
            SECRET_NOTE,
            str(patient.id),
            patient.user.last_name,
            patient.user.email,
        )
        assert api.get(f"/api/v1/patients/{patient.id}", clinic.therapist.user).status_code == 200
        assert api.get(f"/api/v1/patients?q={EMAIL}", clinic.therapist.user).status_code == 200
        assert app.test_client().get(f"/boom/{patient.id}").status_code == 500
        app.extensions["tracer_provider"].force_flush()
        db.session.remove()
        db.drop_all()
    deadline = time.monotonic() + 10
    spans = []
    while time.monotonic() < deadline and len(spans) < 5:
        spans = []
        for path, headers, body in stand_in.wait_for("/v1/traces"):
            assert path == "/v1/traces" and headers["content-type"] == "application/x-protobuf"
            export = ExportTraceServiceRequest.FromString(body)
            for resource in export.resource_spans:
                for scope in resource.scope_spans:
                    spans.extend(scope.spans)
        time.sleep(0.1)
    app.extensions["tracer_provider"].shutdown()

    def attributes(span) -> dict:
        return {a.key: a.value.string_value or a.value.int_value for a in span.attributes}

    by_name = {span.name: attributes(span) for span in spans}
    assert by_name["GET /api/v1/patients/<uuid:patient_id>"] == {
        "http.request.method": "GET",
        "http.route": "/api/v1/patients/<uuid:patient_id>",
        "url.scheme": "http",
        "http.response.status_code": 200,
    }
    assert by_name["GET /api/v1/patients"]["http.route"] == "/api/v1/patients"
    failed = next(s for s in spans if s.name == "GET /boom/<uuid:patient_id>")
    assert failed.status.code == failed.status.STATUS_CODE_ERROR
    raw = b"".join(body for _, _, body in stand_in.received)
    for private in private_values:
        assert private.encode() not in raw, private
