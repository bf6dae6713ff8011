"""Joining and leaving a challenge: the capacity is never exceeded, the waitlist moves in order, and an event
limits how many challenges one participant holds.

Every change runs with the challenge row locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
request's transaction began with BEGIN IMMEDIATE, which serialises writers), so counting, inserting
and promoting happen as one step. A participant's EventParticipation row (held <= max_held, checked by the
database) is then locked too and kept right in the same transaction. Each state change writes its e-mail
to the outbox in that transaction as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import ColumnElement

from digieduhack.accounts.services import require_verified_email
from digieduhack.challenges.calendar import challenge_ics, challenge_url, location
from digieduhack.challenges.status import registration_shut
from digieduhack.clock import Clock
from digieduhack.db import dialect_insert
from digieduhack.errors import Conflict, NotFound, field_error
from digieduhack.events.services import require_open_edition
from digieduhack.models import (
    ACTIVE_STATUSES,
    Account,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    Event,
    EventParticipation,
    Registration,
    RegistrationStatus,
)
from digieduhack.outbox.services import Attachment, enqueue
from digieduhack.questions.answers import check_answers, questions_of, save_answers
from digieduhack.registrations import codes
from digieduhack.registrations.schemas import JoinIn, MoveIn
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.teams.services import drop_member

ACTIVE = ACTIVE_STATUSES


class AlreadyRegistered(Conflict):
    pass


class LimitReached(Conflict):
    """Joining would pass the event's limit of challenges per participant; `held` are the ones they hold."""

    def __init__(self, event: Event, held: Sequence[Challenge]) -> None:
        titles = " and ".join(f"'{c.title}'" for c in held)
        limit = event.max_challenges_per_participant
        hold = "one challenge" if limit == 1 else f"{limit} challenges"
        it = "it" if len(held) == 1 else "one of them"
        super().__init__(
            f"{event.name} lets each participant hold {hold}: you hold {titles}. You can move here from {it} "
            f"in one step: your place there goes to the next person on its waitlist."
        )
        self.held = list(held)


async def _lock(db: AsyncSession, where: ColumnElement[bool], settings: Settings) -> Challenge | None:
    stmt = select(Challenge).where(where).options(joinedload(Challenge.event))
    if not settings.test_disable_join_lock:
        stmt = stmt.with_for_update(of=Challenge)
    challenge: Challenge | None = await db.scalar(stmt.execution_options(populate_existing=True))
    return challenge


async def lock_challenge(db: AsyncSession, slug: str, settings: Settings) -> Challenge:
    challenge = await _lock(db, Challenge.slug == slug, settings)
    if challenge is None or challenge.status == ChallengeStatus.DRAFT:
        raise NotFound(f"There is no challenge '{slug}'.")
    return challenge


async def lock_challenges(db: AsyncSession, slugs: Sequence[str], settings: Settings) -> list[Challenge]:
    """Several challenges, in the order of `slugs`, locked in the order of their ids: two requests
    locking the same pair never wait for each other crosswise (no deadlock)."""
    ids = dict(
        (await db.execute(select(Challenge.slug, Challenge.id).where(Challenge.slug.in_(slugs)))).all()
    )
    by_slug = {}
    for challenge_id in sorted(ids.values()):
        challenge = await _lock(db, Challenge.id == challenge_id, settings)
        if challenge is not None:
            by_slug[challenge.slug] = challenge
    for slug in slugs:
        if slug not in by_slug or by_slug[slug].status == ChallengeStatus.DRAFT:
            raise NotFound(f"There is no challenge '{slug}'.")
    return [by_slug[slug] for slug in slugs]


def require_open(challenge: Challenge, clock: Clock) -> None:
    """Refuse a join while registration is shut (challenges.status.registration_shut has the rule)."""
    shut = registration_shut(challenge, clock.now())
    if shut is not None:
        raise Conflict(shut[1])


async def active_registration(db: AsyncSession, account_id: int, challenge_id: int) -> Registration | None:
    reg: Registration | None = await db.scalar(
        select(Registration).where(
            Registration.account_id == account_id,
            Registration.challenge_id == challenge_id,
            Registration.status.in_(ACTIVE),
        )
    )
    return reg


