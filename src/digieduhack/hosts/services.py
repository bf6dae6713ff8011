"""Hosts: organisations apply, organizers approve or reject; only approved hosts publish challenges.
Members invite colleagues by e-mail, who join with the invitation's link; members leave, but not the last."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.accounts.services import normalize_email
from digieduhack.challenges.services import get_host, is_member, slugify, with_related
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, Forbidden, Gone, NotFound, field_error
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn, InvitationIn
from digieduhack.models import (
    Account,
    AuditEntry,
    Challenge,
    ChallengeStatus,
    Host,
    HostInvitation,
    HostMember,
    HostStatus,
)
from digieduhack.outbox import messages
from digieduhack.security import new_token, token_hash
from digieduhack.settings import Settings

INVITATION_DAYS = 14


async def apply(db: AsyncSession, actor: Account, data: HostApplicationIn, clock: Clock) -> Host:
    """A pending host with the applicant as its first member: they can prepare drafts meanwhile."""
    name = data.name.strip()
    if len(name) < 2:
        raise FieldErrors({"name": "Enter the organisation's name."})
    now = clock.now()
    host = Host(
        slug=f"{slugify(name)}-{secrets.token_hex(2)}",
        name=name,
        kind=data.kind,
        country=data.country.upper(),
        city=data.city.strip(),
        website=data.website,
        description=data.description.strip() or None,
        contact_email=data.contact_email.strip().lower(),
        status=HostStatus.PENDING,
        applied_by_id=actor.id,
        created_at=now,
    )
    db.add(host)
    await db.flush()
    db.add(HostMember(host_id=host.id, account_id=actor.id, created_at=now))
    await db.flush()
    return host


async def decide(
    db: AsyncSession, organizer: Account, slug: str, data: HostDecisionIn, clock: Clock, settings: Settings
) -> Host:
    """Approve or reject a pending application (a rejection says why); recorded in the audit log, and told
    by e-mail to the applicant and the host's contact address."""
    host = await get_host(db, slug)
    if host.status != HostStatus.PENDING:
        raise Conflict(f"This application was already {host.status.value}.")
    reason = data.reason.strip()
    if data.decision == "reject" and not reason:
        raise FieldErrors({"reason": "Say why the application is rejected: the applicant will read it."})
    host.status = HostStatus.APPROVED if data.decision == "approve" else HostStatus.REJECTED
    host.decided_at = clock.now()
    host.decision_reason = reason or None
    db.add(
        AuditEntry(
            actor_id=organizer.id,
            action=f"host.{data.decision}",
            target=f"host:{host.slug}",
            details={"reason": reason} if reason else {},
            created_at=host.decided_at,
        )
    )
    await db.flush()
    await messages.host_decided(db, settings, clock, host)
    return host


async def applications(db: AsyncSession, status: HostStatus | None = None) -> list[Host]:
    stmt = select(Host).order_by(Host.created_at, Host.id)
    if status is not None:
        stmt = stmt.where(Host.status == status)
    return list(await db.scalars(stmt))


def _visible(host: Host | None, viewer: Account | None) -> bool:
    """Approved hosts are public; a pending or rejected one only to its members and organizers."""
    return host is not None and (
        host.status == HostStatus.APPROVED
        or is_member(viewer, host.id)
        or (viewer is not None and viewer.is_organizer)
    )


async def visible_host(db: AsyncSession, slug: str, viewer: Account | None) -> Host:
    host = await db.scalar(select(Host).where(Host.slug == slug))
    if host is None or not _visible(host, viewer):
        raise NotFound(f"There is no host '{slug}'.")
    return host


async def public_challenges(db: AsyncSession, host: Host) -> list[Challenge]:
    """The host's published and closed challenges across every edition, newest edition first."""
    rows = await db.scalars(
        with_related(
            select(Challenge).where(
                Challenge.host_id == host.id,
                Challenge.status.in_([ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED]),
            )
        ).order_by(Challenge.starts_at.desc())
    )
    return list(rows)


