from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.errors import problems
from digieduhack.outbox.schemas import OutboxPageOut
from digieduhack.outbox.services import OutboxStatus, listing
from digieduhack.settings import Settings

PageNo = Annotated[int, Parameter(ge=1, le=100_000, description="page number, from 1")]
StatusParam = Annotated[
    OutboxStatus | None, Parameter(description="pending (still being tried), sent, or failed (given up)")
]


@get(
    "/outbox",
    tags=["outbox"],
    guards=[organizer_only],
    summary="The e-mail outbox, newest first, 20 a page (organizers)",
    responses=problems(400, 401, 403),
)
async def outbox_index(
    db: AsyncSession, settings: Settings, status: StatusParam = None, page: PageNo = 1
) -> OutboxPageOut:
    result = await listing(db, settings, status, page, settings.page_size)
    return OutboxPageOut.from_page(result, settings.mail_max_attempts)


handlers = [outbox_index]
