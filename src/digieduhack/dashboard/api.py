from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.clock import Clock
from digieduhack.dashboard import services
from digieduhack.dashboard.schemas import DashboardOut, ReadinessOut, ReminderOut
from digieduhack.errors import problems
from digieduhack.events.services import current_event, get_event
from digieduhack.models import Account, Event
from digieduhack.settings import Settings

EditionParam = Annotated[
    str | None, Parameter(max_length=40, description="the edition's slug; the current one by default")
]
OnlyLagging = Annotated[bool, Parameter(description="only the hosts with a check that fails")]


async def edition(db: AsyncSession, event: str | None, clock: Clock) -> Event:
    return await get_event(db, event) if event else await current_event(db, clock)


@get(
    "/events/{event_slug:str}/dashboard",
    tags=["dashboard"],
    guards=[organizer_only],
    summary="Numbers at a glance of an edition (organizers)",
    description="Challenges by status, hosts, registrations (confirmed, waitlisted, checked in, cancelled), "
    "active registrations by participants' country, host kind, format and language, registrations made per "
    "UTC day (zero-filled), the challenges that are full and those nobody joined yet.",
    responses=problems(400, 401, 403, 404),
)
async def event_dashboard(db: AsyncSession, event_slug: str, clock: Clock) -> DashboardOut:
    return await services.dashboard(db, await get_event(db, event_slug), clock)


@get(
    "/hosts/{host_slug:str}/dashboard",
    tags=["dashboard"],
    summary="The same numbers for one host's challenges in an edition (its members and organizers)",
    responses=problems(400, 401, 403, 404),
)
async def host_dashboard(
    db: AsyncSession, me: Account, host_slug: str, clock: Clock, event: EditionParam = None
) -> DashboardOut:
    host = await services.host_for_dashboard(db, me, host_slug)
    return await services.dashboard(db, await edition(db, event, clock), clock, host)


@get(
    "/events/{event_slug:str}/readiness",
    tags=["dashboard"],
    guards=[organizer_only],
    summary="Readiness of each host for an edition, lagging hosts first (organizers)",
    description="Per host: checks (a challenge, published, complete pages, agenda, capacity, contact), a "
    "score in percent, its active registrations, today's reminder if any; and the addresses of the lagging "
    "hosts (their contact address, else their members').",
    responses=problems(400, 401, 403, 404),
)
async def event_readiness(
    db: AsyncSession, event_slug: str, clock: Clock, only_lagging: OnlyLagging = False
) -> ReadinessOut:
    return await services.readiness(db, await get_event(db, event_slug), clock, only_lagging=only_lagging)


@post(
    "/events/{event_slug:str}/readiness/{host_slug:str}/remind",
    tags=["dashboard"],
    guards=[organizer_only],
    status_code=201,
    summary="E-mail a lagging host's members what is missing (organizers; one reminder a day per host)",
    responses=problems(400, 401, 403, 404, 409),
)
async def remind_host(
    db: AsyncSession,
    me: Account,
    event_slug: str,
    host_slug: str,
    clock: Clock,
    settings: Settings,
) -> ReminderOut:
    return await services.remind(db, me, await get_event(db, event_slug), host_slug, clock, settings)


handlers = [event_dashboard, host_dashboard, event_readiness, remind_host]
