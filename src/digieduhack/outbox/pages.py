from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.outbox.api import PageNo, StatusParam
from digieduhack.outbox.services import OutboxStatus, listing, status_of
from digieduhack.settings import Settings
from digieduhack.web import N_, render

STATUS_LABELS = {
    OutboxStatus.PENDING: N_("Pending"),
    OutboxStatus.SENT: N_("Sent"),
    OutboxStatus.FAILED: N_("Failed"),
}


@get("/organizer/outbox", guards=[organizer_only], include_in_schema=False)
async def outbox_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    settings: Settings,
    status: StatusParam = None,
    page: PageNo = 1,
) -> Response[Any]:
    result = await listing(db, settings, status, page, settings.page_size)
    context = {
        "result": result,
        "status": status,
        "labels": STATUS_LABELS,
        "status_of": lambda m: status_of(m, settings.mail_max_attempts),
        "smtp_configured": bool(settings.smtp_url),
    }
    return render(request, "outbox/index.html", context)


handlers = [outbox_page]
