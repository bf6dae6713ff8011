"""Hosts close registration of a published challenge or cancel a challenge with a message to its
registrants; registrants are told of a cancellation and of a new time or place (challenge notices)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    AuditEntry,
    Challenge,
    ChallengeNotice,
    ChallengeNoticeKind,
    ChallengeStatus,
    OutboxMessage,
    RegistrationStatus,
)
from tests import factories
from tests.challenges.helpers import (
    YEAR,
    api_body,
    challenge_row,
    count,
    fetch_all,
    form_data,
    registrations_of,
    text_of,
    visible_text,
)
from tests.conftest import Client, ClientFactory

MESSAGE = "The venue flooded: we are very sorry, see you next year."


def conflict(detail: str) -> dict[str, Any]:
    return {"type": "about:blank", "title": "Conflict", "status": 409, "detail": detail}


async def notices(app: Litestar) -> list[tuple[str, str, int | None]]:
    rows = await fetch_all(
        app,
        select(ChallengeNotice.kind, ChallengeNotice.message, ChallengeNotice.created_by_id).order_by(
            ChallengeNotice.id
        ),
    )
    return [(kind.value, message, by) for kind, message, by in rows]


async def audit(app: Litestar) -> list[tuple[int | None, str, str, dict[str, Any]]]:
    rows = await fetch_all(
        app,
        select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target, AuditEntry.details).order_by(
            AuditEntry.id
        ),
    )
    return [tuple(row) for row in rows]


async def test_host_closes_registration_the_challenge_stays_listed_and_nobody_can_join(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, title="Robots in class")
    host = await client_factory(world.member_a)

    response = await host.post(f"/api/v1/challenges/{c.slug}/close")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancellation_message"]) == ("closed", None)
    anon = await client_factory()
    catalog = await anon.get("/challenges")
    assert "Robots in class" in visible_text(catalog.text)
    assert "Registration closed" in visible_text(catalog.text)
    listed = (await anon.get("/api/v1/challenges")).json()
    assert [(i["slug"], i["status"]) for i in listed["items"]] == [(c.slug, "closed")]
    alice = await client_factory(world.alice)
    join = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    assert (join.status_code, join.json()) == (409, conflict("Registration for this challenge is closed."))
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.CLOSED
    assert await audit(app) == [(world.member_a.id, "challenge.close", f"challenge:{c.slug}", {})]
    assert await notices(app) == []


async def test_host_closes_registration_with_the_page_button(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    host = await client_factory(world.member_a)
    page = await host.get(f"/challenges/{c.slug}")
    assert f'action="/challenges/{c.slug}/close"' in page.text

    response = await host.submit(f"/challenges/{c.slug}/close")

    assert (response.status_code, response.headers["location"]) == (302, f"/challenges/{c.slug}")
    shown = await host.get(f"/challenges/{c.slug}")
    assert "Registration closed: the challenge stays in the catalog" in visible_text(shown.text)
    assert f'action="/challenges/{c.slug}/close"' not in shown.text  # nothing left to close
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.CLOSED


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (ChallengeStatus.DRAFT, "A draft cannot be closed: publish it first, or cancel it."),
        (ChallengeStatus.CLOSED, "Registration for this challenge is already closed."),
        (ChallengeStatus.CANCELLED, "A cancelled challenge cannot be closed."),
    ],
)
async def test_only_a_published_challenge_can_be_closed(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    status: ChallengeStatus,
    detail: str,
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=status)
    host = await client_factory(world.member_a)

    response = await host.post(f"/api/v1/challenges/{c.slug}/close")

    assert (response.status_code, response.json()) == (409, conflict(detail))
    assert (await challenge_row(app, c.slug)).status == status
    assert await audit(app) == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [  # the body's schema is checked first (400), then the rule on the trimmed text (422)
        ({}, 400, "This field is required."),
        ({"message": "Sorry"}, 400, "Must be at least 10 characters long."),
        ({"message": "x" * 2001}, 400, "Must be at most 2000 characters long."),
        ({"message": "          Sorry     "}, 422, "Tell the registrants why, in at least 10 characters."),
    ],
)
async def test_cancelling_in_the_api_needs_a_message_of_10_to_2000_characters(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    body: dict[str, str],
    status: int,
    message: str,
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    host = await client_factory(world.member_a)

    response = await host.post(f"/api/v1/challenges/{c.slug}/cancel", json=body)

    assert response.status_code == status
    problem = response.json()
    assert (problem["status"], problem["errors"]) == (status, [{"field": "message", "message": message}])
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    assert (await notices(app), await audit(app)) == ([], [])


async def test_cancelling_on_the_page_without_a_message_shows_the_error_next_to_the_field(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    host = await client_factory(world.member_a)

    response = await host.submit(f"/challenges/{c.slug}/cancel-challenge", {"message": "Sorry!"})

    assert response.status_code == 422
    assert text_of(response.text, "error-message") == "Must be at least 10 characters long."
    assert 'aria-invalid="true"' in response.text
    assert text_of(response.text, "f-message") == "Sorry!"  # the host's text is kept
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    assert (await notices(app), await audit(app)) == ([], [])


async def test_host_cancels_on_the_page_the_message_is_shown_and_the_challenge_leaves_the_catalog(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, title="Robots in class")
    await factories.registration(db, c, world.bob)
    host = await client_factory(world.member_a)
    message = "<script>alert(1)</script> The venue flooded, sorry."

    response = await host.submit(f"/challenges/{c.slug}/cancel-challenge", {"message": f"  {message}\n"})

    assert (response.status_code, response.headers["location"]) == (302, f"/challenges/{c.slug}")
    anon = await client_factory()
    page = await anon.get(f"/challenges/{c.slug}")
    assert page.status_code == 200
    assert text_of(page.text, "cancellation") == f"This challenge was cancelled. {message}"
    assert "<script>alert(1)</script>" not in page.text
    assert "Robots in class" not in visible_text((await anon.get("/challenges")).text)
    assert (await anon.get("/api/v1/challenges")).json()["items"] == []
    shown = (await anon.get(f"/api/v1/challenges/{c.slug}")).json()
    assert (shown["status"], shown["cancellation_message"]) == ("cancelled", message)
    row = await challenge_row(app, c.slug)
    assert (row.status, row.cancellation_message, row.cancelled_at is not None) == (
        ChallengeStatus.CANCELLED,
        message,
        True,
    )
    assert await notices(app) == [("cancelled", message, world.member_a.id)]
    assert await audit(app) == [
        (
            world.member_a.id,
            "challenge.cancel",
            f"challenge:{c.slug}",
            {"from": "published", "message": message, "registrations_ended": 1},
        )
    ]


async def test_cancelling_ends_every_registration_and_frees_the_participants_for_another_challenge(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    other = await factories.challenge(db, world.event, world.host_b)
    await factories.registration(db, c, world.alice)
    await factories.registration(db, c, world.bob, RegistrationStatus.WAITLISTED)
    host, bob = await client_factory(world.member_a), await client_factory(world.bob)
    # one challenge per participant in this edition: bob holds his place on the waitlist
    refused = await bob.post(f"/api/v1/challenges/{other.slug}/registration")
    assert refused.status_code == 409

    r = await host.post(f"/api/v1/challenges/{c.slug}/cancel", json={"message": MESSAGE})

    assert r.status_code == 200, r.text
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", RegistrationStatus.CANCELLED),
        ("bob@example.org", RegistrationStatus.CANCELLED),
    ]
    row = await challenge_row(app, c.slug)
    assert (row.confirmed_count, row.waitlisted_count) == (0, 0)
    # each was told once, by the cancellation message, not by a second "registration cancelled"
    kinds = await fetch_all(
        app, select(OutboxMessage.to_address, OutboxMessage.kind).order_by(OutboxMessage.id)
    )
    assert sorted(kinds) == [
        ("alice@example.org", "challenge_cancelled"),
        ("bob@example.org", "challenge_cancelled"),
    ]
    joined = await bob.post(f"/api/v1/challenges/{other.slug}/registration")
    assert (joined.status_code, joined.json()["status"]) == (201, "confirmed")


async def test_a_cancelled_challenge_can_be_neither_joined_nor_edited_nor_cancelled_again(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, title="Original title")
    host = await client_factory(world.member_a)
    cancelled = await host.post(f"/api/v1/challenges/{c.slug}/cancel", json={"message": MESSAGE})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    alice = await client_factory(world.alice)

    join_api = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    join_page = await alice.submit(f"/challenges/{c.slug}/join")
    edit_api = await host.put(f"/api/v1/challenges/{c.slug}", json=api_body(title="New title"))
    edit_page = await host.submit(f"/challenges/{c.slug}/edit", form_data(title="New title"))
    again = await host.post(f"/api/v1/challenges/{c.slug}/cancel", json={"message": "Another reason."})

    assert (join_api.status_code, join_api.json()) == (409, conflict("This challenge was cancelled."))
    assert join_page.status_code == 409
    assert (edit_api.status_code, edit_api.json()) == (
        409,
        conflict("A cancelled challenge cannot be edited."),
    )
    assert edit_page.status_code == 409
    assert (again.status_code, again.json()) == (409, conflict("This challenge is already cancelled."))
    row = await challenge_row(app, c.slug)
    assert (row.title, row.status, row.cancellation_message) == (
        "Original title",
        ChallengeStatus.CANCELLED,
        MESSAGE,
    )
    assert await notices(app) == [("cancelled", MESSAGE, world.member_a.id)]
    host_page = await host.get(f"/challenges/{c.slug}")
    assert 'id="cancel-challenge"' not in host_page.text


@pytest.mark.parametrize("status", [ChallengeStatus.DRAFT, ChallengeStatus.CLOSED])
async def test_a_draft_or_a_closed_challenge_can_be_cancelled(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    status: ChallengeStatus,
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=status)
    host = await client_factory(world.member_a)

    response = await host.post(f"/api/v1/challenges/{c.slug}/cancel", json={"message": MESSAGE})

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert [(action, details) for _, action, _, details in await audit(app)] == [
        ("challenge.cancel", {"from": status.value, "message": MESSAGE, "registrations_ended": 0})
    ]


async def attempt_close_and_cancel(client: Client, slug: str) -> dict[str, int]:
    responses = {
        "api-close": await client.post(f"/api/v1/challenges/{slug}/close"),
        "api-cancel": await client.post(f"/api/v1/challenges/{slug}/cancel", json={"message": MESSAGE}),
        "page-close": await client.submit(f"/challenges/{slug}/close"),
        "page-cancel": await client.submit(f"/challenges/{slug}/cancel-challenge", {"message": MESSAGE}),
    }
    return {name: r.status_code for name, r in responses.items()}


@pytest.mark.parametrize("intruder", ["member_b", "alice"])
async def test_other_host_member_and_participant_can_neither_close_nor_cancel(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, intruder: str
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    client = await client_factory(getattr(world, intruder))

    results = await attempt_close_and_cancel(client, c.slug)

    assert results == dict.fromkeys(results, 403)
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    assert (await notices(app), await audit(app)) == ([], [])


async def test_anonymous_gets_401_from_the_api_and_a_login_redirect_from_the_pages(
    world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)

    close_api = await anon.post(f"/api/v1/challenges/{c.slug}/close")
    cancel_api = await anon.post(f"/api/v1/challenges/{c.slug}/cancel", json={"message": MESSAGE})
    close_page = await anon.submit(f"/challenges/{c.slug}/close")
    cancel_page = await anon.submit(f"/challenges/{c.slug}/cancel-challenge", {"message": MESSAGE})

    assert (close_api.status_code, cancel_api.status_code) == (401, 401)
    for response in (close_page, cancel_page):
        assert response.status_code == 302
        assert response.headers["location"].startswith("/login?next=")
    assert (await challenge_row(app, c.slug)).status == ChallengeStatus.PUBLISHED
    assert await count(app, ChallengeNotice) == 0


def shown(day: int, hh: int) -> str:
    """How a notice writes a local time on `day` November: 'Mon 9 Nov 2026, 09:00'."""
    return f"{date(YEAR, 11, day):%a} {day} Nov {YEAR}, {hh:02d}:00"


async def test_new_time_of_a_published_challenge_is_recorded_for_its_registrants(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)  # 9 November, 09:00-17:00 in Brussels
    host = await client_factory(world.member_a)
    body = api_body(starts_at_local=f"{YEAR}-11-09T10:00:00", ends_at_local=f"{YEAR}-11-09T18:00:00")

    response = await host.put(f"/api/v1/challenges/{c.slug}", json=body)

    assert response.status_code == 200
    assert await notices(app) == [
        (
            "time_changed",
            f"The time changed: was {shown(9, 9)} – {shown(9, 17)} (Europe/Brussels); "
            f"now {shown(9, 10)} – {shown(9, 18)} (Europe/Brussels).",
            world.member_a.id,
        )
    ]


async def test_new_place_of_a_closed_challenge_is_recorded_for_its_registrants(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.CLOSED)
    host = await client_factory(world.member_a)
    data = form_data(
        format="in_person",
        country="BE",
        city="Leuven",
        venue="Aula Pieter De Somer",
        starts_at_local=f"{YEAR}-11-09T09:00",
        ends_at_local=f"{YEAR}-11-09T17:00",
    )

    response = await host.submit(f"/challenges/{c.slug}/edit", data)

    assert response.status_code == 302
    assert await notices(app) == [
        (
            ChallengeNoticeKind.PLACE_CHANGED.value,
            "The place changed: was Online; now In person, Aula Pieter De Somer, Leuven, BE.",
            world.member_a.id,
        )
    ]


async def test_editing_a_draft_records_no_notice(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    host = await client_factory(world.member_a)
    body = api_body(
        format="hybrid",
        country="BE",
        city="Leuven",
        starts_at_local=f"{YEAR}-11-10T10:00:00",
        ends_at_local=f"{YEAR}-11-10T18:00:00",
    )

    response = await host.put(f"/api/v1/challenges/{c.slug}", json=body)

    assert response.status_code == 200
    assert await count(app, ChallengeNotice) == 0
    assert await count(app, Challenge, Challenge.status == ChallengeStatus.DRAFT) == 1
