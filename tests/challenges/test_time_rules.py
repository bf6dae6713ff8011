"""A challenge's times must fall on the event's dates (9–10 November) in the challenge's OWN time zone.

Every refusal is checked twice: the API answers problem details naming the field, the page answers 422
with the form again and the message in the element `error-<field>`; and nothing is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge
from tests import factories
from tests.challenges.helpers import (
    EVENT_WINDOW_TEXT,
    YEAR,
    api_body,
    challenge_row,
    count,
    form_data,
    local,
    text_of,
)
from tests.conftest import ClientFactory


def window(zone: str) -> str:
    return f"{EVENT_WINDOW_TEXT} ({zone})."


def start_outside(zone: str) -> tuple[str, str]:
    return "starts_at_local", f"The start must fall within the event's dates. {window(zone)}"


def end_outside(zone: str) -> tuple[str, str]:
    return "ends_at_local", f"The end must fall within the event's dates. {window(zone)}"


# (time zone, local start, local end, UTC start, UTC end)
ACCEPTED = {
    # UTC+05:45: the first minute of 9 Nov is still 8 Nov in UTC; the end may be midnight closing 10 Nov
    "kathmandu-whole-event": (
        "Asia/Kathmandu",
        (9, 0, 0),
        (11, 0, 0),
        datetime(YEAR, 11, 8, 18, 15),
        datetime(YEAR, 11, 10, 18, 15),
    ),
    # UTC+14: 09:00 on 9 Nov is 19:00 on 8 Nov in UTC
    "kiritimati-morning": (
        "Pacific/Kiritimati",
        (9, 9, 0),
        (10, 23, 59),
        datetime(YEAR, 11, 8, 19),
        datetime(YEAR, 11, 10, 9, 59),
    ),
    # UTC-08:00: an evening of 10 Nov ends on 11 Nov in UTC
    "los-angeles-evening": (
        "America/Los_Angeles",
        (10, 16, 0),
        (10, 23, 0),
        datetime(YEAR, 11, 11, 0),
        datetime(YEAR, 11, 11, 7),
    ),
    # midnight opening 9 Nov is allowed
    "brussels-midnight": (
        "Europe/Brussels",
        (9, 0, 0),
        (9, 8, 0),
        datetime(YEAR, 11, 8, 23),
        datetime(YEAR, 11, 9, 7),
    ),
}


@pytest.mark.parametrize("case", ACCEPTED)
async def test_times_within_event_dates_in_own_zone_are_accepted_by_api_and_page(
    world: factories.World, app: Litestar, client_factory: ClientFactory, case: str
) -> None:
    zone, (d1, h1, m1), (d2, h2, m2), starts_utc, ends_utc = ACCEPTED[case]
    expected = (zone, starts_utc.replace(tzinfo=UTC), ends_utc.replace(tzinfo=UTC))
    member = await client_factory(world.member_a)

    api = await member.post(
        "/api/v1/hosts/leuven-lab/challenges",
        json=api_body(
            timezone=zone, starts_at_local=local(d1, h1, m1) + ":00", ends_at_local=local(d2, h2, m2) + ":00"
        ),
    )
    page = await member.submit(
        "/hosts/leuven-lab/challenges/new",
        form_data(timezone=zone, starts_at_local=local(d1, h1, m1), ends_at_local=local(d2, h2, m2)),
    )

    assert api.status_code == 201, api.text
    row = await challenge_row(app, api.json()["slug"])
    assert (row.timezone, row.starts_at, row.ends_at) == expected
    assert page.status_code == 302, page.text
    row = await challenge_row(app, page.headers["location"].removeprefix("/challenges/"))
    assert (row.timezone, row.starts_at, row.ends_at) == expected


# (changes to the form, as strings; the fields refused with their exact messages)
REFUSED: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {
    "start-23:30-on-8-nov": (
        {"timezone": "Europe/Brussels", "starts_at_local": local(8, 23, 30)},
        [start_outside("Europe/Brussels")],
    ),
    # 20:00 on 8 Nov in Los Angeles is 04:00 on 9 Nov in UTC: refused all the same
    "los-angeles-evening-before": (
        {"timezone": "America/Los_Angeles", "starts_at_local": local(8, 20)},
        [start_outside("America/Los_Angeles")],
    ),
    # 01:00 on 11 Nov at UTC+14 is 11:00 on 10 Nov in UTC: refused all the same
    "kiritimati-day-after": (
        {"timezone": "Pacific/Kiritimati", "starts_at_local": local(11, 1), "ends_at_local": local(11, 5)},
        [start_outside("Pacific/Kiritimati"), end_outside("Pacific/Kiritimati")],
    ),
    # 00:15 on 11 Nov at UTC+05:45 is 18:30 on 10 Nov in UTC: refused all the same
    "kathmandu-end-after-midnight": (
        {"timezone": "Asia/Kathmandu", "starts_at_local": local(10, 9), "ends_at_local": local(11, 0, 15)},
        [end_outside("Asia/Kathmandu")],
    ),
    "end-before-start": (
        {"starts_at_local": local(9, 17), "ends_at_local": local(9, 9)},
        [("ends_at_local", "The end must be after the start.")],
    ),
    "end-equal-to-start": (
        {"starts_at_local": local(9, 9), "ends_at_local": local(9, 9)},
        [("ends_at_local", "The end must be after the start.")],
    ),
    "unknown-time-zone": (
        {"timezone": "Mars/Olympus_Mons"},
        [("timezone", "'Mars/Olympus_Mons' is not a known IANA time zone, e.g. Europe/Brussels.")],
    ),
    "in-person-without-city": (
        {"format": "in_person", "country": "BE", "city": " "},
        [("city", "Give the city of the venue (needed unless the challenge is online).")],
    ),
}


def json_changes(changes: dict[str, str]) -> dict[str, str]:
    return {k: v + ":00" if k.endswith("_local") else v for k, v in changes.items()}


@pytest.mark.parametrize("case", REFUSED)
async def test_invalid_challenge_is_refused_by_api_and_page_naming_the_field_and_nothing_is_saved(
    world: factories.World, app: Litestar, client_factory: ClientFactory, case: str
) -> None:
    changes, errors = REFUSED[case]
    member = await client_factory(world.member_a)

    api = await member.post("/api/v1/hosts/leuven-lab/challenges", json=api_body(**json_changes(changes)))
    page = await member.submit("/hosts/leuven-lab/challenges/new", form_data(**changes))

    assert api.status_code == 422, api.text
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json() == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": "; ".join(f"{field}: {message}" for field, message in errors),
        "errors": [{"field": field, "message": message} for field, message in errors],
    }
    assert page.status_code == 422, page.text
    for field, message in errors:
        assert text_of(page.text, f"error-{field}") == message
    # the form comes back with what was typed
    assert 'action="/hosts/leuven-lab/challenges/new"' in page.text
    assert 'name="title" type="text" value="Learning analytics for teachers"' in page.text
    assert await count(app, Challenge) == 0


async def test_invalid_edit_through_api_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, timezone="Asia/Kathmandu")
    before = await challenge_row(app, c.slug)
    member = await client_factory(world.member_a)

    response = await member.put(
        f"/api/v1/challenges/{c.slug}",
        json=api_body(
            title="A new title", timezone="Asia/Kathmandu", starts_at_local=f"{YEAR}-11-08T23:59:00"
        ),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [dict(zip(("field", "message"), start_outside("Asia/Kathmandu")))]
    after = await challenge_row(app, c.slug)
    assert (after.title, after.starts_at, after.ends_at, after.updated_at) == (
        before.title,
        before.starts_at,
        before.ends_at,
        before.updated_at,
    )


async def test_invalid_edit_from_page_shows_form_again_and_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    before = await challenge_row(app, c.slug)
    member = await client_factory(world.member_a)

    response = await member.submit(
        f"/challenges/{c.slug}/edit",
        form_data(title="A new title", starts_at_local=local(9, 12), ends_at_local=local(9, 11)),
    )

    assert response.status_code == 422
    assert text_of(response.text, "error-ends_at_local") == "The end must be after the start."
    assert f'action="/challenges/{c.slug}/edit"' in response.text
    after = await challenge_row(app, c.slug)
    assert (after.title, after.starts_at, after.ends_at) == (before.title, before.starts_at, before.ends_at)


async def test_api_refuses_fields_a_host_may_not_set(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)

    response = await member.post("/api/v1/hosts/leuven-lab/challenges", json=api_body(status="published"))

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "status", "message": "Unknown field."}]
    assert await count(app, Challenge) == 0
