"""The public catalog: published (and closed) challenges of one edition, by start time, in pages."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, ChallengeStatus
from tests import factories
from tests.challenges.helpers import YEAR, visible_text
from tests.conftest import Client


@dataclasses.dataclass
class Catalog:
    kiritimati: Challenge
    kathmandu: Challenge
    brussels_closed: Challenge
    los_angeles: Challenge
    old: Challenge


@pytest.fixture
async def catalog(world: factories.World, db: AsyncSession) -> Catalog:
    """Four listed challenges, all at 09:00 local on 9 Nov: ordered by their UTC start, not by creation."""
    ev, a, b = world.event, world.host_a, world.host_b
    los_angeles = await factories.challenge(db, ev, a, title="Los Angeles", timezone="America/Los_Angeles")
    brussels = await factories.challenge(
        db, ev, b, title="Brussels closed", timezone="Europe/Brussels", status=ChallengeStatus.CLOSED
    )
    kathmandu = await factories.challenge(db, ev, b, title="Kathmandu", timezone="Asia/Kathmandu")
    kiritimati = await factories.challenge(db, ev, a, title="Kiritimati", timezone="Pacific/Kiritimati")
    # never listed: a draft, a cancelled challenge
    await factories.challenge(db, ev, a, title="Secret draft", status=ChallengeStatus.DRAFT)
    await factories.challenge(db, ev, a, title="Called off", status=ChallengeStatus.CANCELLED)
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, a, title="Back in 2021")
    await factories.challenge(db, past, a, title="Old draft", status=ChallengeStatus.DRAFT)
    return Catalog(kiritimati, kathmandu, brussels, los_angeles, old)


async def slugs(anon: Client, query: str) -> tuple[int, list[str], dict[str, int]]:
    response = await anon.get(f"/api/v1/challenges{query}")
    body = response.json()
    if response.status_code != 200:
        return response.status_code, [], {}
    return (
        200,
        [i["slug"] for i in body["items"]],
        {k: body[k] for k in ("page", "per_page", "total", "pages")},
    )


async def test_api_catalog_lists_published_and_closed_challenges_of_current_event_by_start_time(
    catalog: Catalog, anon: Client
) -> None:
    order = [catalog.kiritimati, catalog.kathmandu, catalog.brussels_closed, catalog.los_angeles]

    assert await slugs(anon, "") == (
        200,
        [c.slug for c in order],
        {"page": 1, "per_page": 20, "total": 4, "pages": 1},
    )
    assert await slugs(anon, "?per_page=3") == (
        200,
        [c.slug for c in order[:3]],
        {"page": 1, "per_page": 3, "total": 4, "pages": 2},
    )
    assert await slugs(anon, "?per_page=3&page=2") == (
        200,
        [catalog.los_angeles.slug],
        {"page": 2, "per_page": 3, "total": 4, "pages": 2},
    )
    assert await slugs(anon, "?per_page=3&page=3") == (
        200,
        [],
        {"page": 3, "per_page": 3, "total": 4, "pages": 2},
    )


async def test_api_catalog_item_shows_times_in_utc_and_in_the_challenge_zone(
    catalog: Catalog, anon: Client
) -> None:
    item = (await anon.get("/api/v1/challenges?per_page=1")).json()["items"][0]

    assert {
        k: item[k] for k in ("slug", "timezone", "starts_at", "starts_at_local", "status", "free_places")
    } == {
        "slug": catalog.kiritimati.slug,
        "timezone": "Pacific/Kiritimati",
        "starts_at": f"{YEAR}-11-08T19:00:00Z",
        "starts_at_local": f"{YEAR}-11-09T09:00:00+14:00",
        "status": "published",
        "free_places": 10,
    }


async def test_api_catalog_of_another_edition_by_event_slug(catalog: Catalog, anon: Client) -> None:
    assert await slugs(anon, "?event=2021") == (
        200,
        [catalog.old.slug],
        {"page": 1, "per_page": 20, "total": 1, "pages": 1},
    )
    assert await slugs(anon, f"?event={YEAR}&per_page=2") == (
        200,
        [catalog.kiritimati.slug, catalog.kathmandu.slug],
        {"page": 1, "per_page": 2, "total": 4, "pages": 2},
    )
    missing = await anon.get("/api/v1/challenges?event=1999")
    assert (missing.status_code, missing.json()["detail"]) == (404, "There is no event '1999'.")


async def test_api_catalog_refuses_bad_paging(catalog: Catalog, anon: Client) -> None:
    for query in ("?per_page=0", "?per_page=101", "?page=0", "?page=abc"):
        response = await anon.get(f"/api/v1/challenges{query}")

        assert response.status_code == 400, query
        assert response.json()["title"] == "Bad request"


def titles(page_html: str) -> list[str]:
    return [
        html.unescape(t) for t in re.findall(r'<h2><a href="/challenges/[^"]+">([^<]+)</a></h2>', page_html)
    ]


def pager(page_html: str) -> dict[str, str]:
    return {
        rel: html.unescape(href)
        for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', page_html)
    }


async def test_catalog_page_lists_the_same_challenges_in_the_same_order(
    catalog: Catalog, anon: Client
) -> None:
    for path in ("/", "/challenges"):
        response = await anon.get(path)

        assert response.status_code == 200
        assert titles(response.text) == ["Kiritimati", "Kathmandu", "Brussels closed", "Los Angeles"]
        assert pager(response.text) == {}
        text = visible_text(response.text)
        assert "4 challenges" in text
        assert "Registration closed" in text
        old_edition = await anon.get(f"{path}?event=2021")
        assert titles(old_edition.text) == ["Back in 2021"]


async def test_catalog_page_has_pager_links(catalog: Catalog, app: Litestar, anon: Client) -> None:
    app.state.settings = dataclasses.replace(app.state.settings, page_size=3)

    first = await anon.get("/")
    second = await anon.get(pager(first.text)["next"])

    assert titles(first.text) == ["Kiritimati", "Kathmandu", "Brussels closed"]
    assert pager(first.text) == {"next": f"/challenges?event={YEAR}&page=2"}
    assert "Page 1 of 2" in visible_text(first.text)
    assert titles(second.text) == ["Los Angeles"]
    assert pager(second.text) == {"prev": f"/challenges?event={YEAR}&page=1"}
    assert "Page 2 of 2" in visible_text(second.text)


def shown(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%a %-d %b %Y, %H:%M")


async def test_challenge_page_shows_times_in_its_own_zone_with_utc_offset(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    weekday = date(YEAR, 11, 9).strftime("%a")
    for zone, offset in (
        ("Asia/Kathmandu", "UTC+05:45"),
        ("Pacific/Kiritimati", "UTC+14:00"),
        ("America/Los_Angeles", "UTC-08:00"),
        ("Europe/Brussels", "UTC+01:00"),
    ):
        c = await factories.challenge(db, world.event, world.host_a, timezone=zone, start_hour=9, hours=8)

        response = await anon.get(f"/challenges/{c.slug}")

        assert response.status_code == 200
        text = visible_text(response.text)
        assert f"Starts {weekday} 9 Nov {YEAR}, 09:00 {zone}, {offset}" in text
        assert f"Ends {weekday} 9 Nov {YEAR}, 17:00 {zone}, {offset}" in text
        starts, ends = c.starts_at.astimezone(UTC), c.ends_at.astimezone(UTC)
        assert f"In UTC {shown(starts, 'UTC')} – {shown(ends, 'UTC')}" in text
        assert f'<time datetime="{starts.isoformat()}">' in response.text


async def test_htmx_request_for_the_catalog_gets_only_the_results_fragment(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    await factories.challenge(db, world.event, world.host_a, title="Fragment challenge")
    full = await anon.get("/challenges")
    fragment = await anon.get("/challenges", headers={"HX-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    assert full.text.lstrip().startswith("<!doctype html>")
    assert fragment.text.lstrip().startswith('<div id="catalog-results">')
    assert "<html" not in fragment.text
    assert "Fragment challenge" in fragment.text