# --- the per-event limit ----------------------------------------------------------------------------
async def participation(db: AsyncSession, event: Event, account_id: int) -> EventParticipation:
    """The participant's row for the event, created when missing, locked until the transaction ends.

    One statement: INSERT ... ON CONFLICT DO UPDATE ... RETURNING. An existing row is updated (to itself),
    which locks it like SELECT ... FOR UPDATE and returns its latest committed values; on SQLite the
    transaction already holds the write lock. Call it after locking the challenge(s): every change takes the
    locks in that order."""
    stmt = (
        dialect_insert(db)(EventParticipation)
        .values(
            event_id=event.id, account_id=account_id, held=0, max_held=event.max_challenges_per_participant
        )
        .on_conflict_do_update(
            index_elements=[EventParticipation.event_id, EventParticipation.account_id],
            set_={"held": EventParticipation.held},
        )
        .returning(EventParticipation)
    )
    part: EventParticipation | None = await db.scalar(
        select(EventParticipation).from_statement(stmt).execution_options(populate_existing=True)
    )
    assert part is not None  # inserted or updated: RETURNING always gives the row
    return part


def change_held(part: EventParticipation, event: Event, delta: int) -> None:
    """Count one challenge more (+1) or fewer (-1). The database refuses a count above max_held, which
    follows the event's limit; someone who already held more (the limit was lowered) keeps what they hold."""
    limit = event.max_challenges_per_participant
    part.max_held = None if limit is None else max(limit, part.held)
    part.held = part.held + delta


async def held_challenges(db: AsyncSession, account_id: int, event_id: int) -> list[Challenge]:
    return list(
        await db.scalars(
            select(Challenge)
            .join(Registration, Registration.challenge_id == Challenge.id)
            .where(
                Registration.account_id == account_id,
                Registration.status.in_(ACTIVE),
                Challenge.event_id == event_id,
            )
            .order_by(Registration.id)
        )
    )


async def require_within_limit(
    db: AsyncSession, part: EventParticipation, event: Event, account_id: int
) -> None:
    limit = event.max_challenges_per_participant
    if limit is not None and part.held >= limit:
        raise LimitReached(event, await held_challenges(db, account_id, event.id))


# --- e-mails ------------------------------------------------------------------------------------------
def withdraw_url(settings: Settings, reg: Registration) -> str:
    return codes.withdraw_url(settings, reg.id)


def registration_for_token(settings: Settings, token: str) -> int | None:
    return codes.registration_id_of(settings, codes.WITHDRAW_PURPOSE, token)


async def notify(
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    *,
    kind: str,
    reg: Registration,
    challenge: Challenge,
    account: Account,
) -> None:
    """The e-mail of one state change of a registration (dedupe key: the registration and the change, so
    a retried or repeated step never sends it twice; joining again later is a new registration)."""
    if account.deleted_at is not None:
        return
    active = reg.status in ACTIVE
    confirmed = reg.status == RegistrationStatus.CONFIRMED
    attachments = []
    if confirmed:
        calendar = challenge_ics(challenge, base_url=settings.base_url, stamp=clock.now())
        attachments.append(Attachment(f"{challenge.slug}.ics", "text/calendar; method=PUBLISH", calendar))
    await enqueue(
        db,
        settings,
        clock,
        kind=kind,
        to=account.email,
        account_id=account.id,
        context={
            "name": account.display_name,
            "challenge": challenge,
            "event_name": challenge.event.name,
            "where": location(challenge),
            "challenge_url": challenge_url(settings.base_url, challenge),
            "withdraw_url": withdraw_url(settings, reg) if active else None,
            "position": await waitlist_position(db, reg),
            "meeting_url": challenge.meeting_url
            if confirmed and challenge.format != ChallengeFormat.IN_PERSON
            else None,
            # the personal check-in code: its link, and its QR code as an image
            "checkin_url": codes.checkin_url(settings, reg) if confirmed else None,
            "checkin_qr_url": f"{codes.checkin_url(settings, reg)}/qr.svg" if confirmed else None,
        },
        attachments=attachments,
        dedupe_key=f"reg:{reg.id}:{kind}",
    )


