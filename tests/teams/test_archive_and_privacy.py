"""After the edition is over, teams are an archive: every change answers 409 (reading still works). A
person's data export lists their teams."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import TeamMember
from tests import factories
from tests.challenges.helpers import YEAR, fetch_one, iso, text_of, visible_text
from tests.conftest import ClientFactory
from tests.events.helpers import set_clock, utc
from tests.registrations.support import messages
from tests.security.support import assert_problem
from tests.teams.support import cast, create, join, teams_of

OVER = f"DigiEduHack {YEAR} is over: its challenges are an archive and can't be changed."


async def test_after_the_edition_every_team_change_answers_409(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    set_clock(app, utc(YEAR, 11, 11, 12))
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)  # sessions of that time
    base = f"/api/v1/challenges/robots/teams/{rocket['id']}"

    for response in [
        await bob.post("/api/v1/challenges/robots/teams", json={"name": "Late"}),
        await bob.post("/api/v1/teams/join", json={"code": rocket["code"]}),
        await alice.post(f"{base}/code"),
        await alice.post(f"{base}/invitations", json={"email": "dana@example.org"}),
        await alice.delete(f"{base}/members/me"),
    ]:
        assert_problem(response, 409, detail=OVER)
    for path, form in [
        ("/challenges/robots/teams", {"name": "Late"}),
        (f"/teams/join/{rocket['code']}", {}),
        (f"/challenges/robots/teams/{rocket['id']}/leave", {}),
    ]:
        client = alice if "leave" in path else bob
        page = await client.submit(path, form)
        assert page.status_code == 409 and OVER in visible_text(page.text), path
    # reading still works; the page offers no changes
    assert (await alice.get(base)).status_code == 200
    page = await alice.get(f"/challenges/robots/teams/{rocket['id']}")
    assert page.status_code == 200 and 'id="invite-email"' not in page.text
    link = await bob.get(f"/teams/join/{rocket['code']}")
    assert text_of(link.text, "join-reason") == OVER
    assert await teams_of(app, c.challenge.id) == [("Team Rocket", 1, 3, ["alice@example.org"])]
    assert await messages(app, "team_invitation") == []


async def test_the_data_export_lists_the_persons_teams(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await join(c.clients["bob"], rocket["code"])

    response = await c.clients["bob"].get("/api/v1/me/export")

    assert response.status_code == 200, response.text
    joined = await fetch_one(
        app, select(TeamMember.joined_at).where(TeamMember.account_id == c.people["bob"].id)
    )
    assert response.json()["teams"] == [
        {
            "challenge_slug": "robots",
            "challenge_title": "Robots in class",
            "team_name": "Team Rocket",
            "joined_at": iso(joined),
        }
    ]
    assert (await c.clients["carla"].get("/api/v1/me/export")).json()["teams"] == []
