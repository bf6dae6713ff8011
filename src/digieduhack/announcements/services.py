"""Announcements: a challenge's host members (and organizers) write to its participants by status; organizers
write to the hosts of an edition or to its participants. Each announcement is one row plus one outbox message
per recipient (plain text and HTML), all in the same transaction; a person counts once whatever the number of
their registrations or hosts, and deleted accounts get nothing. A preview renders the message and counts the
recipients without writing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import nh3
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.announcements.schemas import ChallengeAnnouncementIn, EventAnnouncementIn
from digieduhack.challenges.calendar import challenge_url
from digieduhack.challenges.services import get_challenge, is_member
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, Forbidden
from digieduhack.events.services import get_event, require_open_edition
from digieduhack.models import (
    ACTIVE_STATUSES,
    Account,
    Announcement,
    AnnouncementAudience,
    AuditEntry,
    Challenge,
    Event,
    Host,
    HostMember,
    HostStatus,
    Registration,
    RegistrationStatus,
)
from digieduhack.outbox.services import enqueue, render
from digieduhack.registrations.codes import withdraw_url
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.web import render_markdown

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
WINDOW = 3600  # the budget of announcements per account is counted over an hour
KIND = "announcement"
A = AnnouncementAudience
ACTIVE = ACTIVE_STATUSES
# the statuses (and check-in) an audience of participants selects, whether of a challenge or an edition
_PARTICIPANTS: dict[AnnouncementAudience, tuple[tuple[RegistrationStatus, ...], bool]] = {
    A.CHALLENGE_ALL: (ACTIVE, False),
    A.CHALLENGE_CONFIRMED: ((RegistrationStatus.CONFIRMED,), False),
    A.CHALLENGE_WAITLISTED: ((RegistrationStatus.WAITLISTED,), False),
    A.CHALLENGE_CHECKED_IN: ((RegistrationStatus.CONFIRMED,), True),
    A.EVENT_PARTICIPANTS: (ACTIVE, False),
    A.EVENT_CONFIRMED: ((RegistrationStatus.CONFIRMED,), False),
    A.EVENT_WAITLISTED: ((RegistrationStatus.WAITLISTED,), False),
    A.EVENT_CHECKED_IN: ((RegistrationStatus.CONFIRMED,), True),
}
# why a recipient gets the message, said in the message itself
REASONS = {
    A.CHALLENGE_ALL: "registered",
    A.CHALLENGE_CONFIRMED: "confirmed",
    A.CHALLENGE_WAITLISTED: "waitlisted",
    A.CHALLENGE_CHECKED_IN: "checked_in",
    A.EVENT_HOSTS: "host",
    A.EVENT_PARTICIPANTS: "registered",
    A.EVENT_CONFIRMED: "confirmed",
    A.EVENT_WAITLISTED: "waitlisted",
    A.EVENT_CHECKED_IN: "checked_in",
}


class NoRecipients(Conflict):
    """Nobody is in the audience now: nothing is sent (the API answers 409)."""

    def __init__(self) -> None:
        super().__init__(
            "Nobody is in this audience right now, so the announcement was not sent. Choose another audience."
        )


@dataclass(frozen=True)
class Recipient:
    account_id: int
    email: str
    name: str
    # the person's one registration the audience selected (for the withdraw link), if they hold exactly one
    registration_id: int | None
    waitlisted: bool


@dataclass(frozen=True)
class Scope:
    """Where an announcement is sent from: a challenge (with its event and host) or a whole edition."""

    event: Event
    challenge: Challenge | None

    @property
    def target(self) -> str:
        return f"challenge:{self.challenge.slug}" if self.challenge else f"event:{self.event.slug}"


# --- who may write --------------------------------------------------------------------------------------
async def challenge_scope(db: AsyncSession, actor: Account, slug: str) -> Scope:
    """The challenge, for its host's members and organizers; 403 for anyone else who can see it."""
    challenge = await get_challenge(db, slug, actor)
    if not (actor.is_organizer or is_member(actor, challenge.host_id)):
        raise Forbidden("Only members of this challenge's host and organizers can write to its participants.")
    return Scope(challenge.event, challenge)


