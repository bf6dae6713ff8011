"""Calendar files (.ics) of one challenge and of a whole event, for the API and the pages alike."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.challenges import services
from digieduhack.challenges.api import (
    AudienceParam,
    BadParameters,
    CountryParam,
    EventParam,
    FormatParam,
    FreeParam,
    HostKindParam,
    LanguageParam,
    SearchParam,
    ThemeParam,
    catalog_event,
)
from digieduhack.challenges.calendar import ical
from digieduhack.challenges.schemas import CatalogQuery
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.events.services import get_event
from digieduhack.models import Account, Challenge
from digieduhack.settings import Settings

MEDIA_TYPE = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types


def ics_response(
    challenges: list[Challenge], name: str, filename: str, settings: Settings, clock: Clock
) -> Response[bytes]:
    body = ical(challenges, name, base_url=settings.base_url, stamp=clock.now())
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename)
    return Response(
        body, media_type=MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
    )


@get(
    "/challenges/{slug:str}/calendar.ics",
    opt=PUBLIC,
    tags=["challenges"],
    summary="One challenge as an iCalendar file, in its own time zone",
    media_type=MEDIA_TYPE,
    responses=problems(400, 404),
)
async def challenge_calendar(
    db: AsyncSession, viewer: Account | None, slug: str, settings: Settings, clock: Clock
) -> Response[bytes]:
    challenge = await services.get_challenge(db, slug, viewer)
    return ics_response([challenge], challenge.title, f"{challenge.slug}.ics", settings, clock)


@get(
    "/events/{event_slug:str}/calendar.ics",
    opt=PUBLIC,
    tags=["events"],
    summary="Every published and closed challenge of an event as one iCalendar file, by start time",
    media_type=MEDIA_TYPE,
    responses=problems(400, 404),
)
async def event_calendar(
    db: AsyncSession, event_slug: str, settings: Settings, clock: Clock
) -> Response[bytes]:
    event = await get_event(db, event_slug)
    challenges = await services.listed_challenges(db, event)
    return ics_response(challenges, event.name, f"digieduhack-{event.slug}.ics", settings, clock)


@get(
    "/challenges/calendar.ics",
    opt=PUBLIC,
    tags=["challenges"],
    summary="Every challenge of a catalog view (its filters, not one page) as one iCalendar file",
    description=(
        "The same filters as GET /api/v1/challenges (and the catalog page); sorting and paging do not apply. "
        f"At most {services.MAX_IN_ONE_VIEW:,} challenges: a view with more is refused (400)."
    ),
    media_type=MEDIA_TYPE,
    responses=problems(400, 404),
)
async def catalog_calendar(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    event: EventParam = None,
    q: SearchParam = None,
    country: CountryParam = None,
    language: LanguageParam = None,
    format: FormatParam = None,
    host_kind: HostKindParam = None,
    theme: ThemeParam = None,
    audience: AudienceParam = None,
    free: FreeParam = None,
) -> Response[bytes]:
    query, errors = CatalogQuery.parse(request.query_params)  # the parameters above document it
    if errors:
        raise BadParameters(errors)
    ev = await catalog_event(db, query, clock)
    challenges = await services.catalog_all(db, ev, query)
    name = f"{ev.name} ({len(challenges)} selected)" if query.filters else ev.name
    return ics_response(challenges, name, f"digieduhack-{ev.slug}-challenges.ics", settings, clock)


# the same handlers under both routers: problem details under /api/v1, error pages elsewhere
api_handlers = [challenge_calendar, event_calendar, catalog_calendar]
page_handlers = [challenge_calendar, event_calendar, catalog_calendar]
