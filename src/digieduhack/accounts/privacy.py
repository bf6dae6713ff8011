"""A person's own data: everything held about them as one JSON document, and deleting their account.

Deleting keeps the account row, anonymised, so that counts and the history of past editions stay right;
what identifies the person (address, name, profile, answers, sessions, links, messages) is gone.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.accounts.schemas import (
    ExportAccount,
    ExportAnnouncement,
    ExportAuditEntry,
    ExportMembership,
    ExportMessage,
    ExportOut,
    ExportRegistration,
    ExportTeam,
    PasswordConfirmIn,
)
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, field_error
from digieduhack.events.services import is_past
from digieduhack.hosts import services as hosts
from digieduhack.models import (
    Account,
    Announcement,
    Answer,
    AuditEntry,
    AuthSession,
    Challenge,
    EmailToken,
    Event,
    Host,
    HostInvitation,
    HostMember,
    OutboxMessage,
    Question,
    Registration,
    Team,
    TeamMember,
)
from digieduhack.questions.schemas import AnswerOut
from digieduhack.registrations import services as registrations
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import Settings

DELETED_NAME = "Deleted participant"
UNUSABLE_PASSWORD = "!"  # noqa: S105 (not an argon2 hash: no password matches it)


def _messages_to(account: Account) -> ColumnElement[bool]:
    return or_(OutboxMessage.account_id == account.id, OutboxMessage.to_address == account.email)


async def export_data(db: AsyncSession, account: Account, clock: Clock) -> ExportOut:
    a = await db.get_one(Account, account.id)
    regs = await db.scalars(
        select(Registration)
        .where(Registration.account_id == a.id)
        .options(joinedload(Registration.challenge))
        .order_by(Registration.id)
    )
    answers = await db.execute(
        select(Answer.registration_id, Question.id, Question.prompt, Answer.value)
        .join(Question, Question.id == Answer.question_id)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.account_id == a.id)
        .order_by(Question.position)
    )
    answered: dict[int, list[AnswerOut]] = {}
    for reg_id, question_id, prompt, value in answers.tuples():
        answered.setdefault(reg_id, []).append(AnswerOut(question_id, prompt, value))
    memberships = await db.scalars(
        select(HostMember)
        .where(HostMember.account_id == a.id)
        .options(joinedload(HostMember.host))
        .order_by(HostMember.created_at, HostMember.host_id)
    )
    teams = await db.execute(
        select(Challenge.slug, Challenge.title, Team.name, TeamMember.joined_at)
        .join(Team, Team.id == TeamMember.team_id)
        .join(Challenge, Challenge.id == TeamMember.challenge_id)
        .where(TeamMember.account_id == a.id)
        .order_by(TeamMember.joined_at, Team.id)
    )
    sessions = await db.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.account_id == a.id)
    )
    messages = await db.scalars(select(OutboxMessage).where(_messages_to(a)).order_by(OutboxMessage.id))
    audit = await db.scalars(
        select(AuditEntry)
        .where(or_(AuditEntry.actor_id == a.id, AuditEntry.target == f"account:{a.id}"))
        .order_by(AuditEntry.id)
    )
    written = await db.execute(
        select(Announcement, Event.slug, Challenge.slug)
        .join(Event, Event.id == Announcement.event_id)
        .outerjoin(Challenge, Challenge.id == Announcement.challenge_id)
        .where(Announcement.author_id == a.id)
        .order_by(Announcement.id)
    )
    return ExportOut(
        exported_at=clock.now(),
        account=ExportAccount(
            id=a.id,
            email=a.email,
            display_name=a.display_name,
            locale=a.locale,
            is_organizer=a.is_organizer,
            country=a.country,
            occupation=a.occupation.value if a.occupation else None,
            is_coder=a.is_coder,
            timezone=a.timezone,
            email_verified_at=a.email_verified_at,
            terms_accepted_at=a.terms_accepted_at,
            terms_version=a.terms_version,
            contact_consent_at=a.contact_consent_at,
            contact_consent_version=a.contact_consent_version,
            created_at=a.created_at,
        ),
        registrations=[
            ExportRegistration(
                challenge_slug=r.challenge.slug,
                challenge_title=r.challenge.title,
                status=r.status.value,
                created_at=r.created_at,
                updated_at=r.updated_at,
                cancelled_at=r.cancelled_at,
                checked_in_at=r.checked_in_at,
                answers=answered.get(r.id, []),
            )
            for r in regs
        ],
        host_memberships=[
            ExportMembership(host_slug=m.host.slug, host_name=m.host.name, since=m.created_at)
            for m in memberships
        ],
        teams=[
            ExportTeam(challenge_slug=slug, challenge_title=title, team_name=name, joined_at=joined)
            for slug, title, name, joined in teams
        ],
        sessions=int(sessions or 0),
        messages=[
            ExportMessage(
                kind=m.kind,
                to_address=m.to_address,
                subject=m.subject,
                text_body=m.text_body,
                created_at=m.created_at,
                sent_at=m.sent_at,
            )
            for m in messages
        ],
        audit_entries=[
            ExportAuditEntry(action=e.action, target=e.target, details=e.details, created_at=e.created_at)
            for e in audit
        ],
        announcements=[
            ExportAnnouncement(
                event_slug=event_slug,
                challenge_slug=challenge_slug,
                audience=n.audience.value,
                subject=n.subject,
                body=n.body,
                recipient_count=n.recipient_count,
                created_at=n.created_at,
            )
            for n, event_slug, challenge_slug in written.tuples()
        ],
    )


async def _require_not_last_member(db: AsyncSession, account: Account) -> list[str]:
    """The slugs of the account's hosts; refused when a host would be left without members."""
    members = select(HostMember.host_id, func.count().label("n")).group_by(HostMember.host_id).subquery()
    rows = (
        await db.execute(
            select(Host.slug, Host.name, members.c.n)
            .join(HostMember, HostMember.host_id == Host.id)
            .join(members, members.c.host_id == Host.id)
            .where(HostMember.account_id == account.id)
            .order_by(Host.name)
        )
    ).all()
    alone = [name for _, name, n in rows if n <= 1]
    if alone:
        raise Conflict(
            f"You are the last member of {', '.join(alone)}: invite someone to the team first, so that "
            "the host keeps a member, then delete your account."
        )
    return [slug for slug, _, _ in rows]


