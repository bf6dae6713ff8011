"""Hosts create challenges as drafts, edit them and publish them, through the pages and the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, ChallengeFormat, ChallengeStatus, HostStatus
from tests import factories
from tests.challenges.helpers import (
    YEAR,
    api_body,
    challenge_row,
    count,
    form_data,
    local,
    utc,
    visible_text,
)
from tests.conftest import Client, ClientFactory

SLUG = re.compile(r"^learning-analytics-for-teachers-[0-9a-f]{6}$")
HOST_A_OUT = {
    "slug": "leuven-lab",
    "name": "Leuven Lab",
    "kind": "university",
    "country": "BE",
    "city": "Leuven",
}


def expected_draft(slug: str) -> dict[str, object]:
    return {
        "slug": slug,
        "event": str(YEAR),
        "title": "Learning analytics for teachers",
        "summary": "Build a dashboard that teachers actually want to use.",
        "description": "Bring your ideas.",
        "language": "en",
        "format": "online",
        "country": None,
        "city": None,
        "venue": None,
        "timezone": "Europe/Brussels",
        "starts_at": utc(9, 8),
        "ends_at": utc(9, 16),
        "starts_at_local": f"{YEAR}-11-09T09:00:00+01:00",
        "ends_at_local": f"{YEAR}-11-09T17:00:00+01:00",
        "capacity": 25,
        "confirmed_count": 0,
        "waitlisted_count": 0,
        "free_places": 25,
        "status": "draft",
        "host": HOST_A_OUT,
        "cancellation_message": None,
        "themes": [],
        "tags": [],
        "audiences": ["anyone"],  # none given: anyone can join
        "registration_deadline": None,
        "registration_deadline_local": None,
        "min_team_size": None,
        "max_team_size": None,
        "agenda": [],
        "meeting_url": None,
        "availability": {"kind": "draft", "label": "Draft: not published yet", "starts_in": None},
    }


async def test_host_member_creates_draft_challenge_through_api(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)

    response = await member.post("/api/v1/hosts/leuven-lab/challenges", json=api_body())

    assert response.status_code == 201, response.text
    slug = response.json()["slug"]
    assert SLUG.match(slug)
    assert response.json() == expected_draft(slug)
    row = await challenge_row(app, slug)
    assert (row.event_id, row.host_id, row.status) == (world.event.id, world.host_a.id, ChallengeStatus.DRAFT)
    assert (row.starts_at, row.ends_at) == (
        datetime(YEAR, 11, 9, 8, tzinfo=UTC),
        datetime(YEAR, 11, 9, 16, tzinfo=UTC),
    )
    assert await count(app, Challenge) == 1


async def test_host_member_creates_draft_challenge_from_page_form(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    form = await member.get("/hosts/leuven-lab/challenges/new")
    assert form.status_code == 200
    assert 'action="/hosts/leuven-lab/challenges/new"' in form.text

    response = await member.submit(
        "/hosts/leuven-lab/challenges/new",
        form_data(
            format="in_person",
            language="pt-BR",
            timezone="Asia/Kathmandu",
            starts_at_local=local(9, 9),
            ends_at_local=local(10, 17, 30),
            country="np",
            city=" Kathmandu ",
            venue="",
            capacity="",
        ),
    )

    assert response.status_code == 302, response.text
    slug = response.headers["location"].removeprefix("/challenges/")
    assert SLUG.match(slug)
    row = await challenge_row(app, slug)
    assert row.status == ChallengeStatus.DRAFT
    assert (row.format, row.language, row.timezone) == (ChallengeFormat.IN_PERSON, "pt-BR", "Asia/Kathmandu")
    assert (row.country, row.city, row.venue, row.capacity) == ("NP", "Kathmandu", None, None)
    # 09:00 and 17:30 in Kathmandu (UTC+05:45)
    assert (row.starts_at, row.ends_at) == (
        datetime(YEAR, 11, 9, 3, 15, tzinfo=UTC),
        datetime(YEAR, 11, 10, 11, 45, tzinfo=UTC),
    )
    page = await member.get(f"/challenges/{slug}")
    assert page.status_code == 200
    assert "Challenge saved as a draft. Publish it when it is ready." in visible_text(page.text)
    assert f'action="/challenges/{slug}/publish"' in page.text


async def test_draft_is_not_found_for_the_public_and_other_hosts(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    for viewer in (None, world.member_b, world.alice):
        client = await client_factory(viewer)

        api = await client.get(f"/api/v1/challenges/{draft.slug}")
        page = await client.get(f"/challenges/{draft.slug}")
        catalog = await client.get("/api/v1/challenges")

        assert api.status_code == 404
        assert api.json() == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": f"There is no challenge '{draft.slug}'.",
        }
        assert page.status_code == 404
        assert draft.title not in page.text
        assert catalog.json()["items"] == []


async def test_draft_is_visible_to_its_host_members_and_organizers(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    for viewer in (world.member_a, world.organizer):
        client = await client_factory(viewer)

        api = await client.get(f"/api/v1/challenges/{draft.slug}")
        page = await client.get(f"/challenges/{draft.slug}")

        assert api.status_code == 200
        assert (api.json()["slug"], api.json()["status"]) == (draft.slug, "draft")
        assert page.status_code == 200
        assert f"<h1>{draft.title}</h1>" in page.text
        # still not in the public catalog
        assert (await client.get("/api/v1/challenges")).json()["total"] == 0


async def test_host_member_sees_own_drafts_in_hosted_challenges(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(
        db, world.event, world.host_a, status=ChallengeStatus.DRAFT, start_hour=10
    )
    published = await factories.challenge(db, world.event, world.host_a, start_hour=9)
    await factories.challenge(db, world.event, world.host_b)
    member = await client_factory(world.member_a)

    api = await member.get("/api/v1/me/hosted-challenges")
    page = await member.get("/host")

    assert api.status_code == 200
    assert [(c["slug"], c["status"]) for c in api.json()] == [
        (published.slug, "published"),
        (draft.slug, "draft"),
    ]
    assert page.status_code == 200
    assert f'href="/challenges/{draft.slug}/edit"' in page.text


async def test_host_member_edits_challenge_through_api(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    member = await client_factory(world.member_a)

    response = await member.put(
        f"/api/v1/challenges/{c.slug}",
        json=api_body(
            title="  Open data in schools  ",
            format="hybrid",
            country="be",
            city="Leuven",
            venue="Library hall",
            timezone="America/Los_Angeles",
            starts_at_local=f"{YEAR}-11-10T08:00:00",
            ends_at_local=f"{YEAR}-11-10T20:00:00",
            capacity=None,
        ),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["slug"] == c.slug
    assert {k: body[k] for k in ("title", "format", "country", "city", "venue", "timezone", "capacity")} == {
        "title": "Open data in schools",
        "format": "hybrid",
        "country": "BE",
        "city": "Leuven",
        "venue": "Library hall",
        "timezone": "America/Los_Angeles",
        "capacity": None,
    }
    assert (body["starts_at"], body["ends_at"]) == (utc(10, 16), utc(11, 4))
    assert (body["starts_at_local"], body["ends_at_local"]) == (
        f"{YEAR}-11-10T08:00:00-08:00",
        f"{YEAR}-11-10T20:00:00-08:00",
    )
    assert (body["free_places"], body["status"]) == (None, "draft")
    row = await challenge_row(app, c.slug)
    assert (row.title, row.capacity, row.starts_at) == (
        "Open data in schools",
        None,
        datetime(YEAR, 11, 10, 16, tzinfo=UTC),
    )


async def test_host_member_edits_challenge_from_page_form(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(
        db, world.event, world.host_a, timezone="Asia/Kathmandu", start_hour=9, hours=8
    )
    member = await client_factory(world.member_a)

    form = await member.get(f"/challenges/{c.slug}/edit")
    assert form.status_code == 200
    # the form shows the stored times back in the challenge's own zone
    assert f'name="starts_at_local" type="datetime-local" value="{local(9, 9)}"' in form.text
    assert f'name="ends_at_local" type="datetime-local" value="{local(9, 17)}"' in form.text
    assert '<option value="Asia/Kathmandu" selected>' in form.text

    response = await member.submit(
        f"/challenges/{c.slug}/edit",
        form_data(
            title="Tutoring bots",
            timezone="Asia/Kathmandu",
            starts_at_local=local(10, 10),
            ends_at_local=local(10, 18),
        ),
    )

    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"/challenges/{c.slug}"
    row = await challenge_row(app, c.slug)
    assert (row.title, row.capacity, row.status) == ("Tutoring bots", 25, ChallengeStatus.PUBLISHED)
    assert (row.starts_at, row.ends_at) == (
        datetime(YEAR, 11, 10, 4, 15, tzinfo=UTC),
        datetime(YEAR, 11, 10, 12, 15, tzinfo=UTC),
    )
    page = await member.get(f"/challenges/{c.slug}")
    assert "Changes saved." in visible_text(page.text)


async def publish_api(client: Client, slug: str) -> tuple[int, dict[str, object]]:
    response = await client.post(f"/api/v1/challenges/{slug}/publish")
    return response.status_code, response.json()


async def test_host_member_publishes_draft_through_api(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    member = await client_factory(world.member_a)

    status, body = await publish_api(member, c.slug)

    assert (status, body["slug"], body["status"]) == (200, c.slug, "published")
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    assert (await anon.get(f"/api/v1/challenges/{c.slug}")).status_code == 200
    assert [i["slug"] for i in (await anon.get("/api/v1/challenges")).json()["items"]] == [c.slug]


async def test_host_member_publishes_draft_from_page(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    member = await client_factory(world.member_a)

    response = await member.submit(f"/challenges/{c.slug}/publish")

    assert response.status_code == 302
    assert response.headers["location"] == f"/challenges/{c.slug}"
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    page = await member.get(f"/challenges/{c.slug}")
    assert "Challenge published: participants can now find and join it." in visible_text(page.text)
    assert (await anon.get(f"/challenges/{c.slug}")).status_code == 200


async def test_publishing_twice_is_a_conflict(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.PUBLISHED)
    member = await client_factory(world.member_a)

    assert await publish_api(member, c.slug) == (
        409,
        {
            "type": "about:blank",
            "title": "Conflict",
            "status": 409,
            "detail": "This challenge is already published.",
        },
    )


PENDING = "Your host is not approved yet: challenges can be published once an organizer approves it."


async def test_pending_host_can_prepare_a_draft_but_not_publish_it(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    newcomer = await factories.account(db, "nadia@example.org", "Nadia Newhost")
    await factories.host(db, newcomer, slug="new-lab", status=HostStatus.PENDING)
    client = await client_factory(newcomer)
    created = await client.post("/api/v1/hosts/new-lab/challenges", json=api_body())
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]

    api = await client.post(f"/api/v1/challenges/{slug}/publish")
    page = await client.submit(f"/challenges/{slug}/publish")

    assert api.status_code == 409
    assert api.json() == {"type": "about:blank", "title": "Conflict", "status": 409, "detail": PENDING}
    assert page.status_code == 409
    assert PENDING in visible_text(page.text)
    assert (await challenge_row(app, slug)).status == ChallengeStatus.DRAFT
