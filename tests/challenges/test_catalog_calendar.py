"""A calendar file (.ics) of any catalog view: the same filters as /challenges, every matching challenge
(not one page), the same file from the API and the pages; the catalog links to it with its filters."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from icalendar import Calendar
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.challenges import services
from digieduhack.clock import FixedClock
from digieduhack.models import ChallengeFormat, ChallengeStatus, HostKind
from tests import factories
from tests.challenges.helpers import YEAR, text_of
from tests.conftest import Client, ClientFactory


@pytest.fixture(autouse=True)
def fixed_clock(app: Litestar) -> None:
    app.state.clock = FixedClock(datetime(YEAR, 6, 1, tzinfo=UTC))


@pytest.fixture
async def many(world: factories.World, db: AsyncSession) -> None:
    """25 listed challenges (more than a page): online ones in Brussels, in-person ones in Nairobi (an NGO),
    some full; and some never listed."""
    world.host_b.kind = HostKind.NGO
    await db.commit()
    for n in range(25):
        online = n % 2 == 0
        c = await factories.challenge(
            db,
            world.event,
            world.host_a if online else world.host_b,
            title=f"{'Online' if online else 'Nairobi'} {n}",
            timezone="Europe/Brussels" if online else "Africa/Nairobi",
            fmt=ChallengeFormat.ONLINE if online else ChallengeFormat.IN_PERSON,
            start_hour=8 + n % 9,
            capacity=1,
            status=ChallengeStatus.CLOSED if n % 5 == 4 else ChallengeStatus.PUBLISHED,
        )
        if n % 3 == 0:
            await factories.registration(db, c, await factories.account(db))
    await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.CANCELLED)


async def catalog_slugs(anon: Client, params: dict[str, str]) -> list[str]:
    """Every slug of the filtered catalog, page after page, by start time."""
    slugs: list[str] = []
    page = 1
    while True:
        body = (await anon.get("/api/v1/challenges?" + urlencode({**params, "page": str(page)}))).json()
        slugs += [i["slug"] for i in body["items"]]
        if page >= body["pages"]:
            return slugs
        page += 1


async def calendar_uids(anon: Client, params: dict[str, str]) -> tuple[list[str], str]:
    """The UIDs of the file (the API's and the page's being the same file) and its name."""
    query = urlencode(params)
    files = [await anon.get(f"{prefix}/challenges/calendar.ics?{query}") for prefix in ("/api/v1", "")]
    for response in files:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="digieduhack-{YEAR}-challenges.ics"'
        )
    assert files[0].content == files[1].content
    calendar = Calendar.from_ical(files[0].content)
    return [str(e["UID"]) for e in calendar.events], str(calendar["X-WR-CALNAME"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"format": "in_person"},
        {"format": "online", "free": "true"},
        {"host_kind": "ngo", "q": "nairobi"},
        {"country": "be", "language": "en"},
        {"q": "no such words"},
    ],
)
async def test_calendar_file_holds_exactly_the_filtered_catalog_not_one_page(
    many: None, anon: Client, params: dict[str, str]
) -> None:
    expected = await catalog_slugs(anon, params)

    uids, name = await calendar_uids(anon, params)

    assert uids == [f"{slug}@digieduhack" for slug in expected]
    assert name == (f"DigiEduHack {YEAR} ({len(expected)} selected)" if params else f"DigiEduHack {YEAR}")
    if not params:
        assert len(uids) == 25  # more than the API's page of 20


async def test_catalog_page_links_to_the_calendar_of_its_filters_with_their_count(
    many: None, anon: Client
) -> None:
    response = await anon.get("/challenges?format=in_person&sort=title&per_page=5&page=2")
    links = text_of(response.text, "view-links")
    assert links == "Add these 12 challenges to your calendar (.ics) · See them on the timeline"
    assert f'<a id="catalog-calendar" href="/challenges/calendar.ics?event={YEAR}&amp;format=in_person">' in (
        response.text
    )
    assert f'<a id="catalog-schedule" href="/events/{YEAR}/schedule?format=in_person">' in response.text
    # htmx asks for the results only: the link follows the filters
    partial = await anon.get("/challenges?format=online&free=true", headers={"HX-Request": "true"})
    assert f'href="/challenges/calendar.ics?event={YEAR}&amp;format=online&amp;free=true"' in partial.text
    one = await anon.get("/challenges?q=nairobi+23")
    assert (
        text_of(one.text, "view-links")
        == "Add this challenge to your calendar (.ics) · See them on the timeline"
    )


async def test_too_many_challenges_for_one_file_are_refused_with_the_reason(
    many: None, anon: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_IN_ONE_VIEW", 12)
    detail = (
        "More than 12 challenges match: one view holds at most 12 (calendar apps give up on more). "
        "Narrow the filters, e.g. by country or format."
    )

    response = await anon.get("/api/v1/challenges/calendar.ics")

    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Too many challenges",
        "status": 400,
        "detail": detail,
    }
    page = await anon.get("/challenges/calendar.ics")
    assert page.status_code == 400
    assert detail in page.text
    assert (await anon.get("/api/v1/challenges/calendar.ics?format=in_person")).status_code == 200  # 12
    catalog = await anon.get("/challenges")
    assert text_of(catalog.text, "view-links") == (
        "To add them to your calendar, narrow the filters: a calendar file holds at most 12 challenges. "
        "· See them on the timeline"
    )


async def test_bad_filters_are_named_and_unknown_events_are_404(many: None, anon: Client) -> None:
    response = await anon.get("/api/v1/challenges/calendar.ics?format=teleport&country=Belgium")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "country", "message": "Must be at most 2 characters long."},
        {"field": "format", "message": "'teleport' is not one of the allowed choices."},
    ]
    assert (await anon.get("/challenges/calendar.ics?event=1999")).status_code == 404
    assert (await anon.get("/api/v1/challenges/calendar.ics?event=1999")).status_code == 404


async def test_calendar_of_a_view_documents_every_filter_of_the_catalog_api(
    client_factory: ClientFactory,
) -> None:
    client = await client_factory()
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def names(path: str) -> set[str]:
        return {p["name"] for p in paths[path]["get"].get("parameters", []) if p["in"] == "query"}

    # the same filters; sorting and paging do not apply to a calendar file
    not_for_files = {"sort", "page", "per_page"}
    assert names("/api/v1/challenges/calendar.ics") == names("/api/v1/challenges") - not_for_files
