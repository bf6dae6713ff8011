from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.audit.services import AuditPageOut, AuditQuery, audit_page
from digieduhack.errors import problems
from digieduhack.settings import Settings

PageNo = Annotated[int, Parameter(ge=1, le=100_000, description="page number, from 1")]
Action = Annotated[str | None, Parameter(max_length=60, description="exact action, e.g. roster.export")]
Target = Annotated[
    str | None,
    Parameter(max_length=200, description="start of the target, e.g. challenge: or host:leuven-lab"),
]
Actor = Annotated[str | None, Parameter(max_length=254, description="start of the actor's e-mail address")]
Since = Annotated[datetime | None, Parameter(description="from this moment (ISO 8601, with its offset)")]
Until = Annotated[datetime | None, Parameter(description="before this moment (ISO 8601, with its offset)")]


@get(
    "/audit",
    tags=["audit"],
    guards=[organizer_only],
    summary="The audit trail, newest first, 20 a page (organizers)",
    description="Exports (scope, format, purpose, columns, filters, rows), host decisions, host team "
    "changes, registrations removed or promoted by hand, account deletions.",
    responses=problems(400, 401, 403),
)
async def audit_index(
    db: AsyncSession,
    settings: Settings,
    action: Action = None,
    target: Target = None,
    actor: Actor = None,
    since: Since = None,
    until: Until = None,
    page: PageNo = 1,
) -> AuditPageOut:
    query = AuditQuery(action or None, target or None, actor or None, since, until)
    return await audit_page(db, query, page, settings.page_size)


handlers = [audit_index]
