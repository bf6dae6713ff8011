"""The team size limit holds when many participants join at once: the team row is locked while it is
counted and changed (and the database checks member_count <= max_members besides)."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import ClientFactory
from tests.teams.support import cast, create, teams_of


@pytest.mark.parametrize("trial", range(3))
async def test_ten_joiners_racing_for_three_places_leave_exactly_three_in(
    trial: int, app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory, max_size=4, names=())
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    joiners = [
        await factories.account(db, f"joiner{trial}-{n}@example.org", f"Joiner {n}") for n in range(10)
    ]
    for a in joiners:
        await factories.registration(db, c.challenge, a)
    clients = [await client_factory(a) for a in joiners]
    for client in clients:
        await client.ensure_csrf()

    responses = await asyncio.gather(
        *(client.post("/api/v1/teams/join", json={"code": rocket["code"]}) for client in clients)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 3 + [409] * 7, [r.text for r in responses]
    full = {r.json()["detail"] for r in responses if r.status_code == 409}
    assert full == {"Team Team Rocket is full (4 of 4)."}
    joined = sorted(a.email for a, r in zip(joiners, responses, strict=True) if r.status_code == 200)
    [(name, member_count, max_members, emails)] = await teams_of(app, c.challenge.id)
    assert (name, member_count, max_members) == ("Team Rocket", 4, 4)
    assert emails[0] == "alice@example.org" and sorted(emails[1:]) == joined


async def test_one_person_joining_two_teams_at_once_ends_up_in_one(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory, names=("carla",))
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    owls = await create(c.clients["bob"], "robots", "Data Owls")
    carla = c.clients["carla"]
    await carla.ensure_csrf()

    responses = await asyncio.gather(
        *(carla.post("/api/v1/teams/join", json={"code": t["code"]}) for t in (rocket, owls))
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    [refused] = [r.json()["detail"] for r in responses if r.status_code == 409]
    assert refused.startswith("You are already in team ")
    teams = await teams_of(app, c.challenge.id)
    assert sorted(len(t[3]) for t in teams) == [1, 2]
    assert sum("carla@example.org" in t[3] for t in teams) == 1
