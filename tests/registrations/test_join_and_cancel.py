"""Joining and leaving a challenge, through the API and the pages; the waitlist moves in order (FIFO)."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Challenge, Registration, RegistrationStatus
from tests import factories
from tests.challenges.helpers import (
    assert_counters_match_rows,
    count,
    fetch_all,
    iso,
    registrations_of,
    text_of,
    visible_text,
)
from tests.conftest import Client, ClientFactory

ALREADY = {
    "type": "about:blank",
    "title": "Conflict",
    "status": 409,
    "detail": "You are already registered for this challenge.",
}


async def join_api(client: Client, c: Challenge) -> dict[str, object]:
    response = await client.post(f"/api/v1/challenges/{c.slug}/registration")
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def people(db: AsyncSession, *names: str) -> list[Account]:
    return [await factories.account(db, f"{n.lower()}@example.org", f"{n} Participant") for n in names]


async def test_participant_joins_through_api_and_is_confirmed(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2, title="Robots in class")
    alice = await client_factory(world.alice)

    response = await alice.post(f"/api/v1/challenges/{c.slug}/registration")

    assert response.status_code == 201, response.text
    [(reg_id, created_at)] = await fetch_all(
        app,
        select(Registration.id, Registration.created_at).where(Registration.challenge_id == c.id),
    )
    assert response.json() == {
        "id": reg_id,
        "challenge": c.slug,
        "challenge_title": "Robots in class",
        "status": "confirmed",
        "waitlist_position": None,
        "created_at": iso(created_at),
        "cancelled_at": None,
    }
    assert await registrations_of(app, c.id) == [("alice@example.org", "confirmed")]
    assert await assert_counters_match_rows(app, c.id) == (1, 0)


async def test_participant_joins_from_page_and_the_page_says_so(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2)
    alice = await client_factory(world.alice)
    before = visible_text((await alice.get(f"/challenges/{c.slug}")).text)
    assert "Join this challenge" in before

    response = await alice.submit(f"/challenges/{c.slug}/join")

    assert response.status_code == 302
    assert response.headers["location"] == f"/challenges/{c.slug}"
    page = visible_text((await alice.get(f"/challenges/{c.slug}")).text)
    assert "You are registered. See you at the hackathon!" in page
    assert "You are registered for this challenge." in page
    assert "1 of 2 taken" in page
    assert "Join this challenge" not in page
    assert await registrations_of(app, c.id) == [("alice@example.org", "confirmed")]
    assert await assert_counters_match_rows(app, c.id) == (1, 0)


async def test_full_challenge_puts_new_participants_on_waitlist_with_position(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    [carol] = await people(db, "Carol")
    await join_api(await client_factory(world.alice), c)

    bob = await join_api(await client_factory(world.bob), c)
    carol_client = await client_factory(carol)
    page_join = await carol_client.submit(f"/challenges/{c.slug}/join")

    assert (bob["status"], bob["waitlist_position"]) == ("waitlisted", 1)
    assert page_join.status_code == 302
    page = visible_text((await carol_client.get(f"/challenges/{c.slug}")).text)
    assert "The challenge is full: you are on the waitlist and will be moved up when a place frees." in page
    assert "You are on the waitlist, in position 2." in page
    assert "1 of 1 taken · 2 on the waitlist" in page
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
        ("carol@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 2)


async def test_joining_twice_is_a_conflict_and_leaves_one_registration(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    alice = await client_factory(world.alice)
    bob = await client_factory(world.bob)
    await join_api(alice, c)
    await join_api(bob, c)  # waitlisted

    again_api = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    again_waitlisted = await bob.post(f"/api/v1/challenges/{c.slug}/registration")
    again_page = await alice.submit(f"/challenges/{c.slug}/join")

    assert (again_api.status_code, again_api.json()) == (409, ALREADY)
    assert (again_waitlisted.status_code, again_waitlisted.json()) == (409, ALREADY)
    assert again_page.status_code == 302
    assert "You are already registered for this challenge." in visible_text(
        (await alice.get(again_page.headers["location"])).text
    )
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 1)


async def test_participant_cancels_through_api(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2)
    alice = await client_factory(world.alice)
    await join_api(alice, c)

    response = await alice.delete(f"/api/v1/challenges/{c.slug}/registration")

    assert (response.status_code, response.content) == (204, b"")
    [(status, cancelled_at)] = await fetch_all(
        app,
        select(Registration.status, Registration.cancelled_at).where(Registration.challenge_id == c.id),
    )
    assert status == RegistrationStatus.CANCELLED
    assert cancelled_at is not None
    assert await assert_counters_match_rows(app, c.id) == (0, 0)
    again = await alice.delete(f"/api/v1/challenges/{c.slug}/registration")
    assert (again.status_code, again.json()["detail"]) == (
        404,
        "You have no registration for this challenge.",
    )


async def test_participant_cancels_from_page_and_can_join_again(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2)
    alice = await client_factory(world.alice)
    await join_api(alice, c)

    response = await alice.submit(f"/challenges/{c.slug}/cancel")

    assert (response.status_code, response.headers["location"]) == (302, f"/challenges/{c.slug}")
    page = visible_text((await alice.get(f"/challenges/{c.slug}")).text)
    assert "Your registration is cancelled." in page
    assert "Join this challenge" in page
    assert await registrations_of(app, c.id) == [("alice@example.org", "cancelled")]
    # the cancelled row stays; a new join makes a new active registration
    assert (await join_api(alice, c))["status"] == "confirmed"
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("alice@example.org", "confirmed"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 0)


async def test_cancelling_a_confirmed_place_promotes_the_first_waitlisted_person(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2)
    carol, dave = await people(db, "Carol", "Dave")
    clients = {a.email: await client_factory(a) for a in (world.alice, world.bob, carol, dave)}
    for email in ("alice@example.org", "bob@example.org", "carol@example.org", "dave@example.org"):
        await join_api(clients[email], c)

    response = await clients["bob@example.org"].delete(f"/api/v1/challenges/{c.slug}/registration")

    assert response.status_code == 204
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "cancelled"),
        ("carol@example.org", "confirmed"),
        ("dave@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (2, 1)
    mine = (await clients["dave@example.org"].get("/api/v1/me/registrations")).json()
    assert [(r["status"], r["waitlist_position"]) for r in mine] == [("waitlisted", 1)]

    # the same through the page: Alice leaves, Dave moves in
    assert (await clients["alice@example.org"].submit(f"/challenges/{c.slug}/cancel")).status_code == 302
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "cancelled"),
        ("carol@example.org", "confirmed"),
        ("dave@example.org", "confirmed"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (2, 0)


async def test_cancelling_a_waitlisted_place_moves_the_others_up(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    carol, dave = await people(db, "Carol", "Dave")
    clients = [await client_factory(a) for a in (world.alice, world.bob, carol, dave)]
    for client in clients:
        await join_api(client, c)

    response = await clients[1].delete(f"/api/v1/challenges/{c.slug}/registration")

    assert response.status_code == 204
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "cancelled"),
        ("carol@example.org", "waitlisted"),
        ("dave@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 2)
    positions = [
        [
            (r["challenge"], r["status"], r["waitlist_position"])
            for r in (await cl.get("/api/v1/me/registrations")).json()
        ]
        for cl in clients[2:]
    ]
    assert positions == [[(c.slug, "waitlisted", 1)], [(c.slug, "waitlisted", 2)]]
    assert "You are on the waitlist, in position 1." in visible_text(
        (await clients[2].get(f"/challenges/{c.slug}")).text
    )


async def test_a_new_join_after_a_cancellation_cannot_jump_the_waitlist(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=2)
    carol, dave = await people(db, "Carol", "Dave")
    alice, bob, carol_c, dave_c = [await client_factory(a) for a in (world.alice, world.bob, carol, dave)]
    for client in (alice, bob, carol_c):
        await join_api(client, c)

    await alice.delete(f"/api/v1/challenges/{c.slug}/registration")
    dave_joins = await join_api(dave_c, c)
    alice_rejoins = await join_api(alice, c)

    assert (dave_joins["status"], dave_joins["waitlist_position"]) == ("waitlisted", 1)
    assert (alice_rejoins["status"], alice_rejoins["waitlist_position"]) == ("waitlisted", 2)
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "confirmed"),
        ("carol@example.org", "confirmed"),
        ("dave@example.org", "waitlisted"),
        ("alice@example.org", "waitlisted"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (2, 2)


async def test_unlimited_challenge_confirms_everyone(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=None)
    for account in (world.alice, world.bob, *await people(db, "Carol")):
        assert (await join_api(await client_factory(account), c))["status"] == "confirmed"

    assert await assert_counters_match_rows(app, c.id) == (3, 0)
    assert await count(app, Registration, Registration.status == RegistrationStatus.WAITLISTED) == 0


async def test_cancelling_on_the_page_asks_once_and_says_what_happens_to_the_place(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps", title="Maps", capacity=1)
    await factories.registration(db, c, world.alice)
    await factories.registration(db, c, world.bob, RegistrationStatus.WAITLISTED)
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)

    page = await alice.get(f"/challenges/{c.slug}")
    assert f'href="/challenges/{c.slug}/cancel">Cancel my registration</a>' in page.text
    confirm = await alice.get(f"/challenges/{c.slug}/cancel")
    assert confirm.status_code == 200
    assert text_of(confirm.text, "what") == (
        "Your place in Maps is confirmed. Withdrawing gives it to the first person on the waitlist. "
        "You can join again later while registration is open, if a place is left."
    )
    assert f'action="/challenges/{c.slug}/cancel"' in confirm.text
    waiting = await bob.get(f"/challenges/{c.slug}/cancel")
    assert (text_of(waiting.text, "what") or "").startswith(
        "You are on the waitlist of Maps, in position 1. Leaving it lets the people behind you move up."
    )
    # looking changes nothing; the button does
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
    ]
    done = await alice.submit(f"/challenges/{c.slug}/cancel")
    assert (done.status_code, done.headers["location"]) == (302, f"/challenges/{c.slug}")
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "confirmed"),
    ]
    # nothing left to cancel: back to the challenge
    again = await alice.get(f"/challenges/{c.slug}/cancel")
    assert (again.status_code, again.headers["location"]) == (302, f"/challenges/{c.slug}")
