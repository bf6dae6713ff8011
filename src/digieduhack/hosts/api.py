from __future__ import annotations

from litestar import get, post
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.challenges.schemas import ChallengeOut
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.hosts import services
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn, HostOut
from digieduhack.models import Account, HostStatus


@post(
    "/hosts",
    tags=["hosts"],
    status_code=HTTP_201_CREATED,
    summary="Apply to host challenges for an organisation (pending until an organizer decides)",
    responses=problems(400, 401, 403, 415, 422),
)
async def hosts_apply(db: AsyncSession, me: Account, data: HostApplicationIn, clock: Clock) -> HostOut:
    return HostOut.from_model(await services.apply(db, me, data, clock))


@get(
    "/hosts",
    tags=["hosts"],
    guards=[organizer_only],
    summary="Host applications and hosts, oldest first (organizers)",
    responses=problems(400, 401, 403),
)
async def hosts_index(db: AsyncSession, status: HostStatus | None = None) -> list[HostOut]:
    return [HostOut.from_model(h) for h in await services.applications(db, status)]


@get("/hosts/{host_slug:str}", opt=PUBLIC, tags=["hosts"], summary="One host", responses=problems(400, 404))
async def hosts_show(db: AsyncSession, viewer: Account | None, host_slug: str) -> HostOut:
    return HostOut.from_model(await services.visible_host(db, host_slug, viewer))


@get(
    "/hosts/{host_slug:str}/challenges",
    opt=PUBLIC,
    tags=["hosts"],
    summary="A host's published challenges across editions",
    responses=problems(400, 404),
)
async def hosts_challenges(
    db: AsyncSession, viewer: Account | None, host_slug: str, clock: Clock
) -> list[ChallengeOut]:
    host = await services.visible_host(db, host_slug, viewer)
    now = clock.now()
    return [ChallengeOut.from_model(c, now) for c in await services.public_challenges(db, host)]


@post(
    "/hosts/{host_slug:str}/decision",
    tags=["hosts"],
    guards=[organizer_only],
    status_code=200,
    summary="Approve or reject a host application (organizers; a rejection needs a reason)",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def hosts_decide(
    db: AsyncSession, me: Account, host_slug: str, data: HostDecisionIn, clock: Clock
) -> HostOut:
    return HostOut.from_model(await services.decide(db, me, host_slug, data, clock))


handlers = [hosts_apply, hosts_index, hosts_show, hosts_challenges, hosts_decide]
