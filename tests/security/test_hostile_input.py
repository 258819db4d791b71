"""API.md: bad input is a clear 4xx and never a 5xx, refused once at the edge for every route."""

from __future__ import annotations

from tests.security.hostile import Walk
from tests.security.world import World


def test_hostile_bodies_and_query_strings_are_refused_on_every_route_and_nothing_is_stored(world: World):
    walk = Walk(world).run()
    print(f"\nhostile input: {walk.combinations} route x case combinations on {len(walk.routes)} routes")
    assert len(walk.routes) > 50
    assert walk.combinations > 800
    assert walk.problems == []
