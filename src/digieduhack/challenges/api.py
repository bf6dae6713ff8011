from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.accounts.schemas import Country
from digieduhack.challenges import services
from digieduhack.challenges.schemas import (
    CatalogQuery,
    CatalogSort,
    ChallengeCancelIn,
    ChallengeIn,
    ChallengeOut,
    ChallengePage,
    EventSlug,
    Language,
    PageNo,
    PerPage,
    SearchText,
    Theme,
)
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors, problems
from digieduhack.events.services import find_event, list_events, open_edition
from digieduhack.models import Account, Audience, Challenge, ChallengeFormat, Event, HostKind
from digieduhack.settings import Settings

_SCHEMA_KEYS = ("type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern")


def catalog_param(alias: Any, description: str | None = None) -> Any:
    """A catalog query parameter as the handlers take it: text, checked by CatalogQuery.parse (so a
    blank value counts as absent); the OpenAPI document shows the type and constraints of `alias`."""
    schema = msgspec.json.schema(alias)
    if "$ref" in schema:  # an enum
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    extra: dict[str, Any] = {"one_of": None, **{k: v for k, v in schema.items() if k in _SCHEMA_KEYS}}
    if "enum" in extra:
        extra["type"] = "string"
    return Parameter(description=description or schema.get("description"), schema_extra=extra)


# the catalog's query parameters, declared alike on the API and the page (CatalogQuery holds the rules)
EventParam = Annotated[str | None, catalog_param(EventSlug)]
SearchParam = Annotated[str | None, catalog_param(SearchText)]
CountryParam = Annotated[str | None, catalog_param(Country, "the challenge's country (ISO 3166-1 alpha-2)")]
LanguageParam = Annotated[
    str | None, catalog_param(Language, "BCP 47 language tag; a primary language also finds its variants")
]
FormatParam = Annotated[str | None, catalog_param(ChallengeFormat, "online, in_person or hybrid")]
HostKindParam = Annotated[str | None, catalog_param(HostKind, "the kind of the challenge's host")]
ThemeParam = Annotated[str | None, catalog_param(Theme, "one of the event's themes (EventOut.themes)")]
AudienceParam = Annotated[
    str | None, catalog_param(Audience, "who can join: challenges open to this audience")
]
FreeParam = Annotated[
    str | None,
    catalog_param(bool, "true: only challenges one can still join (registration open, places left)"),
]
SortParam = Annotated[str | None, catalog_param(CatalogSort, "start (default), title or newest")]
PageParam = Annotated[str | None, catalog_param(PageNo)]
PerPageParam = Annotated[str | None, catalog_param(PerPage, "items per page (default 20)")]


async def outs(
    db: AsyncSession, viewer: Account | None, challenges: list[Challenge], now: datetime
) -> list[ChallengeOut]:
    """The challenges as the viewer may see them at `now`: the meeting link only where they may."""
    visible = await services.meeting_visible(db, viewer, challenges)
    return [ChallengeOut.from_model(c, now, show_meeting=c.id in visible) for c in challenges]


class BadParameters(FieldErrors):
    """Query parameters out of their rules: a 400 naming each one."""

    status_code = 400
    title = "Bad request"


async def catalog_event(db: AsyncSession, query: CatalogQuery, clock: Clock) -> Event:
    """The edition a catalog view shows: the one named by `event`, else the current one (one query)."""
    return find_event(await list_events(db), query.event, clock.now())


@get(
    "/challenges",
    opt=PUBLIC,
    tags=["challenges"],
    summary="Published challenges of an event: filters, text search, sort and pages",
    description="The same query parameters as the catalog page (/challenges).",
    responses=problems(400, 404),
)
async def challenges_index(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    clock: Clock,
    viewer: Account | None,
    event: EventParam = None,
    q: SearchParam = None,
    country: CountryParam = None,
    language: LanguageParam = None,
    format: FormatParam = None,
    host_kind: HostKindParam = None,
    theme: ThemeParam = None,
    audience: AudienceParam = None,
    free: FreeParam = None,
    sort: SortParam = None,
    page: PageParam = None,
    per_page: PerPageParam = None,
) -> ChallengePage:
    query, errors = CatalogQuery.parse(request.query_params)  # the parameters above document it
    if errors:
        raise BadParameters(errors)
    result = await services.catalog(db, await catalog_event(db, query, clock), query)
    return ChallengePage(
        items=await outs(db, viewer, result.items, clock.now()),
        page=result.page,
        per_page=result.per_page,
        total=result.total,
        pages=result.pages,
    )


