"""Organizers set up an edition (dates, registration window in UTC, themes) and change it, from a page or
the API; nobody else can; every rule names its field; new dates may not strand existing challenges."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from digieduhack.models import AuditEntry, ChallengeStatus, Event
from tests import factories
from tests.challenges.helpers import YEAR, count, fetch_all, text_of, visible_text
from tests.conftest import Client, ClientFactory
from tests.events.helpers import NEXT, event_body, event_form, set_clock, utc
from tests.security.support import assert_problem

NOW = utc(YEAR, 6, 1, 12)  # the world's edition (9-10 November YEAR) is still to come


@pytest.fixture(autouse=True)
def clock(app: Litestar) -> None:
    set_clock(app, NOW)


EXPECTED_OUT = {
    "slug": str(NEXT),
    "name": f"DigiEduHack {NEXT}",
    "starts_on": f"{NEXT}-11-09",
    "ends_on": f"{NEXT}-11-10",
    "registration_opens_at": f"{NEXT}-09-01T08:00:00Z",
    "registration_closes_at": f"{NEXT}-11-11T12:00:00Z",
    "themes": ["Inclusion", "AI in the classroom"],
}


def errors_of(html: str) -> list[str]:
    return re.findall(r'<p class="error" id="error-(\w+)">([^<]*)', html)


async def event_row(app: Litestar, slug: str) -> Event | None:
    rows = await fetch_all(app, select(Event).where(Event.slug == slug))
    return rows[0][0] if rows else None


async def audit(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    rows = await fetch_all(
        app, select(AuditEntry.action, AuditEntry.target, AuditEntry.details).order_by(AuditEntry.id)
    )
    return [tuple(r) for r in rows]


# --- creating ----------------------------------------------------------------------------------------
async def test_organizer_creates_an_edition_through_the_api(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)

    r = await organizer.post("/api/v1/events", json=event_body())

    assert r.status_code == 201, r.text
    assert r.json() == EXPECTED_OUT
    assert (await organizer.get(f"/api/v1/events/{NEXT}")).json() == EXPECTED_OUT
    row = await event_row(app, str(NEXT))
    assert row is not None
    assert (row.starts_on, row.ends_on) == (date(NEXT, 11, 9), date(NEXT, 11, 10))
    assert (row.registration_opens_at, row.registration_closes_at) == (
        utc(NEXT, 9, 1, 8),
        utc(NEXT, 11, 11, 12),
    )
    assert await audit(app) == [
        (
            "event.create",
            f"event:{NEXT}",
            {
                "slug": str(NEXT),
                "name": f"DigiEduHack {NEXT}",
                "starts_on": f"{NEXT}-11-09",
                "ends_on": f"{NEXT}-11-10",
                "registration_opens_at": f"{NEXT}-09-01T08:00:00+00:00",
                "registration_closes_at": f"{NEXT}-11-11T12:00:00+00:00",
                "themes": ["Inclusion", "AI in the classroom"],
            },
        )
    ]


async def test_api_takes_the_registration_window_in_any_offset_and_stores_it_in_utc(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    body = event_body(registration_opens_at=f"{NEXT}-09-01T10:00:00+02:00", registration_closes_at=None)

    r = await organizer.post("/api/v1/events", json=body)

    assert r.status_code == 201, r.text
    assert (r.json()["registration_opens_at"], r.json()["registration_closes_at"]) == (
        f"{NEXT}-09-01T08:00:00Z",
        None,
    )


async def test_organizer_creates_an_edition_from_the_page_with_the_window_in_utc(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    form = await organizer.get("/events/new")
    assert form.status_code == 200
    assert 'name="registration_opens_at" type="datetime-local"' in form.text
    assert "Registration opens (UTC)" in visible_text(form.text)

    r = await organizer.submit("/events/new", event_form())

    assert (r.status_code, r.headers["location"]) == (302, "/events")
    listing = await organizer.get("/events")
    assert "Edition created" in visible_text(listing.text)
    row = await event_row(app, str(NEXT))
    assert row is not None
    assert (row.registration_opens_at, row.registration_closes_at) == (
        utc(NEXT, 9, 1, 8),
        utc(NEXT, 11, 11, 12),
    )
    assert row.themes == ["Inclusion", "AI in the classroom"]
    assert [a[0] for a in await audit(app)] == ["event.create"]


async def test_blank_window_and_themes_on_the_page_mean_none(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)

    r = await organizer.submit(
        "/events/new", event_form(registration_opens_at="", registration_closes_at="", themes="  \r\n")
    )

    assert r.status_code == 302, r.text
    row = await event_row(app, str(NEXT))
    assert row is not None
    assert (row.registration_opens_at, row.registration_closes_at, row.themes) == (None, None, [])


# --- who may --------------------------------------------------------------------------------------
async def test_only_organizers_create_or_edit_editions(
    world: factories.World, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    member = await client_factory(world.member_a)
    participant = await client_factory(world.alice)
    y = world.event.slug
    for client in (member, participant):
        assert_problem(
            await client.post("/api/v1/events", json=event_body()), 403, detail="Only organizers can do this."
        )
        assert_problem(await client.put(f"/api/v1/events/{y}", json=event_body(slug=y)), 403)
        for path in ("/events/new", f"/events/{y}/edit"):
            assert (await client.get(path)).status_code == 403
            page = await client.submit(path, event_form(slug=y))
            assert page.status_code == 403
            assert "Only organizers can do this." in visible_text(page.text)
    assert_problem(await anon.post("/api/v1/events", json=event_body()), 401)
    assert_problem(await anon.put(f"/api/v1/events/{y}", json=event_body(slug=y)), 401)
    for path in ("/events/new", f"/events/{y}/edit"):
        assert (await anon.get(path)).headers["location"] == f"/login?next={path}"
        assert (await anon.submit(path, event_form())).status_code in (302, 303)
    assert await count(app, Event) == 1
    assert await count(app, AuditEntry) == 0
    assert (await event_row(app, y)).name == world.event.name  # type: ignore[union-attr]


async def test_organizers_see_the_edit_links_and_others_do_not(
    world: factories.World, client_factory: ClientFactory, anon: Client
) -> None:
    organizer = await client_factory(world.organizer)
    page = (await organizer.get("/events")).text
    assert 'href="/events/new"' in page and f'href="/events/{YEAR}/edit"' in page
    for client in (anon, await client_factory(world.member_a)):
        page = (await client.get("/events")).text
        assert 'href="/events/new"' not in page and "/edit" not in page


# --- each rule, named on its field -----------------------------------------------------------------
RULES = [
    # (changes, status, field, message)
    ({"slug": "Edition 2031"}, 400, "slug", "Contains characters that are not allowed."),
    ({"slug": "-2031"}, 400, "slug", "Contains characters that are not allowed."),
    ({"slug": "ab"}, 400, "slug", "Must be at least 3 characters long."),
    ({"slug": "a" * 41}, 400, "slug", "Must be at most 40 characters long."),
    ({"name": "ab"}, 400, "name", "Must be at least 3 characters long."),
    ({"name": "x" * 121}, 400, "name", "Must be at most 120 characters long."),
    ({"name": "  a  "}, 422, "name", "Must be at least 3 characters long."),
    ({"starts_on": "9 November"}, 400, "starts_on", "Invalid RFC3339 encoded date"),
    ({"ends_on": f"{NEXT}-11-08"}, 422, "ends_on", "The last day cannot be before the first day."),
    (
        {"ends_on": f"{NEXT}-11-16"},
        422,
        "ends_on",
        "An edition lasts at most 7 days (these dates span 8).",
    ),
    ({"starts_on": "1999-11-09"}, 422, "starts_on", "Give a date between 2000 and 2100."),
    (
        {"ends_on": "9999-12-31"},
        422,
        "ends_on",
        "Give a date between 2000 and 2100.",
    ),
    (
        {"starts_on": f"{YEAR}-05-30", "ends_on": f"{YEAR}-05-31", "registration_closes_at": None},
        422,
        "ends_on",
        "This day is already over everywhere: an edition's dates are still to come.",
    ),
    (
        {"registration_closes_at": f"{NEXT}-11-11T12:00:01Z"},
        422,
        "registration_closes_at",
        f"Registration must close by 11 November {NEXT}, 12:00 UTC, when the last day is over everywhere.",
    ),
    (
        {"registration_opens_at": f"{NEXT}-11-11T12:00:00Z", "registration_closes_at": None},
        422,
        "registration_opens_at",
        f"Registration must open before 11 November {NEXT}, 12:00 UTC, when the last day is over everywhere.",
    ),
    (
        {
            "registration_opens_at": f"{NEXT}-11-01T00:00:00Z",
            "registration_closes_at": f"{NEXT}-11-01T00:00:00Z",
        },
        422,
        "registration_closes_at",
        "Registration must close after it opens.",
    ),
    (
        {"registration_opens_at": f"{NEXT}-09-01T08:00:00"},
        400,
        "registration_opens_at",
        "Give the time zone too, e.g. 2027-11-10T12:00:00Z for 12:00 UTC.",
    ),
    ({"themes": ["Inclusion", " inclusion "]}, 422, "themes", "'inclusion' is listed twice."),
    ({"themes": [" a "]}, 422, "themes", "Each theme has 2 to 40 characters: 'a' does not fit."),
    ({"themes": ["a"]}, 400, "themes[0]", "Must be at least 2 characters long."),
    ({"themes": [f"t{i:02d}" for i in range(21)]}, 400, "themes", "Give at most 20 items."),
    ({"themes": ["tab\x07bell"]}, 422, "themes", "A theme contains characters that are not allowed."),
    ({"is_past": True}, 400, "is_past", "Unknown field."),
]


@pytest.mark.parametrize(("changes", "status", "field", "message"), RULES)
async def test_api_refuses_each_broken_rule_on_its_field(
    world: factories.World,
    app: Litestar,
    client_factory: ClientFactory,
    changes: dict[str, Any],
    status: int,
    field: str,
    message: str,
) -> None:
    organizer = await client_factory(world.organizer)

    r = await organizer.post("/api/v1/events", json=event_body(**changes))

    assert_problem(r, status, errors=[{"field": field, "message": message}])
    assert await count(app, Event) == 1
    assert await count(app, AuditEntry) == 0


async def test_registration_may_close_exactly_when_the_last_day_is_over_everywhere(
    world: factories.World, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    # 7 days, the longest an edition may last, and the window's latest close: noon UTC after the last day
    body = event_body(ends_on=f"{NEXT}-11-15", registration_closes_at=f"{NEXT}-11-16T12:00:00Z")

    r = await organizer.post("/api/v1/events", json=body)

    assert r.status_code == 201, r.text


async def test_page_shows_each_refused_field_next_to_it_and_keeps_the_input(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    form = event_form(
        name="DigiEduHack next",
        ends_on=f"{NEXT}-11-20",
        registration_opens_at=f"{NEXT}-11-01T10:00",
        registration_closes_at=f"{NEXT}-11-01T09:00",
        themes="Inclusion\ninclusion",
    )

    r = await organizer.submit("/events/new", form)

    assert r.status_code == 422
    assert text_of(r.text, "error-ends_on") == "An edition lasts at most 7 days (these dates span 12)."
    assert text_of(r.text, "error-registration_closes_at") == "Registration must close after it opens."
    assert text_of(r.text, "error-themes") == "'inclusion' is listed twice."
    assert 'value="DigiEduHack next"' in r.text and "Inclusion\ninclusion</textarea>" in r.text
    assert await count(app, Event) == 1


async def test_page_refuses_a_malformed_slug_and_a_missing_date(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    r = await organizer.submit("/events/new", event_form(slug="Next Year"))
    assert r.status_code == 422
    assert text_of(r.text, "error-slug") == "Contains characters that are not allowed."
    r = await organizer.submit("/events/new", event_form(starts_on=""))
    assert r.status_code == 422
    assert text_of(r.text, "error-starts_on") == "This field is required."
    r = await organizer.submit("/events/new", event_form(registration_opens_at="tomorrow"))
    assert r.status_code == 422
    assert text_of(r.text, "error-registration_opens_at") == "Enter a date and time as YYYY-MM-DDTHH:MM:SS."
    assert await count(app, Event) == 1


async def test_a_slug_already_taken_is_refused_on_the_slug(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    taken = f"There is already an edition '{YEAR}': choose another slug."

    api = await organizer.post("/api/v1/events", json=event_body(slug=str(YEAR)))
    page = await organizer.submit("/events/new", event_form(slug=str(YEAR)))

    assert_problem(api, 422, errors=[{"field": "slug", "message": taken}])
    assert (page.status_code, text_of(page.text, "error-slug")) == (422, taken)
    assert await count(app, Event) == 1


# --- editing ----------------------------------------------------------------------------------------
async def test_organizer_edits_an_edition_through_the_api_and_the_change_is_audited(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    y = str(YEAR)
    body = event_body(
        slug=y,
        name=f"DigiEduHack {YEAR}: learning together",
        starts_on=f"{YEAR}-11-08",
        ends_on=f"{YEAR}-11-10",
        registration_opens_at=None,
        registration_closes_at=f"{YEAR}-11-09T12:00:00Z",
        themes=["Inclusion"],
    )

    r = await organizer.put(f"/api/v1/events/{y}", json=body)

    assert r.status_code == 200, r.text
    assert r.json() == {**body, "registration_closes_at": f"{YEAR}-11-09T12:00:00Z"}
    assert await audit(app) == [
        (
            "event.update",
            f"event:{y}",
            {
                "changes": {
                    "name": [f"DigiEduHack {YEAR}", f"DigiEduHack {YEAR}: learning together"],
                    "starts_on": [f"{YEAR}-11-09", f"{YEAR}-11-08"],
                    "registration_closes_at": [None, f"{YEAR}-11-09T12:00:00+00:00"],
                    "themes": [[], ["Inclusion"]],
                }
            },
        )
    ]


async def test_organizer_edits_an_edition_from_its_page(
    world: factories.World, app: Litestar, client_factory: ClientFactory, db: Any
) -> None:
    world.event.registration_closes_at = utc(YEAR, 11, 10, 18, 30)
    world.event.themes = ["Inclusion", "Open data"]
    await db.commit()
    organizer = await client_factory(world.organizer)
    y = str(YEAR)

    form = await organizer.get(f"/events/{y}/edit")

    assert form.status_code == 200
    assert f'value="{YEAR}-11-10T18:30"' in form.text  # shown in UTC, as labelled
    assert "Inclusion\nOpen data</textarea>" in form.text
    r = await organizer.submit(
        f"/events/{y}/edit",
        event_form(
            slug=y,
            starts_on=f"{YEAR}-11-09",
            ends_on=f"{YEAR}-11-11",
            registration_opens_at="",
            registration_closes_at=f"{YEAR}-11-12T12:00",
        ),
    )
    assert (r.status_code, r.headers["location"]) == (302, "/events")
    row = await event_row(app, y)
    assert row is not None
    assert (row.ends_on, row.registration_opens_at, row.registration_closes_at) == (
        date(YEAR, 11, 11),
        None,
        utc(YEAR, 11, 12, 12),
    )
    assert [a[0] for a in await audit(app)] == ["event.update"]


async def test_an_edition_cannot_take_the_slug_of_another(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    assert (await organizer.post("/api/v1/events", json=event_body())).status_code == 201

    r = await organizer.put(f"/api/v1/events/{YEAR}", json=event_body(slug=str(NEXT)))

    taken = f"There is already an edition '{NEXT}': choose another slug."
    assert_problem(r, 422, errors=[{"field": "slug", "message": taken}])


async def test_editing_an_unknown_edition_is_404(
    world: factories.World, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    assert_problem(await organizer.put("/api/v1/events/1999", json=event_body()), 404)
    assert (await organizer.get("/events/1999/edit")).status_code == 404


# --- dates that would strand challenges --------------------------------------------------------------
async def test_new_dates_may_not_leave_challenges_outside_the_edition(
    world: factories.World, app: Litestar, db: Any, client_factory: ClientFactory
) -> None:
    ev, y = world.event, str(YEAR)
    # day 1 at 09:00 in Kiribati is still day 0 in UTC; day 2 at 20:00 in Honolulu is day 3 in UTC
    await factories.challenge(db, ev, world.host_a, timezone="Pacific/Kiritimati", start_hour=9)
    await factories.challenge(db, ev, world.host_a, timezone="Europe/Brussels", start_hour=9)
    late = await factories.challenge(db, ev, world.host_b, timezone="Pacific/Honolulu", start_hour=20)
    late.starts_at += timedelta(days=1)
    late.ends_at = late.starts_at + timedelta(hours=3)
    # a cancelled challenge is no reason to refuse
    await factories.challenge(db, ev, world.host_b, status=ChallengeStatus.CANCELLED, start_hour=9)
    await db.commit()
    organizer = await client_factory(world.organizer)

    window = {"registration_opens_at": None, "registration_closes_at": None}
    shorter = event_body(slug=y, starts_on=f"{YEAR}-11-10", ends_on=f"{YEAR}-11-10", **window)
    r = await organizer.put(f"/api/v1/events/{y}", json=shorter)

    assert_problem(
        r,
        422,
        errors=[
            {
                "field": "starts_on",
                "message": f"2 challenges of this edition would start before 10 November {YEAR} in their "
                "own time zone: move or cancel them first.",
            }
        ],
    )
    blank = {"registration_opens_at": "", "registration_closes_at": ""}
    earlier = event_form(slug=y, starts_on=f"{YEAR}-11-09", ends_on=f"{YEAR}-11-09", **blank)
    page = await organizer.submit(f"/events/{y}/edit", earlier)
    assert page.status_code == 422, errors_of(page.text)
    assert text_of(page.text, "error-ends_on") == (
        f"1 challenge of this edition would end after 9 November {YEAR} in their own time zone: "
        "move or cancel them first."
    )
    row = await event_row(app, y)
    assert row is not None and (row.starts_on, row.ends_on) == (date(YEAR, 11, 9), date(YEAR, 11, 10))
    assert await count(app, AuditEntry) == 0
    # dates that still hold every challenge are fine
    wider = event_body(slug=y, starts_on=f"{YEAR}-11-08", ends_on=f"{YEAR}-11-11", **window)
    assert (await organizer.put(f"/api/v1/events/{y}", json=wider)).status_code == 200


async def test_a_past_edition_cannot_be_edited(
    world: factories.World, app: Litestar, db: Any, client_factory: ClientFactory
) -> None:
    await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    organizer = await client_factory(world.organizer)
    over = "DigiEduHack 2021 is over: past editions are an archive and can't be changed."

    api = await organizer.put("/api/v1/events/2021", json=event_body(slug="2021"))
    form = await organizer.get("/events/2021/edit")
    page = await organizer.submit("/events/2021/edit", event_form(slug="2021"))

    assert_problem(api, 409, detail=over)
    for r in (form, page):
        assert r.status_code == 409
        assert over in visible_text(r.text)
    assert (await event_row(app, "2021")).name == "DigiEduHack 2021"  # type: ignore[union-attr]
    assert await count(app, AuditEntry) == 0
