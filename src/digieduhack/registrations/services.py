"""Joining and leaving a challenge: the capacity is never exceeded, the waitlist moves in order.

Every change runs with the challenge row locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
request's transaction began with BEGIN IMMEDIATE, which serialises writers), so counting, inserting
and promoting happen as one step.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.accounts.services import require_verified_email
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, NotFound
from digieduhack.events.services import require_open_edition
from digieduhack.models import Account, Challenge, ChallengeStatus, Event, Registration, RegistrationStatus
from digieduhack.settings import Settings

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class AlreadyRegistered(Conflict):
    pass


async def lock_challenge(db: AsyncSession, slug: str, settings: Settings) -> Challenge:
    stmt = select(Challenge).where(Challenge.slug == slug).options(joinedload(Challenge.event))
    if not settings.test_disable_join_lock:
        stmt = stmt.with_for_update(of=Challenge)
    challenge = await db.scalar(stmt.execution_options(populate_existing=True))
    if challenge is None or challenge.status == ChallengeStatus.DRAFT:
        raise NotFound(f"There is no challenge '{slug}'.")
    return challenge


def require_open(challenge: Challenge, event: Event, clock: Clock) -> None:
    now = clock.now()
    if challenge.status == ChallengeStatus.CANCELLED:
        raise Conflict("This challenge was cancelled.")
    if challenge.status == ChallengeStatus.CLOSED:
        raise Conflict("Registration for this challenge is closed.")
    if event.registration_opens_at and now < event.registration_opens_at:
        raise Conflict(f"Registration opens on {event.registration_opens_at:%d %B %Y at %H:%M} UTC.")
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise Conflict("Registration for this event has closed.")
    if now >= challenge.ends_at:
        raise Conflict("This challenge is over.")
    if challenge.registration_deadline and now >= challenge.registration_deadline:
        raise Conflict("The registration deadline of this challenge has passed.")


async def active_registration(db: AsyncSession, account_id: int, challenge_id: int) -> Registration | None:
    reg: Registration | None = await db.scalar(
        select(Registration).where(
            Registration.account_id == account_id,
            Registration.challenge_id == challenge_id,
            Registration.status.in_(ACTIVE),
        )
    )
    return reg


async def join(
    db: AsyncSession, actor: Account, slug: str, *, clock: Clock, settings: Settings
) -> Registration:
    """Confirmed while there is room, waitlisted when full; a second join is refused."""
    require_verified_email(actor)
    challenge = await lock_challenge(db, slug, settings)
    require_open_edition(challenge.event, clock)
    require_open(challenge, challenge.event, clock)
    if await active_registration(db, actor.id, challenge.id) is not None:
        raise AlreadyRegistered("You are already registered for this challenge.")
    full = challenge.capacity is not None and challenge.confirmed_count >= challenge.capacity
    now = clock.now()
    reg = Registration(
        challenge=challenge,
        account_id=actor.id,
        status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
        created_at=now,
        updated_at=now,
    )
    db.add(reg)
    if full:
        challenge.waitlisted_count = challenge.waitlisted_count + 1
    else:
        challenge.confirmed_count = challenge.confirmed_count + 1
    await db.flush()
    return reg


async def cancel(
    db: AsyncSession, actor: Account, slug: str, *, clock: Clock, settings: Settings
) -> Registration:
    """Cancel the actor's registration; a freed place goes to the first person on the waitlist."""
    challenge = await lock_challenge(db, slug, settings)
    require_open_edition(challenge.event, clock)
    reg = await active_registration(db, actor.id, challenge.id)
    if reg is None:
        raise NotFound("You have no registration for this challenge.")
    now = clock.now()
    was_confirmed = reg.status == RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = reg.updated_at = now
    if was_confirmed:
        challenge.confirmed_count = challenge.confirmed_count - 1
        await fill_from_waitlist(db, challenge, clock)
    else:
        challenge.waitlisted_count = challenge.waitlisted_count - 1
    await db.flush()
    reg.challenge = challenge
    return reg


async def fill_from_waitlist(db: AsyncSession, challenge: Challenge, clock: Clock) -> None:
    """Give free places (after a capacity was raised) to the waitlist, first come first served.

    Call with the challenge row locked, like join and cancel.
    """
    if challenge.waitlisted_count == 0:
        return
    stmt = (
        select(Registration)
        .where(
            Registration.challenge_id == challenge.id, Registration.status == RegistrationStatus.WAITLISTED
        )
        .order_by(Registration.id)
    )
    if challenge.capacity is not None:
        free = challenge.capacity - challenge.confirmed_count
        if free <= 0:
            return
        stmt = stmt.limit(free)
    now = clock.now()
    for reg in await db.scalars(stmt):
        reg.status = RegistrationStatus.CONFIRMED
        reg.updated_at = now
        challenge.confirmed_count = challenge.confirmed_count + 1
        challenge.waitlisted_count = challenge.waitlisted_count - 1


async def waitlist_position(db: AsyncSession, reg: Registration) -> int | None:
    if reg.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = await db.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.challenge_id == reg.challenge_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id < reg.id,
        )
    )
    return (ahead or 0) + 1


async def my_registrations(db: AsyncSession, actor: Account) -> list[tuple[Registration, int | None]]:
    rows = await db.scalars(
        select(Registration)
        .where(Registration.account_id == actor.id)
        .options(joinedload(Registration.challenge).joinedload(Challenge.host))
        .order_by(Registration.id.desc())
    )
    regs = sorted(rows, key=lambda r: (r.status == RegistrationStatus.CANCELLED, -r.id))
    return [(r, await waitlist_position(db, r)) for r in regs]


async def my_registration_for(
    db: AsyncSession, actor: Account | None, challenge: Challenge
) -> Registration | None:
    return None if actor is None else await active_registration(db, actor.id, challenge.id)
