from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.clock import Clock
from digieduhack.dashboard import services
from digieduhack.dashboard.api import EditionParam, OnlyLagging, edition
from digieduhack.errors import Conflict
from digieduhack.events.services import get_event, list_events
from digieduhack.models import Account, Event
from digieduhack.settings import Settings
from digieduhack.web import redirect, render


@get("/events/{event_slug:str}/dashboard", guards=[organizer_only], include_in_schema=False)
async def event_dashboard_page(
    request: Request[Any, Any, Any], db: AsyncSession, event_slug: str, clock: Clock
) -> Response[Any]:
    event = await get_event(db, event_slug)
    numbers = await services.dashboard(db, event, clock)
    context = {"event": event, "events": await list_events(db), "numbers": numbers, "host": None}
    return render(request, "dashboard/dashboard.html", context)


@get("/hosts/{host_slug:str}/dashboard", include_in_schema=False)
async def host_dashboard_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    host_slug: str,
    clock: Clock,
    event: EditionParam = None,
) -> Response[Any]:
    host = await services.host_for_dashboard(db, me, host_slug)
    chosen = await edition(db, event, clock)
    numbers = await services.dashboard(db, chosen, clock, host)
    found = (await services.readiness(db, chosen, clock, host)).hosts
    context = {
        "event": chosen,
        "events": await list_events(db),
        "numbers": numbers,
        "host": host,
        "readiness": found[0] if found else None,
    }
    return render(request, "dashboard/dashboard.html", context)


async def _readiness_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    event: Event,
    clock: Clock,
    only_lagging: bool,
    status_code: int = 200,
    error: tuple[str, str] | None = None,
) -> Response[Any]:
    result = await services.readiness(db, event, clock, only_lagging=only_lagging)
    context = {
        "event": event,
        "events": await list_events(db),
        "result": result,
        "only_lagging": only_lagging,
        "error": error,  # (host slug, message) of a reminder refused
        "description_min": services.DESCRIPTION_MIN,
    }
    return render(request, "dashboard/readiness.html", context, status_code=status_code)


@get("/events/{event_slug:str}/readiness", guards=[organizer_only], include_in_schema=False)
async def readiness_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    event_slug: str,
    clock: Clock,
    only_lagging: OnlyLagging = False,
) -> Response[Any]:
    return await _readiness_page(request, db, await get_event(db, event_slug), clock, only_lagging)


REMIND = "/events/{event_slug:str}/readiness/{host_slug:str}/remind"


@post(REMIND, guards=[organizer_only], include_in_schema=False)
async def remind_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    event_slug: str,
    host_slug: str,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    event = await get_event(db, event_slug)
    try:
        await services.remind(db, me, event, host_slug, clock, settings)
    except Conflict as exc:
        return await _readiness_page(request, db, event, clock, False, 409, (host_slug, exc.detail))
    return redirect(f"/events/{event.slug}/readiness#host-{host_slug}", "reminder_sent")


handlers = [event_dashboard_page, host_dashboard_page, readiness_page, remind_submit]
