from __future__ import annotations

from tests import factories
from tests.conftest import ClientFactory


async def test_participant_joins_challenge_through_api(world: factories.World, db, client_factory: ClientFactory) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    alice = await client_factory(world.alice)
    r = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed"
    bob = await client_factory(world.bob)
    r = await bob.post(f"/api/v1/challenges/{c.slug}/registration")
    assert r.json()["status"] == "waitlisted"
    assert r.json()["waitlist_position"] == 1