async def event_scope(db: AsyncSession, actor: Account, event_slug: str) -> Scope:
    """The edition, for organizers only."""
    if not actor.is_organizer:
        raise Forbidden("Only organizers can write to the hosts or participants of an edition.")
    return Scope(await get_event(db, event_slug), None)


# --- who receives ---------------------------------------------------------------------------------------
def _participants(
    scope: Scope, audience: AnnouncementAudience
) -> Select[int, str, str, int, RegistrationStatus]:
    statuses, checked_in = _PARTICIPANTS[audience]
    where: list[ColumnElement[bool]] = [
        Registration.status.in_(statuses),
        Account.deleted_at.is_(None),
    ]
    if checked_in:
        where.append(Registration.checked_in_at.is_not(None))
    if scope.challenge is not None:
        where.append(Registration.challenge_id == scope.challenge.id)
    else:
        where.append(Challenge.event_id == scope.event.id)
    return (
        select(Account.id, Account.email, Account.display_name, Registration.id, Registration.status)
        .join(Registration, Registration.account_id == Account.id)
        .join(Challenge, Challenge.id == Registration.challenge_id)
        .where(*where)
        .order_by(Account.id, Registration.id)
    )


def _hosts(scope: Scope) -> Select[int, str, str]:
    """Members of the approved hosts that have a challenge (in any status) in the edition."""
    hosts_of_event = select(Challenge.host_id).where(Challenge.event_id == scope.event.id)
    return (
        select(Account.id, Account.email, Account.display_name)
        .join(HostMember, HostMember.account_id == Account.id)
        .join(Host, Host.id == HostMember.host_id)
        .where(
            Host.status == HostStatus.APPROVED,
            Host.id.in_(hosts_of_event),
            Account.deleted_at.is_(None),
        )
        .order_by(Account.id)
    )


async def recipients(db: AsyncSession, scope: Scope, audience: AnnouncementAudience) -> list[Recipient]:
    """Everyone the audience selects now, each person once, by account id."""
    people: dict[int, Recipient] = {}
    if audience == A.EVENT_HOSTS:
        for account_id, email, name in (await db.execute(_hosts(scope))).tuples():
            people.setdefault(account_id, Recipient(account_id, email, name, None, False))
        return list(people.values())
    for account_id, email, name, reg_id, status in (
        await db.execute(_participants(scope, audience))
    ).tuples():
        waitlisted = status == RegistrationStatus.WAITLISTED
        if account_id in people:  # several registrations in the edition: no single one to withdraw from
            people[account_id] = Recipient(account_id, email, name, None, False)
        else:
            people[account_id] = Recipient(account_id, email, name, reg_id, waitlisted)
    return list(people.values())


# --- the message --------------------------------------------------------------------------------------
def _sender_role(actor: Account, scope: Scope) -> str:
    if scope.challenge is not None and is_member(actor, scope.challenge.host_id):
        return scope.challenge.host.name
    return f"{scope.event.name} organizers"


def _context(
    settings: Settings,
    actor: Account,
    scope: Scope,
    audience: AnnouncementAudience,
    subject: str,
    body: str,
) -> dict[str, Any]:
    """What every recipient's message shares; `name` and `withdraw_url` are added per person."""
    challenge = scope.challenge
    return {
        "subject": subject.strip(),
        "body": body,
        "body_html": render_markdown(body),
        "sender": actor.display_name,
        "sender_role": _sender_role(actor, scope),
        "reason": REASONS[audience],
        "event_name": scope.event.name,
        "challenge_title": challenge.title if challenge else None,
        "challenge_url": challenge_url(settings.base_url, challenge) if challenge else None,
        "host_name": challenge.host.name if challenge else None,
    }


def _check(data: ChallengeAnnouncementIn | EventAnnouncementIn) -> tuple[str, str]:
    """Subject and body as they will be sent; a blank one, or a subject over several lines, is refused."""
    subject, body = data.subject.strip(), data.body.strip("\n")
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Write a subject."
    elif "\n" in subject or "\r" in subject:
        errors["subject"] = "The subject is one line."
    if not body.strip():
        errors["body"] = "Write the message."
    if errors:
        raise FieldErrors(errors)
    return subject, body


