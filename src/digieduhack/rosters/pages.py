from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.challenges.services import get_challenge, get_host, with_related
from digieduhack.clock import Clock
from digieduhack.events.services import current_event, get_event, list_events
from digieduhack.hosts import services as host_services
from digieduhack.models import Account, Challenge, Host, HostStatus
from digieduhack.rosters import services
from digieduhack.rosters.schemas import (
    COLUMN_LABELS,
    DEFAULT_COLUMNS,
    DEFAULT_STATUSES,
    PERSONAL,
    PURPOSE_LABELS,
    STATUS_LABELS,
    Column,
    Purpose,
    RosterStatus,
)
from digieduhack.web import FORMAT_LABELS, render


@get("/organizer", guards=[organizer_only], include_in_schema=False)
async def organizer_page(request: Request[Any, Any, Any], db: AsyncSession, clock: Clock) -> Response[Any]:
    event = await current_event(db, clock)
    challenges = list(
        await db.scalars(
            with_related(select(Challenge).where(Challenge.event_id == event.id)).order_by(Challenge.title)
        )
    )
    hosts = list(await db.scalars(select(Host).order_by(Host.name)))
    pending = await host_services.applications(db, HostStatus.PENDING)
    return render(
        request,
        "rosters/organizer.html",
        {
            "event": event,
            "events": await list_events(db),
            "challenges": challenges,
            "hosts": hosts,
            "applications": pending,
            "confirmed": sum(c.confirmed_count for c in challenges),
            "waitlisted": sum(c.waitlisted_count for c in challenges),
        },
    )


def _export_form(
    request: Request[Any, Any, Any], title: str, base: str, query: str = "", single: bool = False
) -> Response[Any]:
    """The export form: purpose or columns, filters, file options; one button per format (formaction)."""
    context = {
        "title": title,
        "base": base,
        "query": query,
        "single": single,
        "columns": [(c.value, COLUMN_LABELS[c], c in DEFAULT_COLUMNS, c in PERSONAL) for c in Column],
        "purposes": [(p.value, PURPOSE_LABELS[p]) for p in Purpose],
        "statuses": [(s.value, STATUS_LABELS[s], s in DEFAULT_STATUSES) for s in RosterStatus],
        "formats": list(FORMAT_LABELS.items()),
    }
    return render(request, "rosters/export.html", context)


@get("/challenges/{slug:str}/roster", include_in_schema=False)
async def challenge_export_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    await services.challenge_scope(db, me, slug)  # organizers and the host's members only
    challenge = await get_challenge(db, slug, me)
    return _export_form(request, challenge.title, f"/challenges/{slug}/roster", single=True)


@get("/hosts/{host_slug:str}/roster", include_in_schema=False)
async def host_export_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, host_slug: str, clock: Clock
) -> Response[Any]:
    event = await current_event(db, clock)
    await services.host_scope(db, me, host_slug, event)
    host = await get_host(db, host_slug)
    title = f"{host.name} · {event.name}"
    return _export_form(request, title, f"/hosts/{host_slug}/roster", query=f"event={event.slug}")


@get("/events/{event_slug:str}/roster", include_in_schema=False)
async def event_export_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, event_slug: str
) -> Response[Any]:
    event = await get_event(db, event_slug)
    await services.event_scope(me, event)
    return _export_form(request, event.name, f"/events/{event_slug}/roster")


handlers = [organizer_page, challenge_export_page, host_export_page, event_export_page]
