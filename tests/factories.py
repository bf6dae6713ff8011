"""Rows for tests, written straight into the real test database (no mocks)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Account,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    EmailToken,
    EmailTokenPurpose,
    Event,
    EventParticipation,
    Host,
    HostInvitation,
    HostKind,
    HostMember,
    HostStatus,
    Registration,
    RegistrationStatus,
)
from digieduhack.security import new_token, token_hash

PASSWORD = "correct horse battery"
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
_seq = itertools.count(1)


def now() -> datetime:
    return datetime.now(UTC)


def next_edition_dates() -> tuple[date, date]:
    year = date.today().year + 1
    return date(year, 11, 9), date(year, 11, 10)


async def event(
    db: AsyncSession,
    slug: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    **kw: object,
) -> Event:
    start, end = next_edition_dates()
    ev = Event(
        slug=slug or str((starts_on or start).year),
        name=f"DigiEduHack {(starts_on or start).year}",
        starts_on=starts_on or start,
        ends_on=ends_on or end,
        created_at=now(),
        **kw,
    )
    db.add(ev)
    await db.commit()
    return ev


async def account(
    db: AsyncSession,
    email: str | None = None,
    name: str | None = None,
    is_organizer: bool = False,
    country: str | None = None,
    verified: bool = True,
) -> Account:
    """An account; its email address is verified unless `verified=False` (joining needs it)."""
    n = next(_seq)
    acc = Account(
        email=(email or f"person{n}@example.org").lower(),
        display_name=name or f"Person {n}",
        password_hash=PASSWORD_HASH,
        is_organizer=is_organizer,
        country=country,
        locale="en",
        created_at=now(),
        terms_accepted_at=now(),
        email_verified_at=now() if verified else None,
    )
    db.add(acc)
    await db.commit()
    return acc


async def host(
    db: AsyncSession,
    *members: Account,
    slug: str | None = None,
    name: str | None = None,
    status: HostStatus = HostStatus.APPROVED,
    country: str = "BE",
) -> Host:
    n = next(_seq)
    h = Host(
        slug=slug or f"host-{n}",
        name=name or f"Host {n}",
        kind=HostKind.UNIVERSITY,
        country=country,
        city="Leuven",
        status=status,
        created_at=now(),
    )
    db.add(h)
    await db.flush()
    for m in members:
        db.add(HostMember(host_id=h.id, account_id=m.id, created_at=now()))
    await db.commit()
    return h


async def challenge(
    db: AsyncSession,
    ev: Event,
    h: Host,
    *,
    slug: str | None = None,
    title: str | None = None,
    capacity: int | None = 10,
    status: ChallengeStatus = ChallengeStatus.PUBLISHED,
    timezone: str = "Europe/Brussels",
    fmt: ChallengeFormat = ChallengeFormat.ONLINE,
    start_hour: int = 9,
    hours: int = 8,
) -> Challenge:
    n = next(_seq)
    zone = ZoneInfo(timezone)
    starts = datetime.combine(ev.starts_on, time(start_hour), tzinfo=zone).astimezone(UTC)
    c = Challenge(
        event_id=ev.id,
        host_id=h.id,
        slug=slug or f"challenge-{n}",
        title=title or f"Challenge {n}",
        summary="A challenge about digital education.",
        description="",
        language="en",
        format=fmt,
        country=h.country if fmt != ChallengeFormat.ONLINE else None,
        city="Leuven" if fmt != ChallengeFormat.ONLINE else None,
        timezone=timezone,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        status=status,
        confirmed_count=0,
        waitlisted_count=0,
        created_at=now(),
        updated_at=now(),
    )
    db.add(c)
    await db.commit()
    return c


async def registration(
    db: AsyncSession,
    c: Challenge,
    a: Account,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    *,
    checked_in_at: datetime | None = None,
) -> Registration:
    """A registration with the challenge's counters and the participant's count of challenges held in the
    event kept right, as the service would (beyond the event's limit, the database refuses it);
    `checked_in_at`: when the participant was checked in on the day."""
    r = Registration(
        challenge_id=c.id,
        account_id=a.id,
        status=status,
        created_at=now(),
        updated_at=now(),
        checked_in_at=checked_in_at,
    )
    db.add(r)
    if status == RegistrationStatus.CONFIRMED:
        c.confirmed_count += 1
    elif status == RegistrationStatus.WAITLISTED:
        c.waitlisted_count += 1
    if status != RegistrationStatus.CANCELLED:
        ev = await db.get(Event, c.event_id)
        assert ev is not None
        part = await db.get(EventParticipation, (c.event_id, a.id))
        if part is None:
            part = EventParticipation(event_id=c.event_id, account_id=a.id, held=0)
            db.add(part)
        part.held += 1
        part.max_held = ev.max_challenges_per_participant
    await db.commit()
    return r


async def invitation(
    db: AsyncSession,
    h: Host,
    email: str,
    inviter: Account | None = None,
    *,
    created_at: datetime | None = None,
    token: str | None = None,
) -> tuple[HostInvitation, str]:
    """A pending invitation (valid 14 days from `created_at`) and the token of its link."""
    token = token or new_token()
    created = created_at or now()
    inv = HostInvitation(
        host_id=h.id,
        email=email.lower(),
        token_hash=token_hash(token),
        invited_by_id=inviter.id if inviter else None,
        created_at=created,
        expires_at=created + timedelta(days=14),
    )
    db.add(inv)
    await db.commit()
    return inv, token


async def email_token(db: AsyncSession, a: Account, purpose: EmailTokenPurpose, hours: int = 1) -> str:
    """An unused e-mail link token of `a` (valid `hours` from now); the table keeps its SHA-256."""
    token = new_token()
    db.add(
        EmailToken(
            account_id=a.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now(),
            expires_at=now() + timedelta(hours=hours),
        )
    )
    await db.commit()
    return token


@dataclass
class World:
    event: Event
    organizer: Account
    host_a: Host
    host_b: Host
    member_a: Account
    member_b: Account
    alice: Account
    bob: Account


async def world(db: AsyncSession) -> World:
    ev = await event(db)
    organizer = await account(db, "olga@example.org", "Olga Organizer", is_organizer=True)
    member_a = await account(db, "hanne@example.org", "Hanne Host")
    member_b = await account(db, "wanjiru@example.org", "Wanjiru Host")
    host_a = await host(db, member_a, slug="leuven-lab", name="Leuven Lab")
    host_b = await host(db, member_b, slug="nairobi-circle", name="Nairobi Circle", country="KE")
    alice = await account(db, "alice@example.org", "Alice Participant", country="PT")
    bob = await account(db, "bob@example.org", "Bob Participant", country="KE")
    return World(ev, organizer, host_a, host_b, member_a, member_b, alice, bob)
