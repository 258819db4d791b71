"""Promise 4: guessing is throttled per account and per address, without telling which accounts exist.

Five failed sign-ins on one account are in tests/api/test_auth.py; Redis storage shared by two
clients in tests/integration/test_security_limits.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from telehealth import create_app, jobs
from telehealth.accounts import service as accounts
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob
from tests.factories import PASSWORD, Api, login_cookie, make_patient, make_therapist
from tests.support.jobs import run_queued_jobs
from tests.support.queries import counting_queries

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
RESET = "/api/v1/auth/password-reset"
ACCEPT = "/api/v1/auth/invitations/accept"
CONFIRM = "/api/v1/auth/password-reset/confirm"
CHANGE = "/api/v1/me/password"
FRONT_DESK = "203.0.113.40"


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


def test_a_reset_request_does_the_same_work_whether_or_not_the_account_exists(app, clinic):
    """Its timing cannot tell either: the same SQL and the same queued job; only the worker looks."""

    def resets() -> set[OutboxJob]:
        return set(
            db.session.scalars(select(OutboxJob).where(OutboxJob.task_name == jobs.SEND_PASSWORD_RESET))
        )

    def work(email: str, address: str) -> tuple[list[str], list[OutboxJob]]:
        before = resets()
        with counting_queries() as statements:
            assert _post(app, RESET, {"email": email}, address=address).status_code == 202
        return statements, list(resets() - before)

    existing = clinic.patient.user.email
    known_sql, known_jobs = work(existing.upper(), "192.0.2.1")
    unknown_sql, unknown_jobs = work("nobody@clinic-test.org", "192.0.2.2")
    assert known_sql == unknown_sql
    assert any("outbox_jobs" in statement for statement in known_sql)
    assert not any("users" in statement for statement in known_sql)  # the request never looks
    [known_job], [unknown_job] = known_jobs, unknown_jobs
    assert (known_job.args, unknown_job.args) == ([existing], ["nobody@clinic-test.org"])
    assert known_job.dispatched_at is not None and unknown_job.dispatched_at is not None

    run_queued_jobs(jobs.SEND_PASSWORD_RESET)
    [mail] = app.extensions["mailman"].outbox
    assert mail.to == [existing] and "token=" in mail.body


def test_the_account_limit_lifts_after_its_window(app, clinic, clock):
    email = clinic.patient.user.email
    for _ in range(5):
        _post(app, LOGIN, _wrong(email))
    _assert_throttled(_post(app, LOGIN, _wrong(email)))
    clock.shift(timedelta(minutes=15, seconds=1))
    assert _post(app, LOGIN, {"email": email, "password": PASSWORD}).status_code == 200


def _invited(clinic) -> str:
    """A new patient who has not accepted yet, and the raw token of their emailed link."""
    patient = make_patient(clinic.therapist)
    patient.user.password_hash = None
    issued = accounts.issue_invitation(patient.user.id)
    assert issued is not None
    db.session.commit()
    return issued[1]


def test_a_front_desk_onboards_any_number_of_patients_from_one_address(app, clinic):
    tokens = [_invited(clinic) for _ in range(30)]
    statuses = [
        _post(app, ACCEPT, {"token": token, "password": "a-new-password"}, address=FRONT_DESK).status_code
        for token in tokens
    ]
    assert statuses == [200] * 30


def test_patients_resetting_passwords_from_one_address_are_never_throttled(app, clinic):
    patients = [make_patient(clinic.therapist) for _ in range(25)]
    tokens = []
    for patient in patients:
        issued = accounts.issue_password_reset(patient.user.email)
        assert issued is not None
        tokens.append(issued[1])
    db.session.commit()
    statuses = [
        _post(app, CONFIRM, {"token": token, "password": "a-new-password"}, address=FRONT_DESK).status_code
        for token in tokens
    ]
    assert statuses == [204] * 25


@pytest.mark.parametrize("path", [ACCEPT, CONFIRM])
def test_guessing_link_tokens_is_throttled_per_address_across_both_links(app, clinic, path):
    guess = {"token": "guessed-token-value", "password": "a-new-password"}
    assert [_post(app, ACCEPT, guess).status_code for _ in range(10)] == [422] * 10
    assert [_post(app, CONFIRM, guess).status_code for _ in range(10)] == [422] * 10
    _assert_throttled(_post(app, path, guess))
    # Even a real token waits out the window at that address; elsewhere it works.
    token = _invited(clinic)
    _assert_throttled(_post(app, ACCEPT, {"token": token, "password": "a-new-password"}))
    assert (
        _post(app, ACCEPT, {"token": token, "password": "a-new-password"}, address=FRONT_DESK).status_code
        == 200
    )


def test_a_too_short_password_with_a_real_token_is_not_a_guess(app, clinic):
    token = _invited(clinic)
    weak = [_post(app, ACCEPT, {"token": token, "password": "short"}).status_code for _ in range(25)]
    assert weak == [422] * 25
    assert _post(app, ACCEPT, {"token": token, "password": "a-new-password"}).status_code == 200


def test_every_limit_is_a_setting():
    app = create_app(
        "test",
        {
            "TOKEN_FAILURE_LIMIT_PER_ADDRESS": "2 per hour",
            "PASSWORD_RESET_LIMIT_PER_ADDRESS": "3 per hour",
            "PASSWORD_CHANGE_FAILURE_LIMIT": "1 per hour",
        },
    )
    with app.app_context():
        db.create_all()
        guess = {"token": "guessed-token-value", "password": "a-new-password"}
        assert [_post(app, ACCEPT, guess).status_code for _ in range(2)] == [422] * 2
        _assert_throttled(_post(app, ACCEPT, guess))
        resets = [_post(app, RESET, {"email": f"someone{n}@clinic-test.org"}).status_code for n in range(3)]
        assert resets == [202] * 3
        _assert_throttled(_post(app, RESET, {"email": "one-more@clinic-test.org"}))
        patient = make_patient(make_therapist())
        api = Api(app)
        wrong = {"current_password": "not-the-password", "new_password": "a-brand-new-secret"}
        assert api.post(CHANGE, patient.user, json=wrong).status_code == 422
        _assert_throttled(api.post(CHANGE, patient.user, json=wrong))


def test_anonymous_calls_from_the_same_address_never_block_a_password_change(app, clinic):
    body = {"current_password": PASSWORD, "new_password": "a-brand-new-secret"}
    anonymous = [_post(app, CHANGE, body).status_code for _ in range(10)]
    assert anonymous == [401] * 10
    client = app.test_client()
    csrf = login_cookie(client, clinic.patient.user)
    changed = client.post(
        CHANGE, json=body, headers={"X-CSRF-Token": csrf}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert changed.status_code == 204
    assert "Retry-After" not in changed.headers


def test_one_users_wrong_passwords_do_not_use_up_anothers(api, clinic):
    wrong = {"current_password": "not-the-password", "new_password": "a-brand-new-secret"}
    for _ in range(5):
        api.post(CHANGE, clinic.therapist.user, json=wrong)
    _assert_throttled(api.post(CHANGE, clinic.therapist.user, json=wrong))
    right = {"current_password": PASSWORD, "new_password": "a-brand-new-secret"}
    assert api.post(CHANGE, clinic.other_therapist.user, json=right).status_code == 204


def test_csrf_is_checked_before_the_password_change_limit(app, clinic):
    client = app.test_client()
    csrf = login_cookie(client, clinic.patient.user)
    wrong = {"current_password": "not-the-password", "new_password": "a-brand-new-secret"}
    for _ in range(5):
        assert client.post(CHANGE, json=wrong, headers={"X-CSRF-Token": csrf}).status_code == 422
    assert client.post(CHANGE, json=wrong).status_code == 403  # a forged cross-site post: refused first
    _assert_throttled(client.post(CHANGE, json=wrong, headers={"X-CSRF-Token": csrf}))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (LOGIN, {"email": "x", "password": PASSWORD}),
        (TOKENS, {"email": "x", "password": PASSWORD}),
        (RESET, {"email": "x"}),
    ],
)
def test_success_answers_carry_no_retry_after(app, clinic, path, body):
    response = _post(app, path, {**body, "email": clinic.patient.user.email})
    assert response.status_code in (200, 201, 202)
    assert "Retry-After" not in response.headers


@pytest.fixture
def unreachable_redis():
    app = create_app("test", {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    with app.app_context():
        db.create_all()
        yield app
    # The limiter is one object shared by every app: leave it on in-memory storage for later tests.
    create_app("test")


def test_password_change_guesses_are_still_counted_while_redis_is_unreachable(unreachable_redis):
    patient = make_patient(make_therapist())
    wrong = {"current_password": "not-the-password", "new_password": "a-brand-new-secret"}
    api = Api(unreachable_redis)
    assert [api.post(CHANGE, patient.user, json=wrong).status_code for _ in range(5)] == [422] * 5
    _assert_throttled(api.post(CHANGE, patient.user, json=wrong))