# --- the state changes, with the challenge (and the participation) locked ------------------------------
async def enter(
    db: AsyncSession, challenge: Challenge, account: Account, *, clock: Clock, settings: Settings
) -> Registration:
    """A new registration: confirmed while there is room, waitlisted when full. The caller counts it in
    the participant's EventParticipation."""
    full = challenge.capacity is not None and challenge.confirmed_count >= challenge.capacity
    now = clock.now()
    reg = Registration(
        challenge=challenge,
        account_id=account.id,
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
    kind = "registration_waitlisted" if full else "registration_confirmed"
    await notify(db, settings, clock, kind=kind, reg=reg, challenge=challenge, account=account)
    return reg


async def leave(
    db: AsyncSession,
    challenge: Challenge,
    reg: Registration,
    account: Account,
    *,
    clock: Clock,
    settings: Settings,
    kind: str = "registration_cancelled",
) -> None:
    """End an active registration; a freed place goes to the waitlist. The caller counts it out of the
    participant's EventParticipation."""
    now = clock.now()
    was_confirmed = reg.status == RegistrationStatus.CONFIRMED
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = reg.updated_at = now
    if was_confirmed:
        challenge.confirmed_count = challenge.confirmed_count - 1
        await fill_from_waitlist(db, challenge, clock, settings)
    else:
        challenge.waitlisted_count = challenge.waitlisted_count - 1
    await db.flush()
    await drop_member(db, challenge.id, account.id)
    await notify(db, settings, clock, kind=kind, reg=reg, challenge=challenge, account=account)


async def promote(
    db: AsyncSession,
    challenge: Challenge,
    reg: Registration,
    account: Account,
    *,
    clock: Clock,
    settings: Settings,
) -> None:
    reg.status = RegistrationStatus.CONFIRMED
    reg.updated_at = clock.now()
    challenge.confirmed_count = challenge.confirmed_count + 1
    challenge.waitlisted_count = challenge.waitlisted_count - 1
    await db.flush()
    await notify(
        db, settings, clock, kind="registration_promoted", reg=reg, challenge=challenge, account=account
    )


def count_change(limiter: RateLimiter, settings: Settings, actor: Account) -> None:
    """Joins, moves and withdrawals of one account share a budget (settings.join_attempts per
    rate_limit_window): over it, 429 with Retry-After before anything is read or locked."""
    limiter.hit(f"registration:account:{actor.id}", settings.join_attempts, settings.rate_limit_window)


async def join(
    db: AsyncSession,
    actor: Account,
    slug: str,
    data: JoinIn | None = None,
    *,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Registration:
    """Confirmed while there is room, waitlisted when full; a second join, or one beyond the event's
    limit, is refused. The answers to the challenge's questions are checked before anything changes."""
    count_change(limiter, settings, actor)
    require_verified_email(actor)
    challenge = await lock_challenge(db, slug, settings)
    require_open_edition(challenge.event, clock)
    require_open(challenge, clock)
    if await active_registration(db, actor.id, challenge.id) is not None:
        raise AlreadyRegistered("You are already registered for this challenge.")
    answers = check_answers(await questions_of(db, challenge.id), data.answers if data else {})
    part = await participation(db, challenge.event, actor.id)
    await require_within_limit(db, part, challenge.event, actor.id)
    change_held(part, challenge.event, +1)
    reg = await enter(db, challenge, actor, clock=clock, settings=settings)
    await save_answers(db, reg, answers)
    return reg


async def move(
    db: AsyncSession,
    actor: Account,
    slug: str,
    data: MoveIn,
    *,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Registration:
    """Leave `data.from_challenge` and join `slug` in one transaction, or change nothing."""
    if data.from_challenge == slug:
        raise field_error("from_challenge", "Choose another challenge than the one you move to.")
    count_change(limiter, settings, actor)
    require_verified_email(actor)
    new, old = await lock_challenges(db, [slug, data.from_challenge], settings)
    require_open_edition(new.event, clock)
    require_open(new, clock)
    if old.event_id != new.event_id:
        raise Conflict("You can only move between challenges of the same edition.")
    if await active_registration(db, actor.id, new.id) is not None:
        raise AlreadyRegistered("You are already registered for this challenge.")
    old_reg = await active_registration(db, actor.id, old.id)
    if old_reg is None:
        raise Conflict(f"You hold no registration for '{old.title}' to move from.")
    answers = check_answers(await questions_of(db, new.id), data.answers)
    await participation(db, new.event, actor.id)  # locked; it holds as many challenges after as before
    await leave(db, old, old_reg, actor, clock=clock, settings=settings)
    reg = await enter(db, new, actor, clock=clock, settings=settings)
    await save_answers(db, reg, answers)
    return reg


async def cancel(
    db: AsyncSession,
    actor: Account,
    slug: str,
    *,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter | None,
) -> Registration:
    """Cancel the actor's registration; a freed place goes to the first person on the waitlist.
    `limiter`: the actor's budget of changes; None when it is not their click (their account is deleted)."""
    if limiter is not None:
        count_change(limiter, settings, actor)
    challenge = await lock_challenge(db, slug, settings)
    require_open_edition(challenge.event, clock)
    reg = await active_registration(db, actor.id, challenge.id)
    if reg is None:
        raise NotFound("You have no registration for this challenge.")
    await end(db, challenge, reg, actor, clock=clock, settings=settings)
    return reg


async def end(
    db: AsyncSession,
    challenge: Challenge,
    reg: Registration,
    account: Account,
    *,
    clock: Clock,
    settings: Settings,
    kind: str = "registration_cancelled",
) -> None:
    """leave() and count the challenge out of what the participant holds."""
    await leave(db, challenge, reg, account, clock=clock, settings=settings, kind=kind)
    change_held(await participation(db, challenge.event, account.id), challenge.event, -1)
    await db.flush()
    reg.challenge = challenge


async def end_all(db: AsyncSession, challenge: Challenge, clock: Clock) -> int:
    """End every active registration of a challenge being cancelled (its row locked by the caller) and
    count them out of what each participant holds, so they can join another challenge. No e-mail per
    registration: the cancellation message already went to each of them. Returns how many ended."""
    regs = list(
        await db.scalars(
            select(Registration)
            .where(Registration.challenge_id == challenge.id, Registration.status.in_(ACTIVE))
            .order_by(Registration.id)
        )
    )
    now = clock.now()
    for reg in regs:
        reg.status = RegistrationStatus.CANCELLED
        reg.cancelled_at = reg.updated_at = now
        change_held(await participation(db, challenge.event, reg.account_id), challenge.event, -1)
    challenge.confirmed_count = challenge.waitlisted_count = 0
    await db.flush()
    for reg in regs:
        await drop_member(db, challenge.id, reg.account_id)
    return len(regs)


async def fill_from_waitlist(
    db: AsyncSession, challenge: Challenge, clock: Clock, settings: Settings
) -> None:
    """Give free places (after a cancellation, or a capacity was raised) to the waitlist, first come first
    served, and tell each person promoted.

    Call with the challenge row locked, like join and cancel.
    """
    if challenge.waitlisted_count == 0:
        return
    stmt = (
        select(Registration)
        .where(
            Registration.challenge_id == challenge.id, Registration.status == RegistrationStatus.WAITLISTED
        )
        .options(joinedload(Registration.account))
        .order_by(Registration.id)
    )
    if challenge.capacity is not None:
        free = challenge.capacity - challenge.confirmed_count
        if free <= 0:
            return
        stmt = stmt.limit(free)
    for reg in list(await db.scalars(stmt)):
        await promote(db, challenge, reg, reg.account, clock=clock, settings=settings)


# --- withdrawing through the link of an e-mail, without logging in -------------------------------------
async def registration_by_token(db: AsyncSession, settings: Settings, token: str) -> Registration:
    """The registration a withdraw link names, with its challenge (and event) and account; 404 for a
    link that was not made by us."""
    reg_id = registration_for_token(settings, token)
    reg = None
    if reg_id is not None:
        reg = await db.scalar(
            select(Registration)
            .where(Registration.id == reg_id)
            .options(
                joinedload(Registration.challenge).joinedload(Challenge.event),
                joinedload(Registration.account),
            )
        )
    if reg is None:
        raise NotFound(
            "This link is not valid. Copy the whole link from the e-mail, or log in to see your "
            "registrations."
        )
    return reg


async def withdraw(
    db: AsyncSession, token: str, *, clock: Clock, settings: Settings
) -> tuple[Registration, bool]:
    """Cancel the registration a withdraw link names; (it, False) when it was already cancelled."""
    reg = await registration_by_token(db, settings, token)
    challenge = await lock_challenge(db, reg.challenge.slug, settings)
    require_open_edition(challenge.event, clock)
    await db.refresh(reg, ["status"])
    if reg.status not in ACTIVE:
        return reg, False
    await end(db, challenge, reg, reg.account, clock=clock, settings=settings)
    return reg, True


async def waitlist_position(db: AsyncSession, reg: Registration) -> int | None:
    """1 for the first person waiting: positions follow the registrations' ids, so they stay 1..n
    without gaps whoever leaves."""
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
