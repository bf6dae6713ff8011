"""The demo data: what `make run` shows, loaded idempotently."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.cli import SEED_FILE, seed
from digieduhack.models import Account, Challenge, ChallengeStatus, Event, Host, HostMember, Registration
from digieduhack.settings import Settings
from tests.conftest import ClientFactory

TABLES = (Event, Account, Host, HostMember, Challenge, Registration)


async def counts(db: AsyncSession) -> dict[str, int]:
    return {m.__tablename__: await db.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}


async def test_seeding_twice_changes_nothing(settings: Settings, db: AsyncSession) -> None:
    spec = json.loads(SEED_FILE.read_text())
    shown = await seed(settings, spec)
    first = await counts(db)
    await seed(settings, spec)
    assert await counts(db) == first
    assert [s["role"].split(" (")[0] for s in shown] == [
        "organizer",
        "host member",
        "host member",
        "participant",
        "participant",
    ]


async def test_demo_has_the_2021_edition_and_a_current_one_next_year(
    settings: Settings, db: AsyncSession
) -> None:
    await seed(settings, json.loads(SEED_FILE.read_text()))
    events = {e.slug: e for e in await db.scalars(select(Event))}
    assert (events["2021"].starts_on, events["2021"].ends_on) == (date(2021, 11, 9), date(2021, 11, 10))
    year = date.today().year + 1
    assert (events[str(year)].starts_on, events[str(year)].ends_on) == (date(year, 11, 9), date(year, 11, 10))
    current = list(
        await db.scalars(
            select(Challenge).where(
                Challenge.event_id == events[str(year)].id, Challenge.status == ChallengeStatus.PUBLISHED
            )
        )
    )
    hosts = list(await db.scalars(select(Host)))
    assert len(current) >= 12
    assert len(hosts) >= 6 and len({h.kind for h in hosts}) >= 5 and len({h.country for h in hosts}) >= 5
    assert len({c.timezone for c in current}) >= 5
    assert {c.format.value for c in current} == {"online", "in_person", "hybrid"}
    assert len({c.language for c in current}) >= 4
    full = [c for c in current if c.capacity is not None and c.confirmed_count >= c.capacity]
    assert [c.slug for c in full] == ["accessible-exams"]


async def test_demo_accounts_can_log_in_with_the_printed_passwords(
    settings: Settings, client_factory: ClientFactory
) -> None:
    shown = await seed(settings, json.loads(SEED_FILE.read_text()))
    for account in shown:
        client = await client_factory()
        await client.login(account["email"], account["password"])
        me = (await client.get("/api/v1/me")).json()
        assert me["email"] == account["email"]
        assert me["is_organizer"] == (account["role"] == "organizer")
        assert bool(me["hosts"]) == account["role"].startswith("host member")
