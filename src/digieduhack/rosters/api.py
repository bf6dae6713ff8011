"""Roster downloads, for the API and the pages alike (same handlers, mounted under both routers)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.events.services import get_event
from digieduhack.models import Account
from digieduhack.rosters import services


def csv_response(request: Request[Any, Any, Any], stmt: services.RosterSelect, filename: str) -> Stream:
    rows = services.roster_rows(request.app.state.sessionmaker, stmt)
    return Stream(
        services.csv_stream(rows),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text/* types
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get(
    "/events/{event_slug:str}/roster.csv",
    tags=["rosters"],
    summary="Roster of a whole event as CSV (organizers)",
    media_type="text/csv",
    opt={"writes": True},
    responses=problems(400, 401, 403, 404),
)
async def event_roster_csv(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, event_slug: str, clock: Clock
) -> Stream:
    event = await get_event(db, event_slug)
    stmt = await services.event_export(db, me, event, clock)
    return csv_response(request, stmt, f"roster-{event.slug}.csv")


@get(
    "/challenges/{slug:str}/roster.csv",
    tags=["rosters"],
    summary="Roster of one challenge as CSV (organizers, members of its host)",
    media_type="text/csv",
    opt={"writes": True},
    responses=problems(400, 401, 403, 404),
)
async def challenge_roster_csv(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, clock: Clock
) -> Stream:
    challenge, stmt = await services.challenge_export(db, me, slug, clock)
    return csv_response(request, stmt, f"roster-{challenge.slug}.csv")


handlers = [event_roster_csv, challenge_roster_csv]
