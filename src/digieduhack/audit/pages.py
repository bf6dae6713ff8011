from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.audit.api import Action, Actor, PageNo, Target
from digieduhack.audit.services import AuditQuery, audit_page
from digieduhack.settings import Settings
from digieduhack.web import render


@get("/organizer/audit", guards=[organizer_only], include_in_schema=False)
async def audit_trail_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    settings: Settings,
    action: Action = None,
    target: Target = None,
    actor: Actor = None,
    page: PageNo = 1,
) -> Response[Any]:
    query = AuditQuery(action or None, target or None, actor or None)
    result = await audit_page(db, query, page, settings.page_size)
    filters = {k: v for k, v in {"action": action, "target": target, "actor": actor}.items() if v}
    context = {"result": result, "filters": filters, "filter_query": urlencode(filters)}
    return render(request, "audit/index.html", context)


handlers = [audit_trail_page]
