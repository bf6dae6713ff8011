"""Who may download which roster, on the pages and in the API; every download is audited, refusals are not."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import AuditEntry, ChallengeStatus
from tests import factories
from tests.challenges.helpers import YEAR, count, fetch_all, visible_text
from tests.conftest import Client, ClientFactory

PREFIXES = ["/api/v1", ""]  # the same downloads are mounted under the API and the pages
EVENT_ONLY_ORGANIZERS = "Only organizers can export the roster of a whole event."
CHALLENGE_NOT_YOURS = "Only organizers and members of this challenge's host can export its roster."


async def audit(app: Litestar) -> list[tuple[int | None, str, str, dict[str, str]]]:
    """(actor, action, target, {format, rows}) of each audit entry; tests/rosters/test_export_formats.py
    checks the rest of the details."""
    rows = await fetch_all(
        app,
        select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target, AuditEntry.details).order_by(
            AuditEntry.id
        ),
    )
    return [(a, b, c, {"format": d["format"], "rows": d["rows"]}) for a, b, c, d in rows]


def assert_csv_download(
    response: httpx.Response, filename: str, header: str = "name,email,team,status"
) -> None:
    """A CSV download with the default columns (an event's: with `answers`; a challenge without questions has
    no answer column)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.text.splitlines()[0] == header


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_organizer_downloads_event_roster_and_any_challenge_roster(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    a = await factories.challenge(db, world.event, world.host_a)
    b = await factories.challenge(db, world.event, world.host_b, status=ChallengeStatus.DRAFT)
    organizer = await client_factory(world.organizer)

    event = await organizer.get(f"{prefix}/events/{YEAR}/roster.csv")
    of_a = await organizer.get(f"{prefix}/challenges/{a.slug}/roster.csv")
    of_b = await organizer.get(f"{prefix}/challenges/{b.slug}/roster.csv")

    assert_csv_download(event, f"roster-{YEAR}.csv", "name,email,team,status,answers")
    assert_csv_download(of_a, f"roster-{a.slug}.csv")
    assert_csv_download(of_b, f"roster-{b.slug}.csv")
    me = world.organizer.id
    assert await audit(app) == [
        (me, "roster.export", f"event:{YEAR}", {"format": "csv", "rows": 0}),
        (me, "roster.export", f"challenge:{a.slug}", {"format": "csv", "rows": 0}),
        (me, "roster.export", f"challenge:{b.slug}", {"format": "csv", "rows": 0}),
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_host_member_downloads_only_own_challenge_rosters(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    own = await factories.challenge(db, world.event, world.host_a)
    own_draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    other = await factories.challenge(db, world.event, world.host_b)
    member = await client_factory(world.member_a)

    of_own = await member.get(f"{prefix}/challenges/{own.slug}/roster.csv")
    of_own_draft = await member.get(f"{prefix}/challenges/{own_draft.slug}/roster.csv")
    of_other = await member.get(f"{prefix}/challenges/{other.slug}/roster.csv")
    event = await member.get(f"{prefix}/events/{YEAR}/roster.csv")

    assert_csv_download(of_own, f"roster-{own.slug}.csv")
    assert_csv_download(of_own_draft, f"roster-{own_draft.slug}.csv")
    assert of_other.status_code == 403
    assert event.status_code == 403
    if prefix:
        assert of_other.json() == {
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": CHALLENGE_NOT_YOURS,
        }
        assert event.json() == {
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": EVENT_ONLY_ORGANIZERS,
        }
    else:
        assert CHALLENGE_NOT_YOURS in visible_text(of_other.text)
        assert EVENT_ONLY_ORGANIZERS in visible_text(event.text)
    assert await audit(app) == [
        (world.member_a.id, "roster.export", f"challenge:{own.slug}", {"format": "csv", "rows": 0}),
        (world.member_a.id, "roster.export", f"challenge:{own_draft.slug}", {"format": "csv", "rows": 0}),
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_participant_gets_403_for_every_roster(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    await factories.registration(db, c, world.alice)
    alice = await client_factory(world.alice)

    event = await alice.get(f"{prefix}/events/{YEAR}/roster.csv")
    challenge = await alice.get(f"{prefix}/challenges/{c.slug}/roster.csv")

    assert (event.status_code, challenge.status_code) == (403, 403)
    assert "alice@example.org" not in event.text + challenge.text
    assert await count(app, AuditEntry) == 0


async def test_anonymous_gets_401_from_api_and_login_redirect_from_pages(
    world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)

    for url in (f"/events/{YEAR}/roster.csv", f"/challenges/{c.slug}/roster.csv"):
        api = await anon.get(f"/api/v1{url}")
        page = await anon.get(url)
        assert (api.status_code, api.json()) == (
            401,
            {
                "type": "about:blank",
                "title": "Not authenticated",
                "status": 401,
                "detail": "Log in to continue.",
            },
        )
        assert (page.status_code, page.headers["location"]) == (302, f"/login?next={url}")
    assert await count(app, AuditEntry) == 0


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_unknown_event_or_challenge_roster_is_404(
    world: factories.World, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    organizer = await client_factory(world.organizer)
    member = await client_factory(world.member_a)

    responses = [
        await organizer.get(f"{prefix}/events/1999/roster.csv"),
        await organizer.get(f"{prefix}/challenges/no-such-thing/roster.csv"),
        await member.get(f"{prefix}/challenges/no-such-thing/roster.csv"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    if prefix:
        assert [r.json()["detail"] for r in responses] == [
            "There is no event '1999'.",
            "There is no challenge 'no-such-thing'.",
            "There is no challenge 'no-such-thing'.",
        ]
    assert await count(app, AuditEntry) == 0
