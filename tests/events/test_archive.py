"""Past editions are read-only archives: once an edition's last day is over everywhere on Earth (noon UTC
the day after, midnight at UTC-12), nothing of its challenges or registrations changes, through pages
or the API; reading still works. The current edition (the catalog's default) follows the clock."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    AuditEntry,
    Challenge,
    ChallengeNotice,
    ChallengeStatus,
    Registration,
)
from tests import factories
from tests.challenges.helpers import YEAR, api_body, count, fetch_all, form_data, text_of, visible_text
from tests.conftest import Client, ClientFactory
from tests.events.helpers import NEXT, set_clock, utc
from tests.security.support import assert_problem

OVER_AT = utc(YEAR, 11, 11, 12)  # the world's edition runs 9-10 November YEAR
OVER = f"DigiEduHack {YEAR} is over: its challenges are an archive and can't be changed."
NO_OPEN = (
    f"There is no open edition: DigiEduHack {YEAR} is over and the next one is not set up yet. "
    "New challenges can be created once the organizers set it up."
)
MESSAGE = "The venue flooded: we are very sorry, see you next year."


class Archive:
    def __init__(self, published: Challenge, draft: Challenge) -> None:
        self.published, self.draft = published, draft


@pytest.fixture
async def archive(app: Litestar, db: AsyncSession, world: factories.World) -> Archive:
    """A published challenge Alice joined and a draft, both of the world's edition, now over."""
    published = await factories.challenge(db, world.event, world.host_a, slug="robots", title="Robots")
    draft = await factories.challenge(
        db, world.event, world.host_a, slug="drafty", status=ChallengeStatus.DRAFT
    )
    await factories.registration(db, published, world.alice)
    set_clock(app, OVER_AT)
    return Archive(published, draft)


async def snapshot(app: Litestar) -> list[Any]:
    """Everything a refused write could have touched."""
    challenges = await fetch_all(
        app,
        select(
            Challenge.slug,
            Challenge.status,
            Challenge.title,
            Challenge.updated_at,
            Challenge.confirmed_count,
            Challenge.waitlisted_count,
        ).order_by(Challenge.slug),
    )
    registrations = await fetch_all(
        app, select(Registration.account_id, Registration.status).order_by(Registration.id)
    )
    return [challenges, registrations, await count(app, ChallengeNotice), await count(app, AuditEntry)]


async def test_every_write_through_the_api_on_a_past_editions_challenge_is_refused(
    app: Litestar, world: factories.World, archive: Archive, client_factory: ClientFactory
) -> None:
    member, alice, bob = [await client_factory(a) for a in (world.member_a, world.alice, world.bob)]
    pub, draft = archive.published.slug, archive.draft.slug
    before = await snapshot(app)

    refused = [
        await member.put(f"/api/v1/challenges/{pub}", json=api_body()),
        await member.post(f"/api/v1/challenges/{draft}/publish"),
        await member.post(f"/api/v1/challenges/{pub}/close"),
        await member.post(f"/api/v1/challenges/{pub}/cancel", json={"message": MESSAGE}),
        await bob.post(f"/api/v1/challenges/{pub}/registration"),
        await alice.delete(f"/api/v1/challenges/{pub}/registration"),
    ]

    for r in refused:
        assert_problem(r, 409, title="Conflict", detail=OVER)
    assert_problem(
        await member.post("/api/v1/hosts/leuven-lab/challenges", json=api_body()), 409, detail=NO_OPEN
    )
    assert await snapshot(app) == before


async def test_every_write_through_the_pages_on_a_past_editions_challenge_is_refused(
    app: Litestar, world: factories.World, archive: Archive, client_factory: ClientFactory
) -> None:
    member, alice, bob = [await client_factory(a) for a in (world.member_a, world.alice, world.bob)]
    pub, draft = archive.published.slug, archive.draft.slug
    before = await snapshot(app)

    refused = [
        await member.get(f"/challenges/{pub}/edit"),
        await member.submit(f"/challenges/{pub}/edit", form_data()),
        await member.submit(f"/challenges/{draft}/publish"),
        await member.submit(f"/challenges/{pub}/close"),
        await member.submit(f"/challenges/{pub}/cancel-challenge", {"message": MESSAGE}),
        await bob.submit(f"/challenges/{pub}/join"),
        await alice.submit(f"/challenges/{pub}/cancel"),
    ]
    no_open = [
        await member.get("/hosts/leuven-lab/challenges/new"),
        await member.submit("/hosts/leuven-lab/challenges/new", form_data()),
    ]

    for r, detail in [(r, OVER) for r in refused] + [(r, NO_OPEN) for r in no_open]:
        assert r.status_code == 409, r.request.url
        assert detail in visible_text(r.text)
    assert await snapshot(app) == before