# --- the team: members, invitations, leaving -------------------------------------------------------
@dataclass
class Team:
    host: Host
    members: list[HostMember]  # with their accounts, in the order they joined
    invitations: list[HostInvitation]  # pending ones, with who invited, oldest first
    is_member: bool  # the viewer can invite, withdraw invitations and leave (organizers only look)


async def team(db: AsyncSession, viewer: Account, slug: str, clock: Clock) -> Team:
    """The host's members and pending invitations, for its members and the organizers."""
    host = await visible_host(db, slug, viewer)
    member = is_member(viewer, host.id)
    if not member and not viewer.is_organizer:
        raise Forbidden(f"Only members of {host.name} and the organizers can see its team.")
    members = await db.scalars(
        select(HostMember)
        .where(HostMember.host_id == host.id)
        .options(joinedload(HostMember.account))
        .order_by(HostMember.created_at, HostMember.account_id)
    )
    invitations = await db.scalars(
        select(HostInvitation)
        .where(
            HostInvitation.host_id == host.id,
            HostInvitation.accepted_at.is_(None),
            HostInvitation.expires_at > clock.now(),
        )
        .options(joinedload(HostInvitation.inviter))
        .order_by(HostInvitation.created_at, HostInvitation.id)
    )
    return Team(host, list(members), list(invitations), member)


def invitation_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/invitations/{token}"


def _audit(actor: Account, action: str, host: Host, now: datetime, **details: Any) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.id, action=action, target=f"host:{host.slug}", details=details, created_at=now
    )


async def _member_row(db: AsyncSession, host_id: int, account_id: int) -> HostMember | None:
    row: HostMember | None = await db.scalar(
        select(HostMember).where(HostMember.host_id == host_id, HostMember.account_id == account_id)
    )
    return row


async def _lock_own_host(db: AsyncSession, actor: Account, slug: str) -> Host:
    """The host row, locked until the transaction ends, after checking that the actor is a member now.

    Every change of the team takes this lock first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    request's transaction began with BEGIN IMMEDIATE, which serialises writers), so two members leaving
    at the same moment count the members one after the other.
    """
    host = await db.scalar(
        select(Host).where(Host.slug == slug).with_for_update().execution_options(populate_existing=True)
    )
    if host is None or not _visible(host, actor):
        raise NotFound(f"There is no host '{slug}'.")
    if await _member_row(db, host.id, actor.id) is None:
        raise Forbidden(f"Only members of {host.name} can do this.")
    return host


