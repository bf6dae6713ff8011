from __future__ import annotations

from litestar import get, post, put
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.events import services
from digieduhack.events.schemas import EventIn, EventOut
from digieduhack.models import Account


@get("/events", opt=PUBLIC, tags=["events"], summary="All editions, newest first")
async def events_index(db: AsyncSession) -> list[EventOut]:
    return [EventOut.from_model(e) for e in await services.list_events(db)]


@get(
    "/events/current",
    opt=PUBLIC,
    tags=["events"],
    summary="The current edition: the one under way or the next to come, else the latest past one",
    responses=problems(404),
)
async def events_current(db: AsyncSession, clock: Clock) -> EventOut:
    return EventOut.from_model(await services.current_event(db, clock))


@get(
    "/events/{event_slug:str}",
    opt=PUBLIC,
    tags=["events"],
    summary="One edition",
    responses=problems(400, 404),
)
async def events_show(db: AsyncSession, event_slug: str) -> EventOut:
    return EventOut.from_model(await services.get_event(db, event_slug))


@post(
    "/events",
    tags=["events"],
    guards=[organizer_only],
    status_code=HTTP_201_CREATED,
    summary="Set up an edition (organizers): dates, registration window (UTC), themes",
    responses=problems(400, 401, 403, 409, 415, 422),
)
async def events_create(db: AsyncSession, me: Account, data: EventIn, clock: Clock) -> EventOut:
    return EventOut.from_model(await services.create_event(db, me, data, clock))


@put(
    "/events/{event_slug:str}",
    tags=["events"],
    guards=[organizer_only],
    summary="Change an edition that is not over (organizers); its challenges must stay within its dates",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def events_update(
    db: AsyncSession, me: Account, event_slug: str, data: EventIn, clock: Clock
) -> EventOut:
    event = await services.get_event(db, event_slug)
    return EventOut.from_model(await services.update_event(db, me, event, data, clock))


handlers = [events_index, events_current, events_show, events_create, events_update]
