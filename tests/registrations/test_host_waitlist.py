"""The host's roster of a challenge: confirmed and waitlisted with positions; members of the challenge's
host promote a waiting person to a free place or remove a registration; each change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, AuditEntry, Challenge, Registration, RegistrationStatus
from tests import factories
from tests.challenges.helpers import assert_counters_match_rows, fetch_all, registrations_of, visible_text
from tests.conftest import ClientFactory
from tests.registrations.support import held, outbox

WAITLISTED = RegistrationStatus.WAITLISTED


async def roster(app: Litestar, client: Any, c: Challenge) -> list[tuple[str, str, int | None]]:
    r = await client.get(f"/api/v1/challenges/{c.slug}/registrations")
    assert r.status_code == 200, r.text
    return [(p["email"], p["status"], p["waitlist_position"]) for p in r.json()]


async def full_challenge(
    db: AsyncSession, world: factories.World, waiting: int = 3
) -> tuple[Challenge, list[Account]]:
    """Capacity 1: Alice confirmed, then `waiting` people on the waitlist, in order."""
    c = await factories.challenge(db, world.event, world.host_a, slug="busy", title="Busy", capacity=1)
    await factories.registration(db, c, world.alice)
    people = [await factories.account(db, f"w{n}@example.org", f"Waiting {n}") for n in range(1, waiting + 1)]
    for person in people:
        await factories.registration(db, c, person, WAITLISTED)
    return c, people


async def reg_id(app: Litestar, c: Challenge, account: Account) -> int:
    rows = await fetch_all(
        app,
        select(Registration.id).where(
            Registration.challenge_id == c.id, Registration.account_id == account.id
        ),
    )
    return int(rows[-1][0])


async def test_roster_lists_confirmed_then_the_waitlist_with_positions_for_members_and_organizers(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, _ = await full_challenge(db, world, waiting=2)
    expected = [
        ("alice@example.org", "confirmed", None),
        ("w1@example.org", "waitlisted", 1),
        ("w2@example.org", "waitlisted", 2),
    ]
    member, organizer = await client_factory(world.member_a), await client_factory(world.organizer)

    assert await roster(app, member, c) == expected
    assert await roster(app, organizer, c) == expected
    page = await member.get(f"/challenges/{c.slug}/participants")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Alice Participant" in text and "1 Waiting 1 w1@example.org" in text and "2 Waiting 2" in text
    assert page.text.count('/remove"') == 3  # members can change it
    organizer_page = await organizer.get(f"/challenges/{c.slug}/participants")
    assert organizer_page.status_code == 200 and '/remove"' in organizer_page.text  # organizers oversee


@pytest.mark.parametrize("who", ["other host", "participant", "anonymous"])
async def test_roster_is_refused_to_anyone_else(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, who: str
) -> None:
    c, _ = await full_challenge(db, world, waiting=1)
    account = {"other host": world.member_b, "participant": world.alice, "anonymous": None}[who]
    client = await client_factory(account)

    api = await client.get(f"/api/v1/challenges/{c.slug}/registrations")
    page = await client.get(f"/challenges/{c.slug}/participants")

    if account is None:
        assert api.status_code == 401
        assert (page.status_code, page.headers["location"]) == (
            302,
            f"/login?next=/challenges/{c.slug}/participants",
        )
    else:
        detail = "Only organizers and members of this challenge's host can see its participants."
        assert (api.status_code, api.json()["detail"]) == (403, detail)
        assert page.status_code == 403 and "Alice" not in page.text


@pytest.mark.parametrize("who", ["other host", "participant", "anonymous"])
@pytest.mark.parametrize("action", ["promote", "remove"])
async def test_only_members_of_the_challenges_host_and_organizers_promote_or_remove(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    who: str,
    action: str,
) -> None:
    c, people = await full_challenge(db, world, waiting=1)
    c.capacity = 2  # a place is free
    await db.commit()
    rid = await reg_id(app, c, people[0])
    account = {
        "other host": world.member_b,
        "participant": world.alice,
        "anonymous": None,
    }[who]
    client = await client_factory(account)
    before = await registrations_of(app, c.id)

    if action == "promote":
        api = await client.post(f"/api/v1/challenges/{c.slug}/registrations/{rid}/promote")
    else:
        api = await client.delete(f"/api/v1/challenges/{c.slug}/registrations/{rid}")
    page = await client.submit(f"/challenges/{c.slug}/participants/{rid}/{action}")

    if account is None:
        assert api.status_code == 401
        assert page.status_code == 302 and page.headers["location"].startswith("/login")
    else:
        assert (api.status_code, api.json()["detail"]) == (
            403,
            "Only members of this challenge's host can do this.",
        )
        assert page.status_code == 403
    assert await registrations_of(app, c.id) == before
    assert await fetch_all(app, select(AuditEntry.action)) == []


@pytest.mark.parametrize("face", ["api", "page"])
async def test_member_promotes_a_waiting_person_to_a_free_place_out_of_order(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, face: str
) -> None:
    c, people = await full_challenge(db, world, waiting=3)
    c.capacity = 2  # a place is free (raised by hand here: the service would have filled it in order)
    await db.commit()
    rid = await reg_id(app, c, people[1])
    member = await client_factory(world.member_a)

    if face == "api":
        r = await member.post(f"/api/v1/challenges/{c.slug}/registrations/{rid}/promote")
        assert (r.status_code, r.json()["status"], r.json()["email"]) == (200, "confirmed", "w2@example.org")
    else:
        r = await member.submit(f"/challenges/{c.slug}/participants/{rid}/promote")
        assert (r.status_code, r.headers["location"]) == (302, f"/challenges/{c.slug}/participants")

    assert await roster(app, member, c) == [
        ("alice@example.org", "confirmed", None),
        ("w2@example.org", "confirmed", None),
        ("w1@example.org", "waitlisted", 1),
        ("w3@example.org", "waitlisted", 2),
    ]
    assert await assert_counters_match_rows(app, c.id) == (2, 2)
    assert await outbox(app) == [("registration_promoted", "w2@example.org")]
    assert await fetch_all(
        app, select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target, AuditEntry.details)
    ) == [
        (
            world.member_a.id,
            "registration.promote",
            f"challenge:{c.slug}",
            {"registration": rid, "account": people[1].id},
        )
    ]


async def test_promoting_without_a_free_place_or_someone_confirmed_is_refused(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, people = await full_challenge(db, world, waiting=1)
    member = await client_factory(world.member_a)
    waiting, confirmed = await reg_id(app, c, people[0]), await reg_id(app, c, world.alice)

    full = await member.post(f"/api/v1/challenges/{c.slug}/registrations/{waiting}/promote")
    page = await member.submit(f"/challenges/{c.slug}/participants/{waiting}/promote")
    already = await member.post(f"/api/v1/challenges/{c.slug}/registrations/{confirmed}/promote")
    elsewhere = await factories.challenge(db, world.event, world.host_a)
    other = await member.post(f"/api/v1/challenges/{elsewhere.slug}/registrations/{waiting}/promote")

    assert (full.status_code, full.json()["detail"]) == (
        409,
        "All 1 places of 'Busy' are taken. Raise the capacity (the waitlist then moves up in order) or "
        "remove a confirmed participant first.",
    )
    assert page.status_code == 409
    assert (already.status_code, already.json()["detail"]) == (409, "Alice Participant is already confirmed.")
    assert (other.status_code, other.json()["detail"]) == (
        404,
        f"'{elsewhere.title}' has no active registration {waiting}.",
    )
    assert await assert_counters_match_rows(app, c.id) == (1, 1)
    assert await outbox(app) == []


@pytest.mark.parametrize("face", ["api", "page"])
async def test_removing_a_confirmed_person_gives_the_place_to_the_first_waiting(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, face: str
) -> None:
    c, _ = await full_challenge(db, world, waiting=2)
    rid = await reg_id(app, c, world.alice)
    member = await client_factory(world.member_a)

    if face == "api":
        assert (await member.delete(f"/api/v1/challenges/{c.slug}/registrations/{rid}")).status_code == 204
    else:
        r = await member.submit(f"/challenges/{c.slug}/participants/{rid}/remove")
        assert r.status_code == 302

    assert await roster(app, member, c) == [
        ("w1@example.org", "confirmed", None),
        ("w2@example.org", "waitlisted", 1),
    ]
    assert await held(app, world.alice, world.event.id) == (0, 1)
    assert await outbox(app) == [
        ("registration_promoted", "w1@example.org"),
        ("registration_removed", "alice@example.org"),
    ]
    assert await fetch_all(app, select(AuditEntry.action, AuditEntry.details)) == [
        ("registration.remove", {"registration": rid, "account": world.alice.id})
    ]
    again = await member.delete(f"/api/v1/challenges/{c.slug}/registrations/{rid}")
    assert (again.status_code, again.json()["detail"]) == (404, f"'Busy' has no active registration {rid}.")


async def test_waitlist_positions_stay_one_to_n_without_gaps_after_removals(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, people = await full_challenge(db, world, waiting=5)
    member = await client_factory(world.member_a)
    w2 = await client_factory(people[1])
    for person in (people[1], people[3]):  # the 2nd and 4th waiting leave
        rid = await reg_id(app, c, person)
        assert (await member.delete(f"/api/v1/challenges/{c.slug}/registrations/{rid}")).status_code == 204
    fifth = await client_factory(people[4])

    assert await roster(app, member, c) == [
        ("alice@example.org", "confirmed", None),
        ("w1@example.org", "waitlisted", 1),
        ("w3@example.org", "waitlisted", 2),
        ("w5@example.org", "waitlisted", 3),
    ]
    mine = (await fifth.get("/api/v1/me/registrations")).json()
    assert [(m["status"], m["waitlist_position"]) for m in mine] == [("waitlisted", 3)]
    # and someone removed comes back at the end of the queue
    assert (await w2.post(f"/api/v1/challenges/{c.slug}/registration")).json()["waitlist_position"] == 4
    assert await assert_counters_match_rows(app, c.id) == (1, 4)


async def test_an_organizer_removes_a_registration_of_any_host_and_it_is_audited_as_theirs(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, people = await full_challenge(db, world, waiting=1)
    rid = await reg_id(app, c, world.alice)
    organizer = await client_factory(world.organizer)

    r = await organizer.delete(f"/api/v1/challenges/{c.slug}/registrations/{rid}")
    assert r.status_code == 204, r.text
    assert await roster(app, organizer, c) == [(people[0].email, "confirmed", None)]
    audit = await fetch_all(app, select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target))
    assert [tuple(a) for a in audit] == [(world.organizer.id, "registration.remove", f"challenge:{c.slug}")]
