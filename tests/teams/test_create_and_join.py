"""Creating a team and joining it with its code, through the API and the pages: only confirmed
participants, names unique within the challenge whatever their case, one team per participant and
challenge, and never more members than the challenge allows."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import RegistrationStatus, Team
from tests import factories
from tests.challenges.helpers import count, fetch_one, iso, text_of, visible_text
from tests.conftest import ClientFactory
from tests.security.support import assert_problem
from tests.teams.support import CODE, cast, create, field_error, join, teams_of

BASE = "http://127.0.0.1:8000"


async def test_confirmed_participant_creates_a_team_through_the_api_and_is_its_first_member(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)

    body = await create(c.clients["alice"], c.challenge.slug, "  Team   Rocket ")

    team = await fetch_one(app, select(Team).where(Team.challenge_id == c.challenge.id))
    assert CODE.match(body["code"])
    assert body == {
        "id": team.id,
        "challenge": "robots",
        "challenge_title": "Robots in class",
        "name": "Team Rocket",
        "member_count": 1,
        "min_members": 2,
        "max_members": 3,
        "places_left": 2,
        "members_needed": 1,
        "members": [
            {"name": "Alice Participant", "joined_at": body["members"][0]["joined_at"], "email": None}
        ],
        "created_at": iso(team.created_at),
        "code": team.code,
        "invitation_url": f"{BASE}/teams/join/{team.code}",
    }
    assert await teams_of(app, c.challenge.id) == [("Team Rocket", 1, 3, ["alice@example.org"])]


async def test_participant_creates_a_team_on_the_page_and_sees_its_invitation_link(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    alice = c.clients["alice"]
    challenge_page = await alice.get("/challenges/robots")
    assert text_of(challenge_page.text, "my-team") == "Create a team / join with a code"
    start = await alice.get("/challenges/robots/teams/new")
    assert start.status_code == 200
    assert "Teams of 2 to 3 people." in visible_text(start.text)

    response = await alice.submit("/challenges/robots/teams", {"name": "Data Owls"})

    team = await fetch_one(app, select(Team))
    team_id, code = team.id, team.code
    assert response.status_code == 302
    assert response.headers["location"] == f"/challenges/robots/teams/{team_id}"
    page = await alice.get(response.headers["location"])
    text = visible_text(page.text)
    assert "Your team is created. Invite others with its link or code." in text
    assert text_of(page.text, "team-size") == "1 member · 2 places left · needs 1 more member"
    assert f'value="{BASE}/teams/join/{code}"' in page.text
    assert text_of(page.text, "team-code") == code
    # the challenge page now links to the team; the start page sends there too
    assert text_of((await alice.get("/challenges/robots")).text, "my-team") == "Your team: Data Owls"
    again = await alice.get("/challenges/robots/teams/new")
    assert (again.status_code, again.headers["location"]) == (302, f"/challenges/robots/teams/{team_id}")
    assert await teams_of(app, c.challenge.id) == [("Data Owls", 1, 3, ["alice@example.org"])]


async def test_a_team_name_is_unique_within_the_challenge_whatever_its_case(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    await create(c.clients["alice"], "robots", "Team Rocket")
    clash = "There is already a team called Team Rocket in this challenge: choose another name."

    assert_problem(
        await c.clients["bob"].post("/api/v1/challenges/robots/teams", json={"name": "team ROCKET"}),
        409,
        detail=clash,
    )
    page = await c.clients["bob"].submit("/challenges/robots/teams", {"name": " team  rocket"})
    assert page.status_code == 409
    assert field_error(page.text, "name") == clash
    assert 'value=" team  rocket"' in page.text  # what they typed, to correct it
    # the same name in another challenge is fine
    other = await factories.challenge(db, world.event, world.host_b, slug="maps")
    erin = await factories.account(db, "erin@example.org", "Erin Elsewhere")
    await factories.registration(db, other, erin)
    await create(await client_factory(erin), "maps", "Team Rocket")
    assert [t[0] for t in await teams_of(app, c.challenge.id)] == ["Team Rocket"]


async def test_a_blank_or_too_long_name_is_refused_next_to_the_field(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    alice = c.clients["alice"]
    assert_problem(
        await alice.post("/api/v1/challenges/robots/teams", json={"name": "   "}),
        422,
        errors=[{"field": "name", "message": "Give the team a name."}],
    )
    assert_problem(
        await alice.post("/api/v1/challenges/robots/teams", json={"name": "x" * 101}),
        400,
        errors=[{"field": "name", "message": "Must be at most 100 characters long."}],
    )
    assert_problem(
        await alice.post("/api/v1/challenges/robots/teams", json={"name": "x" * 81}),
        422,
        errors=[{"field": "name", "message": "Must be at most 80 characters long."}],
    )
    page = await alice.submit("/challenges/robots/teams", {"name": ""})
    assert page.status_code == 422
    assert field_error(page.text, "name") == "Give the team a name."
    assert await count(app, Team) == 0


async def test_only_confirmed_participants_create_or_join_teams(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    team = await create(c.clients["alice"], "robots", "Team Rocket")
    wendy = await factories.account(db, "wendy@example.org", "Wendy Waiting")
    await factories.registration(db, c.challenge, wendy, RegistrationStatus.WAITLISTED)
    olaf = await factories.account(db, "olaf@example.org", "Olaf Outsider")
    wendy_c, olaf_c = await client_factory(wendy), await client_factory(olaf)
    waiting = "You are on the waitlist of 'Robots in class': you can be in a team once you have a place."
    outside = "Teams of 'Robots in class' are for its confirmed participants: join the challenge first."

    for client, status, detail in [(wendy_c, 409, waiting), (olaf_c, 403, outside)]:
        assert_problem(
            await client.post("/api/v1/challenges/robots/teams", json={"name": "Mine"}), status, detail=detail
        )
        assert_problem(
            await client.post("/api/v1/teams/join", json={"code": team["code"]}), status, detail=detail
        )
        start = await client.get("/challenges/robots/teams/new")
        assert text_of(start.text, "team-reason") == f"{detail} Go to the challenge page"
        assert 'id="create-team"' not in start.text
        # the invitation link explains, and sends whoever is not registered to the challenge first
        link = await client.get(f"/teams/join/{team['code']}")
        assert link.status_code == 200
        reason = text_of(link.text, "join-reason")
        assert reason is not None and reason.startswith(detail)
        assert ("Join Robots in class first, then come back to this link." in reason) == (status == 403)
        assert "Join the team</button>" not in link.text
        refused = await client.submit(f"/teams/join/{team['code']}")
        assert refused.status_code == status and detail in visible_text(refused.text)
    assert await teams_of(app, c.challenge.id) == [("Team Rocket", 1, 3, ["alice@example.org"])]


async def test_one_team_per_participant_and_challenge(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    owls = await create(c.clients["bob"], "robots", "Data Owls")
    in_rocket = (
        "You are already in team Team Rocket of this challenge: one team per participant. Leave it first."
    )

    alice = c.clients["alice"]
    assert_problem(
        await alice.post("/api/v1/challenges/robots/teams", json={"name": "Another"}), 409, detail=in_rocket
    )
    assert_problem(await alice.post("/api/v1/teams/join", json={"code": owls["code"]}), 409, detail=in_rocket)
    assert_problem(
        await alice.post("/api/v1/teams/join", json={"code": rocket["code"]}),
        409,
        detail="You are already in team Team Rocket.",
    )
    link = await alice.get(f"/teams/join/{owls['code']}")
    assert text_of(link.text, "join-reason") == f"{in_rocket} Go to team Team Rocket"
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 1, 3, ["alice@example.org"]),
        ("Data Owls", 1, 3, ["bob@example.org"]),
    ]


async def test_participants_join_with_the_code_through_the_api_in_any_case_and_spacing(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    typed = f" {rocket['code'][:4].lower()}-{rocket['code'][4:]} "

    body = await join(c.clients["bob"], typed)

    assert body["name"] == "Team Rocket"
    assert [m["name"] for m in body["members"]] == ["Alice Participant", "Bob Participant"]
    assert (body["member_count"], body["places_left"], body["members_needed"]) == (2, 1, 0)
    assert body["code"] == rocket["code"]  # a member now: they see the code to pass it on
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 3, ["alice@example.org", "bob@example.org"])
    ]


async def test_the_invitation_link_shows_the_team_and_its_join_button_joins(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    bob = c.clients["bob"]

    page = await bob.get(f"/teams/join/{rocket['code']}")

    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Join team Team Rocket" in text
    assert f"Robots in class · {world.event.name} · Leuven Lab" in text
    assert text_of(page.text, "team-size") == "1 member · 2 places left · needs 1 more member"
    assert text_of(page.text, "members") == "Alice Participant"
    assert "alice@example.org" not in page.text
    joined = await bob.submit(f"/teams/join/{rocket['code']}")
    assert (joined.status_code, joined.headers["location"]) == (
        302,
        f"/challenges/robots/teams/{rocket['id']}",
    )
    team_page = await bob.get(joined.headers["location"])
    assert "Welcome to the team!" in visible_text(team_page.text)
    assert text_of(team_page.text, "team-size") == "2 members · 1 place left"
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 3, ["alice@example.org", "bob@example.org"])
    ]


async def test_anonymous_visitors_of_the_invitation_link_log_in_first_and_come_back(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory, anon: object
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    visitor = await client_factory()
    page = await visitor.get(f"/teams/join/{rocket['code']}")
    assert (page.status_code, page.headers["location"]) == (302, f"/login?next=/teams/join/{rocket['code']}")


async def test_the_code_typed_on_the_page_joins_or_says_what_is_wrong_next_to_the_field(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory, max_size=2)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    unknown = (
        "No team has the code 'ZZZZ2222'. Check it, or ask the team for its current link: a renewed code "
        "replaces the old one."
    )

    wrong = await c.clients["bob"].submit("/challenges/robots/teams/join", {"code": "ZZZZ2222"})
    assert wrong.status_code == 404
    assert field_error(wrong.text, "code") == unknown
    blank = await c.clients["bob"].submit("/challenges/robots/teams/join", {"code": ""})
    assert blank.status_code == 422
    assert field_error(blank.text, "code") == "Enter the team's code: 8 letters and digits."
    ok = await c.clients["bob"].submit("/challenges/robots/teams/join", {"code": rocket["code"].lower()})
    assert (ok.status_code, ok.headers["location"]) == (302, f"/challenges/robots/teams/{rocket['id']}")
    full = await c.clients["carla"].submit("/challenges/robots/teams/join", {"code": rocket["code"]})
    assert full.status_code == 409
    assert field_error(full.text, "code") == "Team Team Rocket is full (2 of 2)."
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 2, ["alice@example.org", "bob@example.org"])
    ]


async def test_an_unknown_code_is_404(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    bob = c.clients["bob"]
    for code in ["ZZZZ2222", "short", "O0O0I1I1"]:
        detail = (
            f"No team has the code '{code}'. Check it, or ask the team for its current link: "
            "a renewed code replaces the old one."
        )
        assert_problem(await bob.post("/api/v1/teams/join", json={"code": code}), 404, detail=detail)
        page = await bob.get(f"/teams/join/{code}")
        assert page.status_code == 404 and detail in visible_text(page.text)
    assert_problem(await bob.post("/api/v1/teams/join", json={"code": "x" * 33}), 400)
    assert_problem(
        await bob.post("/api/v1/teams/join", json={"code": " - "}),
        422,
        errors=[{"field": "code", "message": "Enter the team's code: 8 letters and digits."}],
    )


async def test_a_full_team_refuses_one_more_member(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory, max_size=3)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await join(c.clients["bob"], rocket["code"])
    await join(c.clients["carla"], rocket["code"])
    full = "Team Team Rocket is full (3 of 3)."

    assert_problem(
        await c.clients["dan"].post("/api/v1/teams/join", json={"code": rocket["code"]}), 409, detail=full
    )
    link = await c.clients["dan"].get(f"/teams/join/{rocket['code']}")
    assert text_of(link.text, "join-reason") == full
    assert text_of(link.text, "team-size") == "3 members · full (3 at most)"
    page = await c.clients["dan"].submit(f"/teams/join/{rocket['code']}")
    assert page.status_code == 409 and full in visible_text(page.text)
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 3, 3, ["alice@example.org", "bob@example.org", "carla@example.org"])
    ]


async def test_without_a_size_limit_teams_grow_freely(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory, min_size=None, max_size=None)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    assert (rocket["places_left"], rocket["members_needed"], rocket["max_members"]) == (None, 0, None)
    for name in ("bob", "carla", "dan"):
        await join(c.clients[name], rocket["code"])
    page = await c.clients["dan"].get(f"/challenges/robots/teams/{rocket['id']}")
    assert text_of(page.text, "team-size") == "4 members"
    assert "Teams of any size." in visible_text(page.text)
    assert [t[1:3] for t in await teams_of(app, c.challenge.id)] == [(4, None)]


async def test_a_renewed_code_replaces_the_old_one(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    old = rocket["code"]

    renewed = await c.clients["alice"].post(f"/api/v1/challenges/robots/teams/{rocket['id']}/code")

    assert renewed.status_code == 200, renewed.text
    new = renewed.json()["code"]
    assert CODE.match(new) and new != old
    assert renewed.json()["invitation_url"] == f"{BASE}/teams/join/{new}"
    assert_problem(await c.clients["bob"].post("/api/v1/teams/join", json={"code": old}), 404)
    assert (await c.clients["bob"].get(f"/teams/join/{old}")).status_code == 404
    await join(c.clients["bob"], new)
    # on the page too, by any member
    page = await c.clients["bob"].submit(f"/challenges/robots/teams/{rocket['id']}/code")
    assert (page.status_code, page.headers["location"]) == (302, f"/challenges/robots/teams/{rocket['id']}")
    shown = await c.clients["bob"].get(page.headers["location"])
    assert "New code: the old code and link no longer work." in visible_text(shown.text)
    newest = text_of(shown.text, "team-code")
    assert newest not in (old, new) and newest is not None and CODE.match(newest)
    assert_problem(await c.clients["carla"].post("/api/v1/teams/join", json={"code": new}), 404)
    # who is not a member cannot renew it
    assert_problem(await c.clients["carla"].post(f"/api/v1/challenges/robots/teams/{rocket['id']}/code"), 404)
    host = await client_factory(world.member_a)
    assert_problem(
        await host.post(f"/api/v1/challenges/robots/teams/{rocket['id']}/code"),
        403,
        detail="Only the members of team Team Rocket can do this.",
    )
