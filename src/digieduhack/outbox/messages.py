"""The messages hosts and registrants receive about hosts and challenges, enqueued by the services in the
transaction of the change (templates/emails/<kind>.*)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.models import (
    ACTIVE_STATUSES,
    Account,
    Challenge,
    ChallengeNotice,
    ChallengeNoticeKind,
    Host,
    HostStatus,
    Registration,
)
from digieduhack.outbox.services import enqueue
from digieduhack.settings import Settings
from digieduhack.web import FORMAT_LABELS


async def host_decided(db: AsyncSession, settings: Settings, clock: Clock, host: Host) -> None:
    """Approved or rejected: to the applicant and to the host's contact address (once when they match)."""
    recipients: dict[str, Account | None] = {}
    if host.contact_email:
        recipients[host.contact_email] = None
    applicant = await db.get(Account, host.applied_by_id) if host.applied_by_id else None
    if applicant is not None and applicant.deleted_at is None:
        recipients[applicant.email] = applicant
    kind = "host_approved" if host.status == HostStatus.APPROVED else "host_rejected"
    for address, account in recipients.items():
        await enqueue(
            db,
            settings,
            clock,
            kind=kind,
            to=address,
            account_id=account.id if account else None,
            context={
                "name": account.display_name if account else None,
                "host_name": host.name,
                "host_slug": host.slug,
                "reason": host.decision_reason,
            },
            dedupe_key=f"host-decision:{host.id}:{address}",
        )


async def host_invitation(
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    *,
    invitation_id: int,
    email: str,
    host: Host,
    inviter: Account,
    link: str,
    expires_at: datetime,
) -> None:
    invited = await db.scalar(select(Account.id).where(Account.email == email, Account.deleted_at.is_(None)))
    await enqueue(
        db,
        settings,
        clock,
        kind="host_invitation",
        to=email,
        account_id=invited,
        context={
            "host_name": host.name,
            "inviter": inviter.display_name,
            "link": link,
            "expires_at": expires_at,
        },
        dedupe_key=f"host-invitation:{invitation_id}",
    )


def _challenge(c: Challenge) -> dict[str, Any]:
    where = ", ".join(p for p in (c.venue, c.city, c.country) if p)
    return {
        "title": c.title,
        "slug": c.slug,
        "host_name": c.host.name,
        "timezone": c.timezone,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "format": FORMAT_LABELS[c.format],
        "place": where,
    }


async def challenge_notices(
    db: AsyncSession, settings: Settings, clock: Clock, challenge: Challenge, notices: list[ChallengeNotice]
) -> None:
    """A change of time or place, or the cancellation, to everyone registered (confirmed and waitlisted):
    one message per person for the notices of one change, keyed by the first of them."""
    if not notices:
        return
    cancelled = any(n.kind == ChallengeNoticeKind.CANCELLED for n in notices)
    registrants = await db.execute(
        select(Account.id, Account.email, Account.display_name)
        .join(Registration, Registration.account_id == Account.id)
        .where(
            Registration.challenge_id == challenge.id,
            Registration.status.in_(ACTIVE_STATUSES),
            Account.deleted_at.is_(None),
        )
        .order_by(Registration.id)
    )
    context = {
        "challenge": _challenge(challenge),
        "changes": [n.message for n in notices],
        "time_changed": any(n.kind == ChallengeNoticeKind.TIME_CHANGED for n in notices),
    }
    for account_id, email, name in registrants:
        await enqueue(
            db,
            settings,
            clock,
            kind="challenge_cancelled" if cancelled else "challenge_changed",
            to=email,
            account_id=account_id,
            context={**context, "name": name},
            dedupe_key=f"notice:{notices[0].id}:{account_id}",
        )
