"""Local HTTP servers that speak the protocols of providers we cannot reach from tests:
Twilio's Messages API and a Web Push service (RFC 8030 with VAPID, RFC 8292)."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)


class FakeProvider:
    """Start with `with FakeProvider(kind) as provider:`; set `provider.status` to change answers."""

    def __init__(self, kind: str, account_sid: str = "AC_test", auth_token: str = "fake-token") -> None:  # noqa: S107
        self.kind = kind
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.status = 201
        self.drop_connection = False
        self.requests: list[Recorded] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                record = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if provider.kind == "twilio":
                    record.form = parse_qs(body.decode())
                provider.requests.append(record)
                if provider.drop_connection:
                    # The request arrived, the answer never does: the client cannot know the outcome.
                    self.connection.close()
                    return
                if provider.kind == "twilio":
                    self._twilio()
                else:
                    self._push()

            def _twilio(self) -> None:
                expected = f"/2010-04-01/Accounts/{provider.account_sid}/Messages.json"
                credentials = base64.b64encode(
                    f"{provider.account_sid}:{provider.auth_token}".encode()
                ).decode()
                if self.headers.get("Authorization") != f"Basic {credentials}":
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                if self.path != expected:
                    return self._answer(404, {"code": 20404, "message": "Not found"})
                if provider.status in (200, 201):
                    return self._answer(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"})
                return self._answer(provider.status, {"code": 21211, "message": "refused"})

            def _push(self) -> None:
                # A push service needs a VAPID Authorization, an encoded payload and a TTL.
                if not self.headers.get("Authorization", "").startswith("vapid t="):
                    return self._answer(401, {})
                if self.headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in self.headers:
                    return self._answer(400, {})
                self._answer(provider.status, {})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def push_client_keys() -> tuple[str, str]:
    """A browser's subscription keys: an uncompressed P-256 point and a 16-byte auth secret."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return b64(point), b64(os.urandom(16))


def vapid_private_key() -> str:
    """A server VAPID key as pywebpush reads it (base64url of the raw private number)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    number = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(number).rstrip(b"=").decode()
