"""Each audience selects exactly its people, each person once, deleted accounts never; the preview's count is
the count sent; each announcement is one row, one outbox message per recipient (keyed by announcement and
person) and one audit entry, all written together."""

from __future__ import annotations

from datetime import date

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import HostMember, HostStatus
from tests import factories
from tests.announcements.support import announcements, audit, cast, note, outbox, recipients
from tests.conftest import ClientFactory


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("challenge_all", ["carla", "dan", "erin"]),
        ("challenge_confirmed", ["carla", "dan"]),
        ("challenge_waitlisted", ["erin"]),
        ("challenge_checked_in", ["dan"]),
    ],
)
async def test_a_challenge_audience_selects_exactly_its_registrants_and_the_preview_count_is_the_sent_count(
    app: Litestar,
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    audience: str,
    expected: list[str],
) -> None:
    c = await cast(db, world)
    hanne = await client_factory(world.member_a)
    body = note(audience=audience)

    preview = await hanne.post("/api/v1/challenges/robots/announcements/preview", json=body)
    sent = await hanne.post("/api/v1/challenges/robots/announcements", json=body)

    assert preview.status_code == 200, preview.text
    assert sent.status_code == 201, sent.text
    assert preview.json()["recipient_count"] == sent.json()["recipient_count"] == len(expected)
    assert await recipients(app) == [f"{name}@example.org" for name in expected]
    stored = sent.json()
    assert stored == {
        "id": stored["id"],
        "event": world.event.slug,
        "challenge": "robots",
        "audience": audience,
        "subject": "Bring a laptop",
        "body": "See you **on Monday**.",
        "recipient_count": len(expected),
        "author_name": "Hanne Host",
        "created_at": stored["created_at"],
    }
    messages = await outbox(app)
    assert {m.account_id for m in messages} == {c.people[name].id for name in expected}
    assert {m.dedupe_key for m in messages} == {
        f"announcement:{stored['id']}:{c.people[name].id}" for name in expected
    }
    [entry] = await audit(app)
    assert (entry.actor_id, entry.target) == (world.member_a.id, "challenge:robots")
    assert entry.details == {
        "announcement": stored["id"],
        "audience": audience,
        "recipients": len(expected),
        "subject": "Bring a laptop",
    }
    listed = await hanne.get("/api/v1/challenges/robots/announcements")
    assert listed.status_code == 200 and listed.json() == [stored]


async def test_the_default_challenge_audience_is_everyone_registered(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    r = await hanne.post("/api/v1/challenges/robots/announcements", json=note())
    assert (r.status_code, r.json()["audience"], r.json()["recipient_count"]) == (201, "challenge_all", 3)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        # erin is in two challenges: one message; alice too is in poems; zoe is deleted; fred cancelled
        ("event_participants", ["alice", "carla", "dan", "erin", "gina"]),
        ("event_confirmed", ["alice", "carla", "dan", "gina"]),
        ("event_waitlisted", ["erin"]),
        ("event_checked_in", ["dan", "gina"]),
    ],
)
async def test_an_event_audience_of_participants_counts_each_person_once(
    app: Litestar,
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    audience: str,
    expected: list[str],
) -> None:
    await cast(db, world)
    # a participant of another edition only
    other = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, other, world.host_a, slug="old")
    await factories.registration(db, old, world.bob)
    olga = await client_factory(world.organizer)
    body = note(audience=audience)

    preview = await olga.post(f"/api/v1/events/{world.event.slug}/announcements/preview", json=body)
    sent = await olga.post(f"/api/v1/events/{world.event.slug}/announcements", json=body)

    assert preview.status_code == 200 and sent.status_code == 201, (preview.text, sent.text)
    assert preview.json()["recipient_count"] == sent.json()["recipient_count"] == len(expected)
    assert await recipients(app) == [f"{name}@example.org" for name in expected]
    assert (sent.json()["challenge"], sent.json()["event"]) == (None, world.event.slug)
    [entry] = await audit(app)
    assert (entry.target, entry.details["recipients"]) == (f"event:{world.event.slug}", len(expected))
    listed = await olga.get(f"/api/v1/events/{world.event.slug}/announcements")
    assert [a["id"] for a in listed.json()] == [sent.json()["id"]]


async def test_event_hosts_are_the_members_of_approved_hosts_with_a_challenge_in_the_edition_each_once(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)  # host A (hanne) and host B (wanjiru) each have a challenge in the edition
    # wanjiru is also in host A: one message for her
    db.add(HostMember(host_id=world.host_a.id, account_id=world.member_b.id, created_at=factories.now()))
    await db.commit()
    # a pending host with a draft challenge, and an approved host with no challenge in this edition
    pia = await factories.account(db, "pia@example.org", "Pia")
    pending = await factories.host(db, pia, slug="pending-host", status=HostStatus.PENDING)
    await factories.challenge(db, world.event, pending, slug="pending-draft")
    quinn = await factories.account(db, "quinn@example.org", "Quinn")
    await factories.host(db, quinn, slug="idle-host")
    # a member of host B who deleted their account
    gone = await factories.account(db, "gone@example.org", "Gone")
    db.add(HostMember(host_id=world.host_b.id, account_id=gone.id, created_at=factories.now()))
    gone.deleted_at = factories.now()
    db.add(gone)
    await db.commit()
    olga = await client_factory(world.organizer)
    body = note(audience="event_hosts")

    preview = await olga.post(f"/api/v1/events/{world.event.slug}/announcements/preview", json=body)
    sent = await olga.post(f"/api/v1/events/{world.event.slug}/announcements", json=body)

    assert preview.json()["recipient_count"] == sent.json()["recipient_count"] == 2
    assert await recipients(app) == ["hanne@example.org", "wanjiru@example.org"]
    [message] = [m for m in await outbox(app) if m.to_address == "hanne@example.org"]
    assert "You receive it because you are a member of a host with a challenge in" in message.text_body
    assert "/registrations/withdraw/" not in message.text_body  # hosts have no registration to leave
    assert [a.recipient_count for a in await announcements(app)] == [2]
