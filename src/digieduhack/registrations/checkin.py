"""Check-in on the event day: members of a challenge's host (and organizers) find a confirmed participant by
name or e-mail, or open the link of their personal QR code, and mark them present; a mistake is undone.

Check-in opens at 00:00 UTC the day before the challenge starts (early enough for every time zone's
morning) and stays open until the edition is over (then it is an archive like everything else). Checking in
twice keeps the first time; each change is audited. The change is one conditional UPDATE, so two phones
tapping the same person at once record one time and one audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.challenges.services import get_challenge, is_member
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, Forbidden, NotFound
from digieduhack.events.services import is_past, require_open_edition
from digieduhack.models import Account, Challenge, Registration, RegistrationStatus
from digieduhack.registrations import codes
from digieduhack.registrations.waitlist import audit_entry
from digieduhack.settings import Settings

SEARCH_LIMIT = 50
FORBIDDEN = "Only organizers and members of this challenge's host can check participants in."


def opens_at(challenge: Challenge) -> datetime:
    """00:00 UTC the day before the challenge starts (its start's UTC date)."""
    day = challenge.starts_at.astimezone(UTC).date() - timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def window_closed(challenge: Challenge, now: datetime) -> str | None:
    """Why nobody can check in now, or None while check-in is open (the challenge's event loaded)."""
    if is_past(challenge.event, now):
        return f"{challenge.event.name} is over: its challenges are an archive and can't be changed."
    opening = opens_at(challenge)
    if now < opening:
        return f"Check-in opens on {opening:%d %B %Y at %H:%M} UTC, the day before the challenge starts."
    return None


def require_window(challenge: Challenge, clock: Clock) -> None:
    require_open_edition(challenge.event, clock)  # the archive's message, the same as everywhere
    closed = window_closed(challenge, clock.now())
    if closed is not None:
        raise Conflict(closed)


def may_check_in(actor: Account | None, challenge: Challenge) -> bool:
    return actor is not None and (actor.is_organizer or is_member(actor, challenge.host_id))


async def checkin_challenge(db: AsyncSession, actor: Account, slug: str) -> Challenge:
    """The challenge, for those who check its participants in: 404 unknown, 403 anyone else."""
    challenge = await get_challenge(db, slug, actor)
    if not may_check_in(actor, challenge):
        raise Forbidden(FORBIDDEN)
    return challenge


async def registration_of(db: AsyncSession, challenge: Challenge, reg_id: int) -> Registration:
    reg = await db.scalar(
        select(Registration)
        .where(Registration.id == reg_id, Registration.challenge_id == challenge.id)
        .options(joinedload(Registration.account))
        .execution_options(populate_existing=True)
    )
    if reg is None:
        raise NotFound(f"'{challenge.title}' has no registration {reg_id}.")
    reg.challenge = challenge
    return reg


def require_confirmed(reg: Registration) -> None:
    name = reg.account.display_name
    if reg.status == RegistrationStatus.WAITLISTED:
        raise Conflict(
            f"{name} is on the waitlist, not confirmed: give them a free place first (Participants page)."
        )
    if reg.status == RegistrationStatus.CANCELLED:
        raise Conflict(f"{name}'s registration was cancelled: only confirmed participants check in.")


async def _change(
    db: AsyncSession, actor: Account, slug: str, reg_id: int, clock: Clock, *, present: bool
) -> Registration:
    challenge = await checkin_challenge(db, actor, slug)
    reg = await registration_of(db, challenge, reg_id)
    require_window(challenge, clock)
    require_confirmed(reg)
    now = clock.now()
    # conditional: only the first check-in (or undo) changes the row; a repeat changes nothing
    stmt = (
        update(Registration)
        .where(Registration.id == reg.id, Registration.status == RegistrationStatus.CONFIRMED)
        .where(Registration.checked_in_at.is_(None) if present else Registration.checked_in_at.is_not(None))
        .values(checked_in_at=now if present else None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    changed = (await db.execute(stmt)).rowcount  # type: ignore[attr-defined]
    if changed:
        action = "registration.check_in" if present else "registration.check_in_undo"
        db.add(audit_entry(actor, action, challenge, reg, clock))
    await db.flush()
    await db.refresh(reg, ["checked_in_at", "status", "updated_at"])
    return reg


async def check_in(db: AsyncSession, actor: Account, slug: str, reg_id: int, *, clock: Clock) -> Registration:
    """Mark a confirmed participant present; already present: nothing changes (the first time stays)."""
    return await _change(db, actor, slug, reg_id, clock, present=True)


async def undo(db: AsyncSession, actor: Account, slug: str, reg_id: int, *, clock: Clock) -> Registration:
    """Take a check-in back (a wrong tap); not checked in: nothing changes."""
    return await _change(db, actor, slug, reg_id, clock, present=False)


# --- the search of the check-in page --------------------------------------------------------------------
@dataclass
class CheckinList:
    challenge: Challenge
    rows: list[Registration]  # at most SEARCH_LIMIT, by name
    matching: int  # how many match the search (more than len(rows): refine it)
    confirmed: int  # confirmed participants of the challenge
    checked_in: int  # of them, checked in
    closed: str | None  # why check-in is not open now, or None


async def counts(db: AsyncSession, challenge_id: int) -> tuple[int, int]:
    """(confirmed, checked in) of a challenge."""
    row = (
        await db.execute(
            select(func.count(), func.count(Registration.checked_in_at)).where(
                Registration.challenge_id == challenge_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def search(
    db: AsyncSession, actor: Account, slug: str, q: str | None, *, clock: Clock, limit: int = SEARCH_LIMIT
) -> CheckinList:
    """Confirmed participants whose name or e-mail contains `q` (any case), by name."""
    challenge = await checkin_challenge(db, actor, slug)
    where = [Registration.challenge_id == challenge.id, Registration.status == RegistrationStatus.CONFIRMED]
    words = (q or "").strip().lower()
    if words:
        where.append(
            or_(
                func.lower(Account.display_name).contains(words, autoescape=True),
                func.lower(Account.email).contains(words, autoescape=True),
            )
        )
    base = select(Registration).join(Account, Account.id == Registration.account_id).where(*where)
    matching = await db.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = list(
        await db.scalars(
            base.options(joinedload(Registration.account))
            .order_by(func.lower(Account.display_name), Registration.id)
            .limit(limit)
        )
    )
    confirmed, checked_in = await counts(db, challenge.id)
    closed = window_closed(challenge, clock.now())
    return CheckinList(challenge, rows, matching, confirmed, checked_in, closed)


# --- the personal code's link -----------------------------------------------------------------------------
async def registration_by_code(db: AsyncSession, settings: Settings, token: str) -> Registration:
    """The registration a check-in code names, with its challenge (host, event) and account; 404 for a
    token not made by us for check-in."""
    reg_id = codes.registration_id_of(settings, codes.CHECKIN_PURPOSE, token)
    reg = None
    if reg_id is not None:
        reg = await db.scalar(
            select(Registration)
            .where(Registration.id == reg_id)
            .options(
                joinedload(Registration.challenge).joinedload(Challenge.event),
                joinedload(Registration.challenge).joinedload(Challenge.host),
                joinedload(Registration.account),
            )
        )
    if reg is None:
        raise NotFound("This check-in code is not valid.")
    return reg
