"""A cast for the announcement tests: one challenge of host A with people in every state, another challenge
of host B in the same edition, and a challenge of another edition."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Announcement, AuditEntry, Challenge, OutboxMessage, RegistrationStatus
from tests import factories
from tests.challenges.helpers import fetch_all

C = RegistrationStatus.CONFIRMED
W = RegistrationStatus.WAITLISTED
X = RegistrationStatus.CANCELLED


@dataclass
class Cast:
    world: factories.World
    robots: Challenge  # host A's: carla and dan confirmed (dan checked in), erin waitlisted, fred cancelled
    poems: Challenge  # host B's, same edition: alice confirmed, erin waitlisted, gina confirmed (checked in)
    people: dict[str, Account]


async def cast(db: AsyncSession, world: factories.World) -> Cast:
    robots = await factories.challenge(db, world.event, world.host_a, slug="robots", title="Robots in class")
    poems = await factories.challenge(db, world.event, world.host_b, slug="poems", title="Poems by code")
    world.event.max_challenges_per_participant = None
    db.add(world.event)
    await db.commit()
    people = {
        name: await factories.account(db, f"{name}@example.org", name.capitalize())
        for name in ("carla", "dan", "erin", "fred", "gina", "zoe")
    }
    for name, challenge, status in [
        ("carla", robots, C),
        ("dan", robots, C),
        ("erin", robots, W),
        ("fred", robots, X),
        ("gina", poems, C),
        ("erin", poems, W),
    ]:
        reg = await factories.registration(db, challenge, people[name], status)
        if name in ("dan", "gina"):
            reg.checked_in_at = factories.now()
            await db.commit()
    await factories.registration(db, poems, world.alice)
    # zoe deleted her account: her (past edition's kind of) registration row stays, she gets nothing
    zoe_reg = await factories.registration(db, robots, people["zoe"])
    people["zoe"].deleted_at = factories.now()
    db.add(people["zoe"])
    await db.commit()
    assert zoe_reg.id
    return Cast(world, robots, poems, people)


def note(
    subject: str = "Bring a laptop", body: str = "See you **on Monday**.", **extra: object
) -> dict[str, object]:
    return {"subject": subject, "body": body, **extra}


async def outbox(app: Litestar) -> list[OutboxMessage]:
    rows = await fetch_all(
        app, select(OutboxMessage).where(OutboxMessage.kind == "announcement").order_by(OutboxMessage.id)
    )
    return [r[0] for r in rows]


async def recipients(app: Litestar) -> list[str]:
    return sorted(m.to_address for m in await outbox(app))


async def announcements(app: Litestar) -> list[Announcement]:
    return [r[0] for r in await fetch_all(app, select(Announcement).order_by(Announcement.id))]


async def audit(app: Litestar) -> list[AuditEntry]:
    rows = await fetch_all(app, select(AuditEntry).where(AuditEntry.action == "announcement.send"))
    return [r[0] for r in rows]


async def nothing_written(app: Litestar) -> bool:
    return not (await outbox(app) or await announcements(app) or await audit(app))