async def _forget_address(db: AsyncSession, email: str, placeholder: str) -> None:
    """The address out of the host invitations (pending ones deleted, accepted ones kept for the record with
    the placeholder) and out of the audit entries that name it (invitations sent or withdrawn)."""
    await db.execute(
        delete(HostInvitation)
        .where(HostInvitation.email == email, HostInvitation.accepted_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(HostInvitation)
        .where(HostInvitation.email == email)
        .values(email=placeholder)
        .execution_options(synchronize_session=False)
    )
    entries = await db.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(("host.invite", "host.invite_revoke")))
    )
    for entry in entries:
        if entry.details.get("email") == email:
            entry.details = {**entry.details, "email": placeholder}


async def delete_account(
    db: AsyncSession,
    account: Account,
    data: PasswordConfirmIn,
    *,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> None:
    """In the caller's transaction: active registrations cancelled (places go to the waitlists), host
    memberships ended, sessions, links, messages and invitations to the address deleted, the address taken
    out of audit entries, the account row anonymised."""
    key = f"delete:account:{account.id}"
    limiter.check(key, settings.login_attempts, settings.rate_limit_window)
    if not await passwords.verify(account.password_hash, data.password):
        limiter.hit(key, settings.login_attempts, settings.rate_limit_window)
        raise field_error("password", "The password is not correct.")
    host_slugs = await _require_not_last_member(db, account)
    now = clock.now()
    active = await db.scalars(
        select(Registration)
        .where(Registration.account_id == account.id, Registration.status.in_(registrations.ACTIVE))
        .options(joinedload(Registration.challenge).joinedload(Challenge.event))
        .order_by(Registration.challenge_id)
    )
    # past editions are archives: their registrations stay as they were, held by the anonymised row
    for slug in [r.challenge.slug for r in active if not is_past(r.challenge.event, now)]:
        await registrations.cancel(db, account, slug, clock=clock, settings=settings, limiter=None)
    for slug in host_slugs:
        await hosts.leave(db, account, slug, clock)
    row = await db.get_one(Account, account.id, populate_existing=True)
    await db.execute(delete(AuthSession).where(AuthSession.account_id == row.id))
    await db.execute(delete(EmailToken).where(EmailToken.account_id == row.id))
    # answers are personal too (kept registrations of past editions included)
    await db.execute(
        delete(Answer)
        .where(Answer.registration_id.in_(select(Registration.id).where(Registration.account_id == row.id)))
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        delete(OutboxMessage).where(_messages_to(row)).execution_options(synchronize_session=False)
    )
    await _forget_address(db, row.email, f"deleted-{row.id}@invalid")
    row.email = f"deleted-{row.id}@invalid"
    row.display_name = DELETED_NAME
    row.password_hash = UNUSABLE_PASSWORD
    row.is_organizer = False
    row.country = row.occupation = row.is_coder = row.timezone = None
    row.email_verified_at = row.contact_consent_at = None
    row.contact_consent_version = None
    row.deleted_at = now
    db.add(
        AuditEntry(
            actor_id=row.id, action="account.delete", target=f"account:{row.id}", details={}, created_at=now
        )
    )
    await db.flush()
