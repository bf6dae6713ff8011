"""Privacy: the announcements one wrote are in one's data export; deleting the author's account keeps the
announcement (its recipients got it) under the anonymised name; a recipient's deletion erases their copy and
leaves the count as it was sent."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import HostMember
from tests import factories
from tests.announcements.support import announcements, cast, note, outbox
from tests.conftest import ClientFactory


async def test_the_author_exports_their_announcements_and_after_deletion_they_stay_anonymised(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    # a second member of host A, so that she can delete her account (a host keeps one member at least)
    ines = await factories.account(db, "ines@example.org", "Ines")
    db.add(HostMember(host_id=world.host_a.id, account_id=ines.id, created_at=factories.now()))
    await db.commit()
    client = await client_factory(ines)
    sent = await client.post(
        "/api/v1/challenges/robots/announcements", json=note(audience="challenge_waitlisted")
    )
    assert sent.status_code == 201, sent.text

    export = (await client.get("/api/v1/me/export")).json()
    assert export["announcements"] == [
        {
            "event_slug": world.event.slug,
            "challenge_slug": "robots",
            "audience": "challenge_waitlisted",
            "subject": "Bring a laptop",
            "body": "See you **on Monday**.",
            "recipient_count": 1,
            "created_at": sent.json()["created_at"],
        }
    ]
    assert (await client.delete("/api/v1/me", json={"password": factories.PASSWORD})).status_code == 204

    hanne = await client_factory(world.member_a)
    [listed] = (await hanne.get("/api/v1/challenges/robots/announcements")).json()
    assert (listed["id"], listed["author_name"], listed["recipient_count"]) == (
        sent.json()["id"],
        "Deleted participant",
        1,
    )
    assert "ines@example.org" not in (await hanne.get("/challenges/robots/announcements")).text


async def test_a_recipients_deletion_erases_their_copy_and_the_count_stays_as_sent(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world)
    hanne = await client_factory(world.member_a)
    assert (await hanne.post("/api/v1/challenges/robots/announcements", json=note())).status_code == 201
    carla = await client_factory(c.people["carla"])
    export = (await carla.get("/api/v1/me/export")).json()
    assert [m["subject"] for m in export["messages"] if m["kind"] == "announcement"] == [
        "Bring a laptop (Robots in class)"
    ]
    assert (await carla.delete("/api/v1/me", json={"password": factories.PASSWORD})).status_code == 204

    assert sorted(m.to_address for m in await outbox(app)) == ["dan@example.org", "erin@example.org"]
    assert [a.recipient_count for a in await announcements(app)] == [3]
    # and she is in no later audience
    r = await hanne.post("/api/v1/challenges/robots/announcements/preview", json=note())
    assert r.json()["recipient_count"] == 2
