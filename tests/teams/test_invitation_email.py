"""Inviting by e-mail: a team member sends the team's link to any address through the outbox (plain text
and HTML); the answer does not tell whether the address has an account; 20 invitations per hour and
account at most, since they go to any address."""

from __future__ import annotations

import re

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.challenges.helpers import visible_text
from tests.conftest import ClientFactory
from tests.registrations.support import messages
from tests.security.support import assert_problem
from tests.teams.support import cast, create, field_error, join, teams_of

LINK = re.compile(r"http://127\.0\.0\.1:8000(/teams/join/[A-Z0-9]{8})")


async def test_a_member_invites_by_email_and_the_link_in_the_message_joins_the_team(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")

    response = await c.clients["alice"].post(
        f"/api/v1/challenges/robots/teams/{rocket['id']}/invitations", json={"email": "Bob@Example.org"}
    )

    assert response.status_code == 202, response.text
    assert response.json() == {"sent_to": "bob@example.org", "team": rocket["id"]}
    [message] = await messages(app, "team_invitation")
    assert (message.to_address, message.account_id) == ("bob@example.org", world.bob.id)
    assert message.subject == "Alice Participant invites you to team Team Rocket (Robots in class)"
    assert message.text_body.startswith(
        "Hello,\n\n\nAlice Participant invites you to join team Team Rocket in the challenge "
        f'"Robots in class" of {world.event.name}.\n'
    )
    assert f"Or enter the code {rocket['code']} on the challenge's team page." in message.text_body
    assert "http://127.0.0.1:8000/challenges/robots" in message.text_body
    assert "<strong>Team Rocket</strong>" in message.html_body
    [path] = LINK.findall(message.text_body)
    assert LINK.findall(message.html_body) == [path] and path == f"/teams/join/{rocket['code']}"
    # the link works for the invited participant
    page = await c.clients["bob"].get(path)
    assert page.status_code == 200 and "Join team Team Rocket" in visible_text(page.text)
    joined = await c.clients["bob"].submit(path)
    assert joined.status_code == 302
    assert await teams_of(app, c.challenge.id) == [
        ("Team Rocket", 2, 3, ["alice@example.org", "bob@example.org"])
    ]


async def test_the_answer_is_the_same_whether_the_address_has_an_account(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    path = f"/api/v1/challenges/robots/teams/{rocket['id']}/invitations"

    known = await c.clients["alice"].post(path, json={"email": "carla@example.org"})
    unknown = await c.clients["alice"].post(path, json={"email": "nobody@example.org"})

    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == {"sent_to": "carla@example.org", "team": rocket["id"]}
    assert unknown.json() == {"sent_to": "nobody@example.org", "team": rocket["id"]}
    sent = await messages(app, "team_invitation")
    assert [(m.to_address, m.account_id) for m in sent] == [
        ("carla@example.org", c.people["carla"].id),
        ("nobody@example.org", None),
    ]
    assert sent[0].text_body == sent[1].text_body  # nothing in it depends on the recipient


async def test_inviting_on_the_page_sends_it_or_shows_the_error_next_to_the_field(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    action = f"/challenges/robots/teams/{rocket['id']}/invitations"

    bad = await c.clients["alice"].submit(action, {"email": "not an address"})
    assert bad.status_code == 422
    assert field_error(bad.text, "email") == "Enter an email address, like ada@example.org."
    assert 'value="not an address"' in bad.text
    sent = await c.clients["alice"].submit(action, {"email": "dana@example.org"})
    assert (sent.status_code, sent.headers["location"]) == (302, f"/challenges/robots/teams/{rocket['id']}")
    page = await c.clients["alice"].get(sent.headers["location"])
    assert "Invitation sent: we e-mailed them the team's link." in visible_text(page.text)
    assert [m.to_address for m in await messages(app, "team_invitation")] == ["dana@example.org"]


async def test_only_members_invite(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    path = f"/api/v1/challenges/robots/teams/{rocket['id']}/invitations"
    body = {"email": "dana@example.org"}
    assert_problem(await c.clients["bob"].post(path, json=body), 404)
    host = await client_factory(world.member_a)
    assert_problem(
        await host.post(path, json=body), 403, detail="Only the members of team Team Rocket can do this."
    )
    assert await messages(app, "team_invitation") == []


async def test_invitations_are_limited_to_20_an_hour_per_account(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world, client_factory)
    rocket = await create(c.clients["alice"], "robots", "Team Rocket")
    await join(c.clients["bob"], rocket["code"])
    path = f"/api/v1/challenges/robots/teams/{rocket['id']}/invitations"
    for n in range(20):
        response = await c.clients["alice"].post(path, json={"email": f"friend{n}@example.org"})
        assert response.status_code == 202, response.text

    refused = await c.clients["alice"].post(path, json={"email": "one.more@example.org"})

    body = assert_problem(refused, 429)
    assert 3590 <= int(refused.headers["retry-after"]) <= 3600
    assert body["detail"] == f"Too many attempts. Try again in {refused.headers['retry-after']} seconds."
    page = await c.clients["alice"].submit(
        f"/challenges/robots/teams/{rocket['id']}/invitations", {"email": "one.more@example.org"}
    )
    assert page.status_code == 429
    # the budget is the account's: another member still has theirs
    other = await c.clients["bob"].post(path, json={"email": "one.more@example.org"})
    assert other.status_code == 202
    assert len(await messages(app, "team_invitation")) == 21
