from __future__ import annotations

from typing import Annotated

from litestar import delete, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.challenges.schemas import ChallengeOut
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.hosts import services
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn, HostOut, InvitationIn, InvitationOut
from digieduhack.models import Account, HostStatus
from digieduhack.settings import Settings

InvitationId = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The invitation's id")]
Token = Annotated[str, Parameter(max_length=100, description="The token of the invitation's link")]
NO_CONTENT = {204: ResponseSpec(None, description="Done")}


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
    db: AsyncSession, me: Account, host_slug: str, data: HostDecisionIn, clock: Clock, settings: Settings
) -> HostOut:
    return HostOut.from_model(await services.decide(db, me, host_slug, data, clock, settings))


@post(
    "/hosts/{host_slug:str}/invitations",
    tags=["hosts"],
    status_code=HTTP_201_CREATED,
    summary="Invite a colleague by e-mail (members); the answer holds the one-time link, valid 14 days",
    description=(
        "Send the `link` to the invited person: it is shown only in this answer. Inviting an e-mail "
        "that has a pending invitation replaces it (the older link stops working)."
    ),
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def invitations_create(
    db: AsyncSession, me: Account, host_slug: str, data: InvitationIn, clock: Clock, settings: Settings
) -> InvitationOut:
    invitation, token = await services.invite(db, me, host_slug, data, clock, settings)
    return InvitationOut.from_model(invitation, host_slug, services.invitation_link(settings, token))


@get(
    "/hosts/{host_slug:str}/invitations",
    tags=["hosts"],
    summary="Pending invitations of a host, oldest first (its members and organizers)",
    responses=problems(400, 401, 403, 404),
)
async def invitations_index(
    db: AsyncSession, me: Account, host_slug: str, clock: Clock
) -> list[InvitationOut]:
    team = await services.team(db, me, host_slug, clock)
    return [InvitationOut.from_model(i, team.host.slug) for i in team.invitations]


@delete(
    "/hosts/{host_slug:str}/invitations/{invitation_id:int}",
    tags=["hosts"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Withdraw a pending invitation (members): its link stops working",
    responses=problems(400, 401, 403, 404) | NO_CONTENT,
)
async def invitations_withdraw(
    db: AsyncSession, me: Account, host_slug: str, invitation_id: InvitationId, clock: Clock
) -> None:
    await services.withdraw(db, me, host_slug, invitation_id, clock)


@post(
    "/invitations/{token:str}/accept",
    tags=["hosts"],
    status_code=200,
    summary="Accept an invitation: become a member of its host (logged in with the invited e-mail)",
    responses=problems(400, 401, 403, 404, 410),
)
async def invitations_accept(db: AsyncSession, me: Account, token: Token, clock: Clock) -> HostOut:
    return HostOut.from_model(await services.accept(db, me, token, clock))


@delete(
    "/hosts/{host_slug:str}/members/me",
    tags=["hosts"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Leave a host (members); its last member cannot leave",
    responses=problems(400, 401, 403, 404, 409) | NO_CONTENT,
)
async def members_leave(db: AsyncSession, me: Account, host_slug: str, clock: Clock) -> None:
    await services.leave(db, me, host_slug, clock)


handlers = [
    hosts_apply,
    hosts_index,
    hosts_show,
    hosts_challenges,
    hosts_decide,
    invitations_create,
    invitations_index,
    invitations_withdraw,
    invitations_accept,
    members_leave,
]
