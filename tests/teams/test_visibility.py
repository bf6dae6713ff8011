"""Who sees a team: its members (with the code), the challenge's host members and the organizers (with
e-mail addresses); anyone else gets 404, as for a team that does not exist. All teams of a challenge are
listed for its host and the organizers."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.challenges.helpers import text_of, visible_text
from tests.conftest import Client, ClientFactory
from tests.security.support import assert_problem
from tests.teams.support import cast, create, join

VIEWERS = ["member", "other participant", "host member", "other host's member", "organizer", "anonymous"]


async def viewer(name: str, world: factories.World, clients: dict[str, Client], cf: ClientFactory) -> Client:
    return {
        "member": clients.get("bob"),
        "other participant": clients.get("carla"),
        "host member": await cf(world.member_a) if name == "host member" else None,
        "other host's member": await cf(world.member_b) if name == "other host's member" else None,
        "organizer": await cf(world.organizer) if name == "organizer" else None,
        "anonymous": await cf() if name == "anonymous" else None,
    }[name] or clients["alice"]


@pytest.mark.parametrize("who", VIEWERS)
async def test_the_team_page_and_api_show_a_team_to_its_members_its_host_and_organizers_only(
    who: str, app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await join(c.clients["bob"], rocket["code"])
    await create(c.clients["carla"], "robots", "Data Owls")
    client = await viewer(who, world, c.clients, client_factory)
    api, page_path = (
        f"/api/v1/challenges/robots/teams/{rocket['id']}",
        f"/challenges/robots/teams/{rocket['id']}",
    )

    response = await client.get(api)
    page = await client.get(page_path)

    if who == "anonymous":
        assert_problem(response, 401)
        assert (page.status_code, page.headers["location"]) == (302, f"/login?next={page_path}")
        return
    if who in ("other participant", "other host's member"):
        hidden = "'Robots in class' has no team {} that you can see.".format(rocket["id"])
        assert_problem(response, 404, detail=hidden)
        assert page.status_code == 404 and hidden in visible_text(page.text)
        # exactly as for a team that does not exist
        assert_problem(await client.get("/api/v1/challenges/robots/teams/999999"), 404)
        return
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and page.status_code == 200
    member = who == "member"
    emails = [None, None] if member else ["alice@example.org", "bob@example.org"]
    assert [(m["name"], m["email"]) for m in body["members"]] == list(
        zip(["Alice Participant", "Bob Participant"], emails, strict=True)
    )
    assert (body["code"] is not None, body["invitation_url"] is not None) == (member, member)
    assert text_of(page.text, "team-size") == "2 members · 1 place left"
    assert ("alice@example.org" in page.text) == (not member)
    assert (rocket["code"] in page.text) == member
    assert ('id="invite-email"' in page.text) == member


async def test_the_challenges_teams_are_listed_for_its_host_and_the_organizers(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await join(c.clients["bob"], rocket["code"])
    await create(c.clients["carla"], "robots", "data owls")

    for account in (world.member_a, world.organizer):
        client = await client_factory(account)
        response = await client.get("/api/v1/challenges/robots/teams")
        assert response.status_code == 200, response.text
        assert [(t["name"], t["member_count"], t["members_needed"], t["code"]) for t in response.json()] == [
            ("data owls", 1, 1, None),
            ("Team Rocket", 2, 0, None),
        ]
        page = await client.get("/challenges/robots/teams")
        assert page.status_code == 200
        assert text_of(page.text, f"team-{rocket['id']}") == (
            "Team Rocket 2 members · 1 place left "
            "Alice Participant (alice@example.org), Bob Participant (bob@example.org)"
        )
    refused = "Only organizers and members of this challenge's host can see all its teams."
    for client in (c.clients["alice"], await client_factory(world.member_b)):
        assert_problem(await client.get("/api/v1/challenges/robots/teams"), 403, detail=refused)
        page = await client.get("/challenges/robots/teams")
        assert page.status_code == 403 and refused in visible_text(page.text)
    assert_problem(await (await client_factory()).get("/api/v1/challenges/robots/teams"), 401)


async def test_a_team_of_another_challenge_is_not_found_under_this_one(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await factories.challenge(db, world.event, world.host_a, slug="maps", title="Maps")
    assert_problem(
        await c.clients["alice"].get(f"/api/v1/challenges/maps/teams/{rocket['id']}"),
        404,
        detail=f"'Maps' has no team {rocket['id']} that you can see.",
    )
    assert_problem(await c.clients["alice"].get(f"/api/v1/challenges/nope/teams/{rocket['id']}"), 404)
