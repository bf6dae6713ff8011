"""Hosts: organisations apply, organizers approve or reject; only approved hosts publish challenges."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.challenges.services import get_host, is_member, slugify, with_related
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, NotFound
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn
from digieduhack.models import Account, AuditEntry, Challenge, ChallengeStatus, Host, HostMember, HostStatus


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


async def decide(db: AsyncSession, organizer: Account, slug: str, data: HostDecisionIn, clock: Clock) -> Host:
    """Approve or reject a pending application (a rejection says why); recorded in the audit log."""
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
    return host


async def applications(db: AsyncSession, status: HostStatus | None = None) -> list[Host]:
    stmt = select(Host).order_by(Host.created_at, Host.id)
    if status is not None:
        stmt = stmt.where(Host.status == status)
    return list(await db.scalars(stmt))


async def visible_host(db: AsyncSession, slug: str, viewer: Account | None) -> Host:
    """Approved hosts are public; a pending or rejected one only to its members and organizers."""
    host = await db.scalar(select(Host).where(Host.slug == slug))
    if host is None or (
        host.status != HostStatus.APPROVED
        and not is_member(viewer, host.id)
        and not (viewer is not None and viewer.is_organizer)
    ):
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
