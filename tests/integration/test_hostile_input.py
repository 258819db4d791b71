"""The hostile-input walk of tests/security on PostgreSQL, which refuses NUL in text outright.

Before the edge refused them, a NUL in any JSON string or query parameter reached PostgreSQL
and came back as a 500, signed in or not.
"""

from __future__ import annotations

from typing import Any

import time_machine

from tests.factories import Api, build_clinic
from tests.security.hostile import Walk
from tests.security.world import NOW, World


def test_hostile_bodies_and_query_strings_are_refused_on_every_route_on_postgresql(pg_app: Any):
    with time_machine.travel(NOW, tick=False):
        world = World(pg_app, Api(pg_app), build_clinic()).build()
        walk = Walk(world).run()
    print(f"\nhostile input on PostgreSQL: {walk.combinations} route x case combinations")
    assert walk.combinations > 800
    assert walk.problems == []


def test_a_nul_in_a_sign_in_email_or_a_search_is_422_on_postgresql(pg_app: Any):
    with time_machine.travel(NOW, tick=False):
        clinic = build_clinic()
        api = Api(pg_app)
        anonymous = [
            api.post("/api/v1/auth/tokens", json={"email": "a\x00b@clinic-test.org", "password": "x" * 12}),
            api.post("/api/v1/auth/password-reset", json={"email": "a\x00b@clinic-test.org"}),
        ]
        searches = [
            api.get("/api/v1/patients?q=a%00b", clinic.therapist.user),
            api.get("/api/v1/exercises?q=a%00b", clinic.therapist.user),
        ]
    assert [(r.status_code, set(r.json["errors"])) for r in anonymous] == [(422, {"email"})] * 2
    assert [(r.status_code, set(r.json["errors"])) for r in searches] == [(422, {"q"})] * 2
