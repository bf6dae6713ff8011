from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.models import Account, RegistrationStatus
from digieduhack.registrations import services
from digieduhack.settings import Settings
from digieduhack.web import redirect, render


@post("/challenges/{slug:str}/join", include_in_schema=False)
async def join_submit(
    db: AsyncSession, me: Account, slug: str, clock: Clock, settings: Settings
) -> Response[Any]:
    try:
        reg = await services.join(db, me, slug, clock=clock, settings=settings)
    except services.AlreadyRegistered:
        return redirect(f"/challenges/{slug}", "already_joined")
    return redirect(
        f"/challenges/{slug}", "waitlisted" if reg.status == RegistrationStatus.WAITLISTED else "joined"
    )


@post("/challenges/{slug:str}/cancel", include_in_schema=False)
async def cancel_submit(
    db: AsyncSession, me: Account, slug: str, clock: Clock, settings: Settings
) -> Response[Any]:
    await services.cancel(db, me, slug, clock=clock, settings=settings)
    return redirect(f"/challenges/{slug}", "cancelled")


@get("/me/registrations", include_in_schema=False)
async def my_registrations_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account
) -> Response[Any]:
    return render(
        request, "registrations/mine.html", {"registrations": await services.my_registrations(db, me)}
    )


handlers = [join_submit, cancel_submit, my_registrations_page]
