"""Who may write: a challenge's host members and organizers to its participants, organizers only to an
edition; everyone else is refused (403, 401 for the anonymous), in the API and on the pages, and nothing is
written. A read-only API token cannot send."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.announcements.support import cast, note, nothing_written, recipients
from tests.challenges.helpers import visible_text
from tests.conftest import ClientFactory
from tests.security.support import assert_problem

CHALLENGE = "/api/v1/challenges/robots/announcements"


def event_path(world: factories.World) -> str:
    return f"/api/v1/events/{world.event.slug}/announcements"


@pytest.mark.parametrize("who", ["organizer", "member_a"])
async def test_the_hosts_members_and_organizers_write_to_a_challenges_participants(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, who: str
) -> None:
    await cast(db, world)
    client = await client_factory(getattr(world, who))
    assert (await client.post(f"{CHALLENGE}/preview", json=note())).status_code == 200
    r = await client.post(CHALLENGE, json=note())
    assert r.status_code == 201, r.text
    assert (await client.get(CHALLENGE)).status_code == 200
    assert await recipients(app) == ["carla@example.org", "dan@example.org", "erin@example.org"]


@pytest.mark.parametrize("who", ["member_b", "alice"])
async def test_another_hosts_member_and_a_participant_are_refused_and_nothing_is_written(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, who: str
) -> None:
    await cast(db, world)
    client = await client_factory(getattr(world, who))
    detail = "Only members of this challenge's host and organizers can write to its participants."
    for r in [
        await client.post(f"{CHALLENGE}/preview", json=note()),
        await client.post(CHALLENGE, json=note()),
        await client.get(CHALLENGE),
    ]:
        assert_problem(r, 403, detail=detail)
    for r in [
        await client.get("/challenges/robots/announcements"),
        await client.submit("/challenges/robots/announcements/preview", note(audience="challenge_all")),
        await client.submit(
            "/challenges/robots/announcements", note(audience="challenge_all", confirm="yes")
        ),
    ]:
        assert r.status_code == 403 and detail in visible_text(r.text)
    assert await nothing_written(app)


@pytest.mark.parametrize("who", ["member_a", "member_b", "alice"])
async def test_only_organizers_write_to_an_edition(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, who: str
) -> None:
    await cast(db, world)
    client = await client_factory(getattr(world, who))
    path = event_path(world)
    for r in [
        await client.post(f"{path}/preview", json=note(audience="event_hosts")),
        await client.post(path, json=note(audience="event_hosts")),
        await client.get(path),
    ]:
        assert r.status_code == 403, r.text
    page = f"/events/{world.event.slug}/announcements"
    assert (await client.get(page)).status_code == 403
    assert (await client.submit(page, note(audience="event_hosts", confirm="yes"))).status_code == 403
    assert await nothing_written(app)


async def test_the_anonymous_are_asked_to_log_in(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    anon = await client_factory()
    for path in (CHALLENGE, event_path(world)):
        assert_problem(await anon.post(path, json=note()), 401, detail="Log in to continue.")
        assert_problem(await anon.post(f"{path}/preview", json=note()), 401)
        assert_problem(await anon.get(path), 401)
    page = await anon.get("/challenges/robots/announcements", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (
        302,
        f"/login?next={quote('/challenges/robots/announcements')}",
    )
    assert await nothing_written(app)


async def test_a_draft_challenge_is_not_found_for_others_and_unknown_ones_are_404(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    from digieduhack.models import ChallengeStatus

    await factories.challenge(db, world.event, world.host_a, slug="secret", status=ChallengeStatus.DRAFT)
    wanjiru = await client_factory(world.member_b)
    assert_problem(await wanjiru.post("/api/v1/challenges/secret/announcements", json=note()), 404)
    assert_problem(await wanjiru.post("/api/v1/challenges/nope/announcements", json=note()), 404)
    olga = await client_factory(world.organizer)
    assert_problem(await olga.post("/api/v1/events/1999/announcements", json=note()), 404)


async def test_a_read_only_api_token_lists_but_cannot_preview_or_send(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    created = await hanne.post("/api/v1/me/tokens", json={"name": "read script", "scope": "read"})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local", headers=headers
    ) as api:
        assert (await api.get(CHALLENGE)).status_code == 200
        for path in (CHALLENGE, f"{CHALLENGE}/preview"):
            assert_problem(
                await api.post(path, json=note()),
                403,
                detail="This API token is read-only: use a read-write token to change data.",
            )
    assert await nothing_written(app)


async def test_a_write_token_sends_without_csrf(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    created = await hanne.post("/api/v1/me/tokens", json={"name": "write script", "scope": "write"})
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local", headers=headers
    ) as api:
        r = await api.post(CHALLENGE, json=note(audience="challenge_waitlisted"))
    assert (r.status_code, r.json()["recipient_count"]) == (201, 1)
