"""Promise 4: guessing is throttled per account and per address, without telling which accounts exist.

Five failed sign-ins on one account are in tests/api/test_auth.py; Redis storage shared by two
clients in tests/integration/test_security_limits.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from telehealth import create_app
from telehealth.extensions import db
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
RESET = "/api/v1/auth/password-reset"


def _post(app, path: str, body: dict, address: str = "198.51.100.7", **headers: str):
    client = app.test_client()
    return client.post(path, json=body, environ_base={"REMOTE_ADDR": address}, headers=headers)


def _wrong(email: str) -> dict:
    return {"email": email, "password": "not-the-password"}


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.content_type == "application/problem+json"


def test_failed_token_requests_lock_the_account_for_sign_in_too_even_with_the_right_password(app, clinic):
    email = clinic.patient.user.email
    assert [_post(app, TOKENS, _wrong(email)).status_code for _ in range(5)] == [401] * 5
    _assert_throttled(_post(app, TOKENS, {"email": email, "password": PASSWORD}))
    _assert_throttled(_post(app, LOGIN, {"email": email, "password": PASSWORD}, address="192.0.2.99"))


def test_successful_sign_ins_do_not_count_towards_the_limit(app, clinic):
    body = {"email": clinic.therapist.user.email, "password": PASSWORD}
    assert {_post(app, LOGIN, body).status_code for _ in range(8)} == {200}


def test_failed_sign_ins_from_one_address_are_throttled_across_accounts(app, clinic):
    statuses = [_post(app, LOGIN, _wrong(f"guess{n}@clinic-test.org")).status_code for n in range(30)]
    assert statuses == [401] * 30
    _assert_throttled(_post(app, LOGIN, _wrong("guess-more@clinic-test.org")))
    _assert_throttled(_post(app, TOKENS, _wrong("guess-more@clinic-test.org")))
    assert _post(app, LOGIN, _wrong("guess-more@clinic-test.org"), address="192.0.2.10").status_code == 401


def test_a_forged_forwarded_address_does_not_escape_the_address_limit(app, clinic):
    for n in range(30):
        _post(app, LOGIN, _wrong(f"guess{n}@clinic-test.org"), **{"X-Forwarded-For": f"10.0.0.{n}"})
    forged = {"X-Forwarded-For": "10.9.9.9"}
    _assert_throttled(_post(app, LOGIN, _wrong("another@clinic-test.org"), **forged))


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit():
    app = create_app("test", {"TRUSTED_PROXY_COUNT": 1})
    with app.app_context():
        db.create_all()
        for n in range(30):
            _post(app, LOGIN, _wrong(f"guess{n}@clinic-test.org"), **{"X-Forwarded-For": "10.0.0.1"})
        _assert_throttled(_post(app, LOGIN, _wrong("x@clinic-test.org"), **{"X-Forwarded-For": "10.0.0.1"}))
        assert (
            _post(app, LOGIN, _wrong("x@clinic-test.org"), **{"X-Forwarded-For": "10.0.0.2"}).status_code
            == 401
        )


def test_password_reset_requests_are_throttled_per_account(app, clinic):
    body = {"email": clinic.patient.user.email}
    assert [_post(app, RESET, body, address=f"192.0.2.{n}").status_code for n in range(5)] == [202] * 5
    _assert_throttled(_post(app, RESET, body, address="192.0.2.200"))


def test_password_reset_requests_are_throttled_per_address(app, clinic):
    statuses = [_post(app, RESET, {"email": f"someone{n}@clinic-test.org"}).status_code for n in range(20)]
    assert statuses == [202] * 20
    _assert_throttled(_post(app, RESET, {"email": "someone-else@clinic-test.org"}))


def test_guessing_the_current_password_is_throttled(api, clinic):
    body = {"current_password": "not-the-password", "new_password": "a-brand-new-secret"}
    statuses = [
        api.post("/api/v1/me/password", clinic.therapist.user, json=body).status_code for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]


@pytest.mark.parametrize("path", [LOGIN, TOKENS, RESET])
def test_answers_do_not_tell_whether_an_account_exists(app, clinic, path):
    def answers(email: str, address: str) -> list[tuple[int, bytes, str | None]]:
        body = {"email": email} if path == RESET else _wrong(email)
        out = []
        for _ in range(7):
            response = _post(app, path, body, address=address)
            out.append((response.status_code, response.data, response.headers.get("Retry-After")))
        return out

    assert answers(clinic.patient.user.email, "192.0.2.1") == answers("nobody@clinic-test.org", "192.0.2.2")


def test_the_account_limit_lifts_after_its_window(app, clinic, clock):
    email = clinic.patient.user.email
    for _ in range(5):
        _post(app, LOGIN, _wrong(email))
    _assert_throttled(_post(app, LOGIN, _wrong(email)))
    clock.shift(timedelta(minutes=15, seconds=1))
    assert _post(app, LOGIN, {"email": email, "password": PASSWORD}).status_code == 200
