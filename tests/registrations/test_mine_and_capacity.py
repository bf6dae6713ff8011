"""'My registrations' lists exactly mine; a host cannot lower a capacity below the confirmed places."""

from __future__ import annotations

import re

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, Registration, RegistrationStatus
from tests import factories
from tests.challenges.helpers import (
    YEAR,
    api_body,
    assert_counters_match_rows,
    challenge_row,
    fetch_all,
    form_data,
    iso,
    registrations_of,
    text_of,
    visible_text,
)
from tests.conftest import ClientFactory

# a card of templates/registrations/mine.html: (slug, title, status, status text)
CARD = re.compile(
    r'<li class="card[^"]*">\s*<h2><a href="/challenges/([^"]+)">([^<]+)</a></h2>.*?'
    r'<p class="status status-(\w+)">(.*?)</p>',
    re.S,
)


async def test_my_registrations_lists_exactly_mine_with_status_and_position(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    ev, host = world.event, world.host_a
    ev.max_challenges_per_participant = None  # several challenges each
    carol = await factories.account(db, "carol@example.org", "Carol Participant")
    confirmed = await factories.challenge(db, ev, host, title="Confirmed one", capacity=5)
    waitlisted = await factories.challenge(db, ev, host, title="Waitlisted one", capacity=1)
    cancelled = await factories.challenge(db, ev, host, title="Cancelled one")
    bobs_only = await factories.challenge(db, ev, world.host_b, title="Bob's own")
    await factories.registration(db, cancelled, world.alice, RegistrationStatus.CANCELLED)
    await factories.registration(db, waitlisted, world.bob)
    await factories.registration(db, waitlisted, carol, RegistrationStatus.WAITLISTED)
    await factories.registration(db, waitlisted, world.alice, RegistrationStatus.WAITLISTED)
    await factories.registration(db, confirmed, world.alice)
    await factories.registration(db, bobs_only, world.bob)
    rows = {
        challenge_id: (reg_id, created_at, cancelled_at)
        for reg_id, challenge_id, created_at, cancelled_at in await fetch_all(
            app,
            select(
                Registration.id, Registration.challenge_id, Registration.created_at, Registration.cancelled_at
            ).where(Registration.account_id == world.alice.id),
        )
    }
    alice = await client_factory(world.alice)

    api = await alice.get("/api/v1/me/registrations")
    page = await alice.get("/me/registrations")

    def out(c: Challenge, status: str, position: int | None) -> dict[str, object]:
        reg_id, created_at, cancelled_at = rows[c.id]
        return {
            "id": reg_id,
            "challenge": c.slug,
            "challenge_title": c.title,
            "status": status,
            "waitlist_position": position,
            "created_at": iso(created_at),
            "cancelled_at": None if cancelled_at is None else iso(cancelled_at),
        }

    assert api.status_code == 200
    # active ones first, newest first; cancelled ones last
    assert api.json() == [
        out(confirmed, "confirmed", None),
        out(waitlisted, "waitlisted", 2),
        out(cancelled, "cancelled", None),
    ]
    assert page.status_code == 200
    cards = [
        (slug, title, status, " ".join(text.split())) for slug, title, status, text in CARD.findall(page.text)
    ]
    assert cards == [
        (confirmed.slug, "Confirmed one", "confirmed", "Confirmed"),
        (waitlisted.slug, "Waitlisted one", "waitlisted", "On the waitlist, position 2"),
        (cancelled.slug, "Cancelled one", "cancelled", "Cancelled"),
    ]
    assert "Bob&#39;s own" not in page.text


async def test_my_registrations_is_empty_for_a_newcomer(
    world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)

    assert (await alice.get("/api/v1/me/registrations")).json() == []
    assert "You have not joined a challenge yet." in visible_text((await alice.get("/me/registrations")).text)


CAPACITY_TOO_LOW = "2 participants are already confirmed: the capacity cannot be lower than that."


async def test_lowering_capacity_below_confirmed_places_is_refused(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=3)
    carol = await factories.account(db, "carol@example.org", "Carol Participant")
    await factories.registration(db, c, world.alice)
    await factories.registration(db, c, world.bob)
    member = await client_factory(world.member_a)
    times = {"starts_at_local": f"{YEAR}-11-09T09:00", "ends_at_local": f"{YEAR}-11-09T17:00"}

    api = await member.put(
        f"/api/v1/challenges/{c.slug}",
        json=api_body(capacity=1, **{k: v + ":00" for k, v in times.items()}),
    )
    page = await member.submit(f"/challenges/{c.slug}/edit", form_data(capacity="1", **times))

    assert api.status_code == 422
    assert api.json() == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": f"capacity: {CAPACITY_TOO_LOW}",
        "errors": [{"field": "capacity", "message": CAPACITY_TOO_LOW}],
    }
    assert page.status_code == 422
    assert text_of(page.text, "error-capacity") == CAPACITY_TOO_LOW
    row = await challenge_row(app, c.slug)
    assert (row.capacity, row.title) == (3, c.title)
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "confirmed"),
    ]

    # exactly the confirmed count is fine, and then the challenge is full
    ok = await member.put(f"/api/v1/challenges/{c.slug}", json=api_body(capacity=2))
    assert (ok.status_code, ok.json()["capacity"], ok.json()["free_places"]) == (200, 2, 0)
    carol_joins = await (await client_factory(carol)).post(f"/api/v1/challenges/{c.slug}/registration")
    assert (carol_joins.json()["status"], carol_joins.json()["waitlist_position"]) == ("waitlisted", 1)
    assert await assert_counters_match_rows(app, c.id) == (2, 1)


async def test_raising_capacity_gives_the_new_places_to_the_waitlist_in_order(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    carol, dave = (
        await factories.account(db, "carol@example.org", "Carol Participant"),
        await factories.account(db, "dave@example.org", "Dave Participant"),
    )
    await factories.registration(db, c, world.alice)
    await factories.registration(db, c, world.bob, RegistrationStatus.WAITLISTED)
    await factories.registration(db, c, carol, RegistrationStatus.WAITLISTED)
    member = await client_factory(world.member_a)

    response = await member.put(f"/api/v1/challenges/{c.slug}", json=api_body(capacity=2))
    dave_joins = await (await client_factory(dave)).post(f"/api/v1/challenges/{c.slug}/registration")

    assert response.status_code == 200
    # Bob, first on the waitlist, gets the new place; Dave, who comes later, cannot jump ahead of Carol
    assert (dave_joins.json()["status"], dave_joins.json()["waitlist_position"]) == ("waitlisted", 2)
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "confirmed"),
        ("carol@example.org", "waitlisted"),
        ("dave@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (2, 2)
