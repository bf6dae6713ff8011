from __future__ import annotations

from typing import Annotated

from litestar import get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.challenges import services
from digieduhack.challenges.schemas import ChallengeIn, ChallengeOut, ChallengePage
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.events.services import current_event, get_event
from digieduhack.models import Account

PageNo = Annotated[int, Parameter(ge=1, le=100_000, description="page number, from 1")]
PerPage = Annotated[int, Parameter(ge=1, le=100, description="items per page")]
EventSlug = Annotated[
    str | None, Parameter(max_length=40, description="event slug; the current event if absent")
]


@get(
    "/challenges",
    opt=PUBLIC,
    tags=["challenges"],
    summary="Published challenges of an event, by start time",
    responses=problems(400, 404),
)
async def challenges_index(
    db: AsyncSession, event: EventSlug = None, page: PageNo = 1, per_page: PerPage = 20
) -> ChallengePage:
    ev = await get_event(db, event) if event else await current_event(db)
    result = await services.catalog(db, ev, page, per_page)
    return ChallengePage(
        items=[ChallengeOut.from_model(c) for c in result.items],
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
async def challenges_show(db: AsyncSession, viewer: Account | None, slug: str) -> ChallengeOut:
    return ChallengeOut.from_model(await services.get_challenge(db, slug, viewer))


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
    challenge = await services.create_challenge(db, me, host, await current_event(db), data, clock)
    return ChallengeOut.from_model(challenge)


@put(
    "/challenges/{slug:str}",
    tags=["challenges"],
    summary="Replace a challenge's details (host members)",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def challenges_update(
    db: AsyncSession, me: Account, slug: str, data: ChallengeIn, clock: Clock
) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    return ChallengeOut.from_model(await services.update_challenge(db, me, challenge, data, clock))


@post(
    "/challenges/{slug:str}/publish",
    tags=["challenges"],
    status_code=200,
    summary="Publish a draft",
    responses=problems(400, 401, 403, 404, 409),
)
async def challenges_publish(db: AsyncSession, me: Account, slug: str, clock: Clock) -> ChallengeOut:
    challenge = await services.get_own_challenge(db, me, slug)
    return ChallengeOut.from_model(await services.publish_challenge(db, me, challenge, clock))


@get(
    "/me/hosted-challenges",
    tags=["challenges"],
    summary="Challenges of the hosts I belong to, drafts included",
    responses=problems(401),
)
async def challenges_mine(db: AsyncSession, me: Account) -> list[ChallengeOut]:
    return [ChallengeOut.from_model(c) for c in await services.host_challenges(db, me)]


handlers = [
    challenges_index,
    challenges_show,
    challenges_create,
    challenges_update,
    challenges_publish,
    challenges_mine,
]
