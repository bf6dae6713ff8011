from __future__ import annotations

from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.errors import problems
from digieduhack.events.schemas import EventOut
from digieduhack.events.services import current_event, get_event, list_events


@get("/events", opt=PUBLIC, tags=["events"], summary="All editions, newest first")
async def events_index(db: AsyncSession) -> list[EventOut]:
    return [EventOut.from_model(e) for e in await list_events(db)]


@get("/events/current", opt=PUBLIC, tags=["events"], summary="The current edition", responses=problems(404))
async def events_current(db: AsyncSession) -> EventOut:
    return EventOut.from_model(await current_event(db))


@get(
    "/events/{event_slug:str}",
    opt=PUBLIC,
    tags=["events"],
    summary="One edition",
    responses=problems(400, 404),
)
async def events_show(db: AsyncSession, event_slug: str) -> EventOut:
    return EventOut.from_model(await get_event(db, event_slug))


handlers = [events_index, events_current, events_show]
