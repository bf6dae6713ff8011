from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.challenges.services import with_related
from digieduhack.clock import Clock
from digieduhack.events.services import current_event, list_events
from digieduhack.hosts import services as host_services
from digieduhack.models import Challenge, Host, HostStatus
from digieduhack.web import render


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


handlers = [organizer_page]
