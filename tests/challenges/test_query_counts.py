"""A challenge page costs the same number of SQL queries whatever the number of registrations and of
challenges: free places come from the count kept on the challenge, never from counting rows per view.
The catalog's own test (test_catalog_filters.py) grows the number of challenges; this one also grows one
challenge's registrations to 50."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import AgendaItem, Challenge, ChallengeLabel, LabelKind, RegistrationStatus
from tests import factories
from tests.challenges.helpers import assert_counters_match_rows, queries_for
from tests.conftest import Client

URLS = [
    "/challenges/busy",
    "/api/v1/challenges/busy",
    "/challenges",
    "/api/v1/challenges",
]


async def costs(app: Litestar, viewers: dict[str, Client]) -> dict[tuple[str, str], int]:
    """Statements per request, for each viewer and URL."""
    return {
        (name, url): await queries_for(app, client, url) for name, client in viewers.items() for url in URLS
    }


async def with_labels_and_agenda(db: AsyncSession, c: Challenge) -> Challenge:
    db.add_all(
        [
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.THEME, value="Digital inclusion"),
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.TAG, value="robots"),
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.AUDIENCE, value="students"),
            AgendaItem(challenge_id=c.id, starts_at=c.starts_at, title="Kick-off"),
            AgendaItem(challenge_id=c.id, starts_at=c.starts_at + timedelta(hours=4), title="Pitches"),
        ]
    )
    await db.commit()
    return c


async def add_challenges(db: AsyncSession, world: factories.World, n: int) -> None:
    for i in range(n):
        c = await factories.challenge(db, world.event, world.host_b, start_hour=8 + i % 10)
        await with_labels_and_agenda(db, c)
        await factories.registration(db, c, await factories.account(db))


async def add_registrations(db: AsyncSession, busy: Challenge, n: int) -> None:
    """`n` more participants join: confirmed while places are left, then on the waitlist."""
    for _ in range(n):
        participant = await factories.account(db)
        full = busy.capacity is not None and busy.confirmed_count >= busy.capacity
        await factories.registration(
            db, busy, participant, RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED
        )


async def test_challenge_page_and_catalog_queries_do_not_grow_with_registrations_or_challenges(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    busy = await factories.challenge(db, world.event, world.host_a, slug="busy", capacity=30)
    await with_labels_and_agenda(db, busy)
    await factories.registration(db, busy, world.alice)
    await add_challenges(db, world, 2)
    viewers = {
        "anonymous": await client_factory(),
        "confirmed participant": await client_factory(world.alice),
        "host member": await client_factory(world.member_a),
        "organizer": await client_factory(world.organizer),
    }

    one_registration = await costs(app, viewers)
    await add_registrations(db, busy, 49)
    fifty_registrations = await costs(app, viewers)
    await add_challenges(db, world, 27)
    thirty_challenges = await costs(app, viewers)

    assert await assert_counters_match_rows(app, busy.id) == (30, 20)
    assert fifty_registrations == one_registration
    assert thirty_challenges == one_registration
