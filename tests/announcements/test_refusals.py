"""Invalid input is refused with the field named (API) or the message next to the field (page); a past
edition is an archive (409); an audience with nobody in it is refused (409); a preview writes nothing, nor
does any refusal; 10 announcements per hour and account, then 429 with Retry-After."""

from __future__ import annotations

from datetime import date

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.announcements.support import announcements, cast, note, nothing_written
from tests.challenges.helpers import visible_text
from tests.conftest import ClientFactory
from tests.security.support import assert_problem

CHALLENGE = "/api/v1/challenges/robots/announcements"


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        # blank: the service's rule (422)
        (note(subject=""), 422, "subject", "Write a subject."),
        (note(subject="   "), 422, "subject", "Write a subject."),
        (note(subject="Two\nlines"), 422, "subject", "The subject is one line."),
        (note(body=""), 422, "body", "Write the message."),
        (note(body="\n  \n"), 422, "body", "Write the message."),
        # the schema's limits, wrong choices, missing or unknown fields: 400, like every size limit of the API
        (note(subject="x" * 151), 400, "subject", "Must be at most 150 characters long."),
        (note(body="x" * 10_001), 400, "body", "Must be at most 10000 characters long."),
        (note(audience="event_hosts"), 400, "audience", "'event_hosts' is not one of the allowed choices."),
        ({"subject": "Hi"}, 400, "body", "This field is required."),
        (note(status="confirmed"), 400, "status", "Unknown field."),
    ],
)
async def test_invalid_input_is_refused_naming_the_field_in_the_api_and_nothing_is_written(
    app: Litestar,
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    body: dict[str, object],
    status: int,
    field: str,
    message: str,
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    for path in (f"{CHALLENGE}/preview", CHALLENGE):
        problem = assert_problem(await hanne.post(path, json=body), status)
        assert problem["errors"] == [{"field": field, "message": message}], problem
    assert await nothing_written(app)


async def test_an_event_announcement_takes_only_event_audiences(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.post(
        f"/api/v1/events/{world.event.slug}/announcements", json=note(audience="challenge_all")
    )
    problem = assert_problem(r, 400)
    assert problem["errors"] == [
        {"field": "audience", "message": "'challenge_all' is not one of the allowed choices."}
    ]
    assert await nothing_written(app)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"subject": "", "body": "Hello"}, "subject", "Write a subject."),
        ({"subject": "Hi", "body": " "}, "body", "Write the message."),
        ({"subject": "x" * 151, "body": "Hello"}, "subject", "Must be at most 150 characters long."),
        ({"subject": "Hi", "body": "x" * 10_001}, "body", "Must be at most 10000 characters long."),
    ],
)
async def test_on_the_page_the_form_comes_back_with_the_message_next_to_the_field(
    app: Litestar,
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    form: dict[str, str],
    field: str,
    message: str,
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    for path, extra in [
        ("/challenges/robots/announcements/preview", {}),
        ("/challenges/robots/announcements", {"confirm": "yes"}),
    ]:
        r = await hanne.submit(path, {"audience": "challenge_all", **form, **extra})
        assert r.status_code == 422, r.text
        assert f'<p class="error" id="error-{field}">{message}</p>' in r.text
        assert f'aria-describedby="error-{field}"' in r.text or f"error-{field}" in r.text
        assert f'id="f-{field}"' in r.text
    assert await nothing_written(app)


async def test_a_preview_writes_nothing(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    assert (await hanne.post(f"{CHALLENGE}/preview", json=note())).status_code == 200
    page = await hanne.submit("/challenges/robots/announcements/preview", note(audience="challenge_all"))
    assert page.status_code == 200
    # a send without the confirmation is a preview too
    unconfirmed = await hanne.submit("/challenges/robots/announcements", note(audience="challenge_all"))
    assert unconfirmed.status_code == 200 and "This will be sent to 3 people." in visible_text(
        unconfirmed.text
    )
    assert await nothing_written(app)


async def test_a_challenge_of_a_past_edition_is_an_archive(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, world.host_a, slug="old")
    await factories.registration(db, old, world.alice)
    hanne = await client_factory(world.member_a)
    olga = await client_factory(world.organizer)
    detail = "DigiEduHack 2021 is over: its challenges are an archive and can't be changed."
    assert_problem(
        await hanne.post("/api/v1/challenges/old/announcements/preview", json=note()), 409, detail=detail
    )
    assert_problem(await hanne.post("/api/v1/challenges/old/announcements", json=note()), 409, detail=detail)
    for path in ("/api/v1/events/2021/announcements/preview", "/api/v1/events/2021/announcements"):
        assert_problem(await olga.post(path, json=note(audience="event_participants")), 409, detail=detail)
    page = await hanne.submit("/challenges/old/announcements", note(audience="challenge_all", confirm="yes"))
    assert page.status_code == 409 and detail in visible_text(page.text)
    # the page still lists what was sent, without the form
    shown = await hanne.get("/challenges/old/announcements")
    assert shown.status_code == 200
    assert "DigiEduHack 2021 is over: its announcements are an archive" in visible_text(shown.text)
    assert 'action="/challenges/old/announcements/preview"' not in shown.text
    assert await nothing_written(app)


async def test_an_audience_with_nobody_in_it_is_refused_and_nothing_is_written(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await factories.challenge(db, world.event, world.host_a, slug="empty")
    hanne = await client_factory(world.member_a)
    preview = await hanne.post("/api/v1/challenges/empty/announcements/preview", json=note())
    assert (preview.status_code, preview.json()["recipient_count"]) == (200, 0)
    detail = (
        "Nobody is in this audience right now, so the announcement was not sent. Choose another audience."
    )
    assert_problem(
        await hanne.post("/api/v1/challenges/empty/announcements", json=note()), 409, detail=detail
    )
    shown = await hanne.submit("/challenges/empty/announcements/preview", note(audience="challenge_all"))
    assert "Nobody is in this audience right now: there is no one to send it to." in visible_text(shown.text)
    assert 'id="send-form"' not in shown.text
    page = await hanne.submit(
        "/challenges/empty/announcements", note(audience="challenge_all", confirm="yes")
    )
    assert page.status_code == 409
    assert f'<p class="error" id="error-audience">{detail}</p>' in page.text
    assert await nothing_written(app)


async def test_ten_announcements_an_hour_then_429_with_retry_after(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    olga = await client_factory(world.organizer)
    # refusals do not count
    assert (await hanne.post(CHALLENGE, json=note(subject=""))).status_code == 422
    assert (await hanne.post("/api/v1/challenges/nope/announcements", json=note())).status_code == 404
    for n in range(10):
        r = await hanne.post(CHALLENGE, json=note(subject=f"Note {n}"))
        assert r.status_code == 201, (n, r.text)
    r = await hanne.post(CHALLENGE, json=note(subject="One too many"))
    problem = assert_problem(r, 429, title="Too many requests")
    assert 3590 <= int(r.headers["retry-after"]) <= 3600, r.headers
    assert problem["detail"] == f"Too many attempts. Try again in {r.headers['retry-after']} seconds."
    page = await hanne.submit(
        "/challenges/robots/announcements", note(audience="challenge_all", confirm="yes")
    )
    assert page.status_code == 429 and page.headers["retry-after"]
    # a preview is still possible, and the budget is per account: the organizer sends
    assert (await hanne.post(f"{CHALLENGE}/preview", json=note())).status_code == 200
    assert (await olga.post(CHALLENGE, json=note())).status_code == 201
    assert len(await announcements(app)) == 11
