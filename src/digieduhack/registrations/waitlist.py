"""The host's hand on a challenge's participants: the roster with waitlist positions, promoting a waiting
person to a free place, removing a registration. Members of the challenge's host and organizers change it;
each change is audited and tells the person by e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.challenges.services import get_challenge, is_member, require_member
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, Forbidden, NotFound
from digieduhack.events.services import require_open_edition
from digieduhack.models import Account, AuditEntry, Challenge, Question, Registration, RegistrationStatus
from digieduhack.questions.answers import answers_of, questions_of
from digieduhack.registrations.services import ACTIVE, end, lock_challenge, promote
from digieduhack.settings import Settings


@dataclass
class Roster:
    """The confirmed in the order they registered, then the waitlist with positions 1..n; the challenge's
    questions and each registration's answers ({registration id: {question id: value}})."""

    challenge: Challenge
    rows: list[tuple[Registration, int | None]]
    questions: list[Question]
    answers: dict[int, dict[int, Any]]


async def participants(db: AsyncSession, actor: Account, slug: str) -> Roster:
    """A challenge's roster, for its host's members and organizers."""
    challenge = await get_challenge(db, slug, actor)
    if not (actor.is_organizer or is_member(actor, challenge.host_id)):
        raise Forbidden("Only organizers and members of this challenge's host can see its participants.")
    regs = list(
        await db.scalars(
            select(Registration)
            .where(Registration.challenge_id == challenge.id, Registration.status.in_(ACTIVE))
            .options(joinedload(Registration.account))
            .order_by(Registration.id)
        )
    )
    waiting = [r for r in regs if r.status == RegistrationStatus.WAITLISTED]
    rows: list[tuple[Registration, int | None]] = [
        (r, None) for r in regs if r.status == RegistrationStatus.CONFIRMED
    ]
    rows += [(r, n) for n, r in enumerate(waiting, start=1)]
    questions = await questions_of(db, challenge.id)
    answers = await answers_of(db, [r.id for r in regs]) if questions else {}
    return Roster(challenge, rows, questions, answers)


async def _locked_registration(
    db: AsyncSession, actor: Account, slug: str, reg_id: int, settings: Settings, clock: Clock
) -> tuple[Challenge, Registration]:
    challenge = await lock_challenge(db, slug, settings)
    if not actor.is_organizer:  # organizers oversee every host
        require_member(actor, challenge.host_id)
    require_open_edition(challenge.event, clock)
    reg = await db.scalar(
        select(Registration)
        .where(
            Registration.id == reg_id,
            Registration.challenge_id == challenge.id,
            Registration.status.in_(ACTIVE),
        )
        .options(joinedload(Registration.account))
        .execution_options(populate_existing=True)
    )
    if reg is None:
        raise NotFound(f"'{challenge.title}' has no active registration {reg_id}.")
    return challenge, reg


def audit_entry(
    actor: Account, action: str, challenge: Challenge, reg: Registration, clock: Clock
) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.id,
        action=action,
        target=f"challenge:{challenge.slug}",
        details={"registration": reg.id, "account": reg.account_id},
        created_at=clock.now(),
    )


async def promote_by_host(
    db: AsyncSession, actor: Account, slug: str, reg_id: int, *, clock: Clock, settings: Settings
) -> Registration:
    """Give a free place to this waiting person, whatever their position; never beyond the capacity."""
    challenge, reg = await _locked_registration(db, actor, slug, reg_id, settings, clock)
    if reg.status != RegistrationStatus.WAITLISTED:
        raise Conflict(f"{reg.account.display_name} is already confirmed.")
    if challenge.free_places == 0:
        raise Conflict(
            f"All {challenge.capacity} places of '{challenge.title}' are taken. Raise the capacity (the "
            f"waitlist then moves up in order) or remove a confirmed participant first."
        )
    await promote(db, challenge, reg, reg.account, clock=clock, settings=settings)
    db.add(audit_entry(actor, "registration.promote", challenge, reg, clock))
    await db.flush()
    reg.challenge = challenge
    return reg


async def remove_by_host(
    db: AsyncSession, actor: Account, slug: str, reg_id: int, *, clock: Clock, settings: Settings
) -> Registration:
    """Remove a confirmed or waiting person; a freed place goes to the waitlist in order."""
    challenge, reg = await _locked_registration(db, actor, slug, reg_id, settings, clock)
    db.add(audit_entry(actor, "registration.remove", challenge, reg, clock))
    await end(db, challenge, reg, reg.account, clock=clock, settings=settings, kind="registration_removed")
    return reg