@dataclass(frozen=True)
class Preview:
    recipient_count: int
    subject: str
    text: str
    html: str  # the whole HTML document of the e-mail

    @property
    def html_body(self) -> Markup:
        """What the e-mail's <body> holds, to show within a page (our template around sanitised Markdown),
        without the e-mail's inline styles: the page's Content-Security-Policy refuses them."""
        found = _BODY.search(self.html)
        return Markup(nh3.clean(found.group(1) if found else "", link_rel=None))  # noqa: S704 (sanitised)


async def preview(
    db: AsyncSession,
    actor: Account,
    scope: Scope,
    data: ChallengeAnnouncementIn | EventAnnouncementIn,
    *,
    clock: Clock,
    settings: Settings,
) -> Preview:
    """The message as recipients get it (the name and withdraw link as placeholders) and how many people it
    would reach now. Nothing is written."""
    require_open_edition(scope.event, clock)
    subject, body = _check(data)
    audience = A(data.audience)
    people = await recipients(db, scope, audience)
    context = _context(settings, actor, scope, audience, subject, body)
    sample_link = None
    if audience != A.EVENT_HOSTS:
        sample_link = f"{settings.base_url.rstrip('/')}/registrations/withdraw/..."
    rendered = render(
        settings, KIND, {**context, "name": "[name]", "withdraw_url": sample_link, "position": False}
    )
    return Preview(len(people), *rendered)


async def send(
    db: AsyncSession,
    actor: Account,
    scope: Scope,
    data: ChallengeAnnouncementIn | EventAnnouncementIn,
    *,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Sent:
    """Store the announcement and enqueue one message per recipient, counted again now; refused when nobody
    is in the audience. Audited with its audience and count."""
    key = f"announcement:account:{actor.id}"
    limiter.check(key, settings.announcement_attempts, WINDOW)
    require_open_edition(scope.event, clock)
    subject, body = _check(data)
    audience = A(data.audience)
    people = await recipients(db, scope, audience)
    if not people:
        raise NoRecipients()
    limiter.hit(key, settings.announcement_attempts, WINDOW)
    now = clock.now()
    announcement = Announcement(
        event_id=scope.event.id,
        challenge_id=scope.challenge.id if scope.challenge else None,
        author_id=actor.id,
        audience=audience,
        subject=subject,
        body=body,
        recipient_count=len(people),
        created_at=now,
    )
    db.add(announcement)
    await db.flush()
    context = _context(settings, actor, scope, audience, subject, body)
    for person in people:
        # the withdraw link of the registration e-mails, when the audience selected one registration of theirs
        link = None if person.registration_id is None else withdraw_url(settings, person.registration_id)
        await enqueue(
            db,
            settings,
            clock,
            kind=KIND,
            to=person.email,
            account_id=person.account_id,
            context={**context, "name": person.name, "withdraw_url": link, "position": person.waitlisted},
            dedupe_key=f"announcement:{announcement.id}:{person.account_id}",
            batch=True,  # keys of a new announcement: flushed once, below
        )
    db.add(
        AuditEntry(
            actor_id=actor.id,
            action="announcement.send",
            target=scope.target,
            details={
                "announcement": announcement.id,
                "audience": audience.value,
                "recipients": len(people),
                "subject": subject,
            },
            created_at=now,
        )
    )
    await db.flush()
    return Sent(
        announcement, scope.event.slug, scope.challenge.slug if scope.challenge else None, actor.display_name
    )


# --- the record -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sent:
    announcement: Announcement
    event_slug: str
    challenge_slug: str | None
    author_name: str | None  # None once the author's account is gone


async def history(db: AsyncSession, scope: Scope) -> list[Sent]:
    """The announcements sent to a challenge's people (or to an edition's as a whole), newest first."""
    where = (
        Announcement.challenge_id == scope.challenge.id
        if scope.challenge is not None
        else (Announcement.event_id == scope.event.id) & Announcement.challenge_id.is_(None)
    )
    rows = await db.scalars(
        select(Announcement)
        .where(where)
        .options(joinedload(Announcement.author))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
    slug = scope.challenge.slug if scope.challenge else None
    return [Sent(a, scope.event.slug, slug, a.author.display_name if a.author else None) for a in rows]
