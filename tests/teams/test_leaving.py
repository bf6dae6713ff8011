"""Leaving a team, by choice or because the registration ended in any of its ways: member_count stays
right, and the last member leaving deletes the team."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Registration, Team
from digieduhack.registrations.services import withdraw_url
from tests import factories
from tests.challenges.helpers import count, fetch_one, text_of, visible_text
from tests.conftest import ClientFactory
from tests.security.support import assert_problem
from tests.teams.support import Cast, cast, create, join, teams_of


async def rocket_of(c: Cast, *names: str) -> dict[str, object]:
    """Team Rocket of alice, joined by `names` in order."""
    team = await create(c.clients["alice"], c.challenge.slug, "Team Rocket")
    for name in names:
        await join(c.clients[name], str(team["code"]))
    return team


async def test_a_member_leaves_through_the_api_and_the_team_stays_with_the_others(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await rocket_of(c, "bob", "carla")

    response = await c.clients["alice"].delete(f"/api/v1/challenges/robots/teams/{rocket['id']}/members/me")

    assert response.status_code == 204, response.text
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 3, ["bob@example.org", "carla@example.org"])
    ]
    # no longer a member: the team is out of sight, leaving again is refused
    assert_problem(await c.clients["alice"].get(f"/api/v1/challenges/robots/teams/{rocket['id']}"), 404)
    assert_problem(
        await c.clients["alice"].delete(f"/api/v1/challenges/robots/teams/{rocket['id']}/members/me"), 404
    )
    # and free to join another team, or this one again
    await join(c.clients["alice"], str(rocket["code"]))


async def test_the_last_member_leaving_on_the_page_deletes_the_team(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await rocket_of(c, "bob")
    team_path = f"/challenges/robots/teams/{rocket['id']}"

    first = await c.clients["bob"].submit(f"{team_path}/leave")
    assert (first.status_code, first.headers["location"]) == (302, "/challenges/robots")
    page = await c.clients["bob"].get("/challenges/robots")
    assert "You left the team." in visible_text(page.text)
    assert text_of(page.text, "my-team") == "Create a team / join with a code"
    alone = await c.clients["alice"].get(team_path)
    assert "You are its last member: the team is deleted when you leave." in visible_text(alone.text)

    last = await c.clients["alice"].submit(f"{team_path}/leave")

    assert (last.status_code, last.headers["location"]) == (302, "/challenges/robots")
    page = await c.clients["alice"].get("/challenges/robots")
    assert "You left the team; as its last member, the team is deleted." in visible_text(page.text)
    assert await count(app, Team) == 0
    assert (await c.clients["alice"].get(team_path)).status_code == 404
    assert (await c.clients["bob"].get(f"/teams/join/{rocket['code']}")).status_code == 404


@pytest.mark.parametrize(
    "kind",
    ["cancel-api", "cancel-page", "move", "host-removes", "withdraw-link", "delete-account"],
)
async def test_when_a_registration_ends_its_participant_leaves_their_team(
    kind: str, app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await rocket_of(c, "bob", "carla")
    bob = c.clients["bob"]
    reg = await fetch_one(
        app,
        select(Registration).where(
            Registration.account_id == c.people["bob"].id, Registration.challenge_id == c.challenge.id
        ),
    )

    if kind == "cancel-api":
        response = await bob.delete("/api/v1/challenges/robots/registration")
    elif kind == "cancel-page":
        response = await bob.submit("/challenges/robots/cancel")
    elif kind == "move":
        await factories.challenge(db, world.event, world.host_b, slug="maps")
        response = await bob.post(
            "/api/v1/challenges/maps/registration/move", json={"from_challenge": "robots"}
        )
    elif kind == "host-removes":
        host = await client_factory(world.member_a)
        response = await host.delete(f"/api/v1/challenges/robots/registrations/{reg.id}")
    elif kind == "withdraw-link":
        anon = await client_factory()
        response = await anon.submit(urlsplit(withdraw_url(app.state.settings, reg)).path)
    else:
        response = await bob.request("DELETE", "/api/v1/me", json={"password": factories.PASSWORD})
    assert response.status_code < 400, response.text

    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 3, ["alice@example.org", "carla@example.org"])
    ]
    alice_view = await c.clients["alice"].get(f"/api/v1/challenges/robots/teams/{rocket['id']}")
    assert [m["name"] for m in alice_view.json()["members"]] == ["Alice Participant", "Carla Participant"]


async def test_the_last_member_cancelling_their_registration_deletes_the_team(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    await rocket_of(c)
    owls = await create(c.clients["bob"], "robots", "Data Owls")
    await join(c.clients["carla"], str(owls["code"]))

    response = await c.clients["alice"].delete("/api/v1/challenges/robots/registration")

    assert response.status_code == 204, response.text
    assert await teams_of(app, c.challenge.id) == [
        ("Data Owls", 2, 3, ["bob@example.org", "carla@example.org"])
    ]


async def test_cancelling_the_challenge_ends_every_team(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    await rocket_of(c, "bob")
    owls = await create(c.clients["carla"], "robots", "Data Owls")
    await join(c.clients["dan"], str(owls["code"]))
    host = await client_factory(world.member_a)

    response = await host.post(
        "/api/v1/challenges/robots/cancel", json={"message": "The venue flooded, sorry everyone."}
    )

    assert response.status_code == 200, response.text
    assert await teams_of(app, c.challenge.id) == []
    assert await count(app, Team) == 0