async def invite(
    db: AsyncSession, actor: Account, slug: str, data: InvitationIn, clock: Clock, settings: Settings
) -> tuple[HostInvitation, str]:
    """A new invitation and its token (returned once; the table keeps its SHA-256), valid 14 days; the link
    is also sent by e-mail to the invited address.

    Inviting an e-mail that already has a pending invitation replaces it: the older link stops working.
    """
    host = await _lock_own_host(db, actor, slug)
    email = normalize_email(data.email)
    if len(email) > 254:  # lower() can lengthen text; the column holds 254
        raise field_error("email", "Must be at most 254 characters long.")
    member = await db.scalar(
        select(Account.id)
        .join(HostMember, HostMember.account_id == Account.id)
        .where(HostMember.host_id == host.id, Account.email == email)
    )
    if member is not None:
        raise Conflict(f"{email} is already a member of {host.name}.")
    pending = (
        HostInvitation.host_id == host.id,
        HostInvitation.email == email,
        HostInvitation.accepted_at.is_(None),
    )
    replaced = await db.scalar(select(func.count()).select_from(HostInvitation).where(*pending))
    await db.execute(delete(HostInvitation).where(*pending))
    token = new_token()
    now = clock.now()
    invitation = HostInvitation(
        host_id=host.id,
        email=email,
        token_hash=token_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.add(invitation)
    db.add(_audit(actor, "host.invite", host, now, email=email, replaced=replaced or 0))
    await db.flush()
    await db.refresh(invitation, ["inviter"])
    await messages.host_invitation(
        db,
        settings,
        clock,
        invitation_id=invitation.id,
        email=email,
        host=host,
        inviter=actor,
        link=invitation_link(settings, token),
        expires_at=invitation.expires_at,
    )
    return invitation, token


async def withdraw(db: AsyncSession, actor: Account, slug: str, invitation_id: int, clock: Clock) -> Host:
    """A member withdraws a pending invitation (expired ones too): its link stops working."""
    host = await _lock_own_host(db, actor, slug)
    invitation = await db.scalar(
        select(HostInvitation).where(
            HostInvitation.id == invitation_id,
            HostInvitation.host_id == host.id,
            HostInvitation.accepted_at.is_(None),
        )
    )
    if invitation is None:
        raise NotFound(f"{host.name} has no pending invitation {invitation_id}.")
    await db.delete(invitation)
    db.add(_audit(actor, "host.invite_revoke", host, clock.now(), email=invitation.email))
    await db.flush()
    return host


async def invitation_by_token(
    db: AsyncSession, token: str, clock: Clock, *, lock: bool = False
) -> HostInvitation:
    """The pending invitation of a link, with its host and who sent it: 404 unknown or withdrawn, 410 used
    or expired."""
    stmt = select(HostInvitation).options(joinedload(HostInvitation.host), joinedload(HostInvitation.inviter))
    if lock:
        stmt = stmt.with_for_update(of=HostInvitation)
    invitation = None
    if len(token) <= 100:
        invitation = await db.scalar(
            stmt.where(HostInvitation.token_hash == token_hash(token)).execution_options(
                populate_existing=True
            )
        )
    if invitation is None:
        raise NotFound(
            "This invitation link is not valid: it may have been withdrawn or replaced by a newer "
            "invitation. Ask a member of the host to invite you again."
        )
    if invitation.accepted_at is not None:
        raise Gone("This invitation was already used. Ask a member of the host for a new one if you need it.")
    if invitation.expires_at <= clock.now():
        raise Gone(
            f"This invitation expired on {invitation.expires_at:%d %B %Y}. "
            "Ask a member of the host to invite you again."
        )
    return invitation


def wrong_account(invitation: HostInvitation, actor: Account) -> str | None:
    """Why `actor` cannot accept: an invitation is for the e-mail it names only.

    A link can be forwarded or leak (a shared mailbox, a chat): it must not make whoever opens it a
    member. Whoever accepts must be logged in with the invited e-mail address.
    """
    if actor.email == invitation.email:
        return None
    return (
        f"This invitation is for {invitation.email}, but you are logged in as {actor.email}. "
        f"Log out, then log in or sign up with {invitation.email} to accept it."
    )


async def accept(db: AsyncSession, actor: Account, token: str, clock: Clock) -> Host:
    """The invited person becomes a member; the link is used up (single use, even when clicked twice)."""
    invitation = await invitation_by_token(db, token, clock, lock=True)
    if reason := wrong_account(invitation, actor):
        raise Forbidden(reason)
    now = clock.now()
    if await _member_row(db, invitation.host_id, actor.id) is None:
        db.add(HostMember(host_id=invitation.host_id, account_id=actor.id, created_at=now))
    invitation.accepted_at = now
    invitation.accepted_by_id = actor.id
    db.add(_audit(actor, "host.invite_accept", invitation.host, now, invitation_id=invitation.id))
    await db.flush()
    return invitation.host


async def leave(db: AsyncSession, actor: Account, slug: str, clock: Clock) -> Host:
    """A member leaves the host, unless they are its last member (a host always keeps one)."""
    host = await _lock_own_host(db, actor, slug)
    members = await db.scalar(
        select(func.count()).select_from(HostMember).where(HostMember.host_id == host.id)
    )
    if (members or 0) <= 1:
        raise Conflict(
            f"You are the last member of {host.name}: invite someone first, so that the host keeps a "
            "member, then leave."
        )
    await db.execute(
        delete(HostMember).where(HostMember.host_id == host.id, HostMember.account_id == actor.id)
    )
    db.add(_audit(actor, "host.leave", host, clock.now()))
    await db.flush()
    return host