@get(
    "/challenges/{slug:str}",
    opt=PUBLIC,
    tags=["challenges"],
    summary="One challenge",
    responses=problems(400, 404),
)
async def challenges_show(db: AsyncSession, viewer: Account | None, slug: str, clock: Clock) -> ChallengeOut:
    return (await outs(db, viewer, [await services.get_challenge(db, slug, viewer)], clock.now()))[0]


@post(
    "/hosts/{host_slug:str}/challenges",
    tags=["challenges"],
    summary="Create a draft challenge (host members)",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def challenges_create(
    db: AsyncSession, me: Account, host_slug: str, data: ChallengeIn, clock: Clock
) -> ChallengeOut:
    host = await services.get_host(db, host_slug)
    challenge = await services.create_challenge(db, me, host, await open_edition(db, clock), data, clock)
    return ChallengeOut.from_model(challenge, clock.now(), show_meeting=True)


@post(
    "/challenges/{slug:str}/copy",
    tags=["challenges"],
    summary="Copy a challenge of an earlier edition into the current one, as a draft (host members)",
    description=(
        "The new draft keeps the wall-clock times (and agenda, deadline), moved by the days between the "
        "two editions' starts, and only the themes the current edition still has. 403 for another host's "
        "challenge; 409 for a challenge of the current (or a later) edition; 422 when the copy breaks a "
        "rule of the current edition (e.g. its dates), naming the field."
    ),
    responses=problems(400, 401, 403, 404, 409, 422),
)
async def challenges_copy(db: AsyncSession, me: Account, slug: str, clock: Clock) -> ChallengeOut:
    source = await services.get_own_challenge(db, me, slug)
    challenge = await services.copy_challenge(db, me, source, await open_edition(db, clock), clock)
    return ChallengeOut.from_model(challenge, clock.now(), show_meeting=True)


@put(
    "/challenges/{slug:str}",
    tags=["challenges"],
    summary="Replace a challenge's details (host members)",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def challenges_update(
    db: AsyncSession, me: Account, slug: str, data: ChallengeIn, clock: Clock, settings: Settings
) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    return ChallengeOut.from_model(
        await services.update_challenge(db, me, challenge, data, clock, settings),
        clock.now(),
        show_meeting=True,
    )


@post(
    "/challenges/{slug:str}/publish",
    tags=["challenges"],
    status_code=200,
    summary="Publish a draft",
    responses=problems(400, 401, 403, 404, 409),
)
async def challenges_publish(db: AsyncSession, me: Account, slug: str, clock: Clock) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    return ChallengeOut.from_model(
        await services.publish_challenge(db, me, challenge, clock), clock.now(), show_meeting=True
    )


@post(
    "/challenges/{slug:str}/close",
    tags=["challenges"],
    status_code=200,
    summary="Close registration (host members): the challenge stays in the catalog",
    responses=problems(400, 401, 403, 404, 409),
)
async def challenges_close(db: AsyncSession, me: Account, slug: str, clock: Clock) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    return ChallengeOut.from_model(
        await services.close_challenge(db, me, challenge, clock), clock.now(), show_meeting=True
    )


@post(
    "/challenges/{slug:str}/cancel",
    tags=["challenges"],
    status_code=200,
    summary="Cancel a challenge with a message to its registrants (host members)",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def challenges_cancel(
    db: AsyncSession, me: Account, slug: str, data: ChallengeCancelIn, clock: Clock, settings: Settings
) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    challenge = await services.cancel_challenge(db, me, challenge, data, clock, settings)
    return ChallengeOut.from_model(challenge, clock.now(), show_meeting=True)


@get(
    "/me/hosted-challenges",
    tags=["challenges"],
    summary="Challenges of the hosts I belong to, drafts included",
    responses=problems(401),
)
async def challenges_mine(db: AsyncSession, me: Account, clock: Clock) -> list[ChallengeOut]:
    now = clock.now()
    return [
        ChallengeOut.from_model(c, now, show_meeting=True) for c in await services.host_challenges(db, me)
    ]


handlers = [
    challenges_index,
    challenges_show,
    challenges_create,
    challenges_copy,
    challenges_update,
    challenges_publish,
    challenges_close,
    challenges_cancel,
    challenges_mine,
]