async def test_a_past_editions_challenge_is_still_read_and_shows_it_is_an_archive(
    world: factories.World, archive: Archive, client_factory: ClientFactory, anon: Client
) -> None:
    member, alice, bob = [await client_factory(a) for a in (world.member_a, world.alice, world.bob)]
    pub = archive.published.slug
    notice = f"Archive: DigiEduHack {YEAR} is over. This page is kept as a record and can no longer change."

    for client in (member, alice, bob, anon):
        page = await client.get(f"/challenges/{pub}")
        assert page.status_code == 200
        assert text_of(page.text, "archive") == notice
        for action in ("/edit", "/join", "/cancel", "/close", "/cancel-challenge"):
            assert f'"/challenges/{pub}{action}"' not in page.text, action
    assert 'href="/challenges/robots/roster"' in (await member.get(f"/challenges/{pub}")).text
    assert (await member.get(f"/challenges/{pub}/roster.csv")).status_code == 200
    assert (await anon.get(f"/api/v1/challenges/{pub}")).json()["title"] == "Robots"
    listed = (await anon.get(f"/api/v1/challenges?event={YEAR}")).json()["items"]
    assert [c["slug"] for c in listed] == [pub]
    # the host's dashboard marks them as archives instead of offering an edit link
    dashboard = (await member.get("/host")).text
    assert '"/challenges/robots/edit"' not in dashboard
    assert '"/challenges/drafty/edit"' not in dashboard
    assert "Robots · archive" in visible_text(dashboard)


async def test_an_edition_stays_open_until_its_last_day_is_over_everywhere(
    app: Litestar, world: factories.World, archive: Archive, client_factory: ClientFactory
) -> None:
    set_clock(app, utc(YEAR, 11, 11, 11, 59, 59))  # 23:59:59 on 10 November at UTC-12
    member = await client_factory(world.member_a)
    page = await member.get(f"/challenges/{archive.published.slug}")
    assert text_of(page.text, "archive") is None
    assert 'href="/challenges/robots/edit"' in page.text
    assert (await member.post(f"/api/v1/challenges/{archive.draft.slug}/publish")).status_code == 200

    set_clock(app, OVER_AT)
    assert_problem(await member.post(f"/api/v1/challenges/{archive.published.slug}/close"), 409, detail=OVER)


# --- which edition is current -------------------------------------------------------------------------
def catalog_heading(html: str) -> str:
    found = re.search(r"<h1>([^<]*)</h1>", html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("now", "current"),
    [
        (utc(YEAR, 6, 1), YEAR),  # the next to come
        (utc(YEAR, 11, 9, 10), YEAR),  # under way
        (utc(YEAR, 11, 11, 11, 59, 59), YEAR),  # its last day is not over at UTC-12 yet
        (OVER_AT, NEXT),  # over everywhere: the next one
        (utc(NEXT, 11, 11, 12), NEXT),  # every edition is over: the latest
    ],
)
async def test_the_current_edition_follows_the_clock(
    app: Litestar, db: AsyncSession, world: factories.World, anon: Client, now: datetime, current: int
) -> None:
    old = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    nxt = await factories.event(db, slug=str(NEXT), starts_on=date(NEXT, 11, 9), ends_on=date(NEXT, 11, 10))
    for ev in (old, world.event, nxt):
        await factories.challenge(db, ev, world.host_a, slug=f"c-{ev.slug}")
    set_clock(app, now)

    assert (await anon.get("/api/v1/events/current")).json()["slug"] == str(current)
    assert [c["event"] for c in (await anon.get("/api/v1/challenges")).json()["items"]] == [str(current)]
    assert catalog_heading((await anon.get("/challenges")).text) == f"DigiEduHack {current}"
    editions = (await anon.get("/events")).text
    assert text_of(editions, f"edition-{current}").startswith(f"DigiEduHack {current} Current edition")
    assert "Archive" in (text_of(editions, "edition-2021") or "")
    assert ("Archive" in (text_of(editions, f"edition-{YEAR}") or "")) == (now >= OVER_AT)


async def test_new_challenges_go_to_the_next_edition_once_the_current_one_is_over(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    nxt = await factories.event(db, slug=str(NEXT), starts_on=date(NEXT, 11, 9), ends_on=date(NEXT, 11, 10))
    set_clock(app, OVER_AT)
    member = await client_factory(world.member_a)
    body = api_body(starts_at_local=f"{NEXT}-11-09T09:00:00", ends_at_local=f"{NEXT}-11-09T17:00:00")

    r = await member.post("/api/v1/hosts/leuven-lab/challenges", json=body)

    assert r.status_code == 201, r.text
    assert r.json()["event"] == str(NEXT)
    rows = await fetch_all(app, select(Challenge.event_id))
    assert rows == [(nxt.id,)]


async def test_the_editions_page_links_each_catalog_and_the_navigation_links_the_page(
    db: AsyncSession, world: factories.World, anon: Client
) -> None:
    await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))

    page = await anon.get("/events")

    assert page.status_code == 200
    assert re.findall(r'<h2><a href="([^"]+)">', page.text) == [
        f"/challenges?event={YEAR}",
        "/challenges?event=2021",
    ]
    assert 'href="/events"' in (await anon.get("/challenges")).text
