"""Organizers read the audit trail on a page and through the API: newest first, filtered, paged; nobody
else can."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import AuditEntry
from tests import factories
from tests.challenges.helpers import YEAR, text_of
from tests.conftest import Client, ClientFactory


async def test_an_export_is_on_the_trail_with_its_filters_columns_purpose_and_rows(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    await factories.registration(db, c, world.alice)
    member = await client_factory(world.member_a)
    r = await member.get("/api/v1/challenges/maps/roster.csv?purpose=host_contact&country=pt")
    assert r.status_code == 200

    organizer = await client_factory(world.organizer)
    trail = (await organizer.get("/api/v1/audit")).json()
    assert trail["total"] == 1 and trail["actions"] == ["roster.export"]
    (entry,) = trail["items"]
    assert {k: entry[k] for k in ("action", "target", "actor_id", "actor_name", "actor_email")} == {
        "action": "roster.export",
        "target": "challenge:maps",
        "actor_id": world.member_a.id,
        "actor_name": "Hanne Host",
        "actor_email": "hanne@example.org",
    }
    assert entry["details"] == {
        "format": "csv",
        "purpose": "host_contact",
        "columns": ["name", "email", "challenge", "contact_consent"],
        "filters": {"status": ["confirmed", "waitlisted"], "country": "PT", "format": None, "language": None},
        "rows": 1,
    }
    page = await organizer.get("/organizer/audit")
    row = text_of(page.text, f"entry-{entry['id']}")
    assert row is not None and "roster.export" in row and "Hanne Host" in row and "rows: 1" in row


async def test_the_trail_is_newest_first_filtered_and_paged(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    start = factories.now()
    for n in range(25):
        db.add(
            AuditEntry(
                actor_id=world.organizer.id if n % 2 else world.member_a.id,
                action="host.decide" if n % 5 == 0 else "roster.export",
                target=f"challenge:c{n}",
                details={"n": n},
                created_at=start + timedelta(minutes=n),
            )
        )
    await db.commit()
    organizer = await client_factory(world.organizer)

    first = (await organizer.get("/api/v1/audit")).json()
    assert (first["total"], first["pages"], first["per_page"]) == (25, 2, 20)
    assert [e["details"]["n"] for e in first["items"]] == list(range(24, 4, -1))
    second = (await organizer.get("/api/v1/audit?page=2")).json()
    assert [e["details"]["n"] for e in second["items"]] == [4, 3, 2, 1, 0]
    decided = (await organizer.get("/api/v1/audit?action=host.decide")).json()
    assert [e["details"]["n"] for e in decided["items"]] == [20, 15, 10, 5, 0]
    by_hanne = (await organizer.get("/api/v1/audit?actor=HANNE@")).json()
    assert by_hanne["total"] == 13
    assert (await organizer.get("/api/v1/audit?target=challenge:c1")).json()["total"] == 11  # c1, c10..c19
    since = (start + timedelta(minutes=22)).isoformat()
    recent = (await organizer.get("/api/v1/audit", params={"since": since})).json()
    assert [e["details"]["n"] for e in recent["items"]] == [24, 23, 22]
    page = await organizer.get("/organizer/audit?action=host.decide")
    assert page.status_code == 200 and page.text.count('id="entry-') == 5


async def test_only_organizers_read_the_trail(
    world: factories.World, client_factory: ClientFactory, anon: Client
) -> None:
    for account in (world.member_a, world.alice):
        client = await client_factory(account)
        assert (await client.get("/api/v1/audit")).status_code == 403
        assert (await client.get("/organizer/audit")).status_code == 403
    assert (await anon.get("/api/v1/audit")).status_code == 401
    assert (await anon.get("/organizer/audit")).status_code == 302
    assert YEAR
