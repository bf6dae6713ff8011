"""The audit trail, for organizers: who did what, to what, when, with which details (exports with their
filters and row counts, host decisions, team changes of hosts, removals, deletions), newest first."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from digieduhack.models import Account, AuditEntry


class AuditEntryOut(msgspec.Struct):
    id: int
    created_at: datetime
    action: str
    target: str
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None
    details: dict[str, Any]


class AuditPageOut(msgspec.Struct):
    items: list[AuditEntryOut]
    page: int
    per_page: int
    total: int
    pages: int
    actions: list[str]  # every action recorded, for filtering


@dataclass
class AuditQuery:
    action: str | None = None  # exact, e.g. roster.export
    target: str | None = None  # the start of the target, e.g. "challenge:" or "host:leuven-lab"
    actor: str | None = None  # the start of the actor's e-mail address
    since: datetime | None = None
    until: datetime | None = None


async def audit_page(db: AsyncSession, query: AuditQuery, page: int, per_page: int) -> AuditPageOut:
    actor = aliased(Account)
    where: list[ColumnElement[bool]] = []
    if query.action:
        where.append(AuditEntry.action == query.action)
    if query.target:
        where.append(AuditEntry.target.startswith(query.target, autoescape=True))
    if query.actor:
        where.append(actor.email.startswith(query.actor.strip().lower(), autoescape=True))
    if query.since:
        where.append(AuditEntry.created_at >= query.since)
    if query.until:
        where.append(AuditEntry.created_at < query.until)
    base = select(AuditEntry.id).outerjoin(actor, actor.id == AuditEntry.actor_id).where(*where)
    total = await db.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await db.execute(
        select(AuditEntry, actor.display_name, actor.email)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(*where)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        AuditEntryOut(e.id, e.created_at, e.action, e.target, e.actor_id, name, email, dict(e.details))
        for e, name, email in rows.tuples()
    ]
    actions = list(await db.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
    return AuditPageOut(items, page, per_page, total, max(math.ceil(total / per_page), 1), actions)
