from __future__ import annotations

from typing import Annotated

from litestar import delete, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.models import Account
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.teams import services
from digieduhack.teams.schemas import (
    TeamIn,
    TeamInvitationOut,
    TeamInviteIn,
    TeamJoinIn,
    TeamMemberOut,
    TeamOut,
)

TeamId = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The team's id")]
NO_CONTENT = {204: ResponseSpec(None, description="Done")}


def team_out(view: services.TeamView, settings: Settings) -> TeamOut:
    team, challenge = view.team, view.challenge
    return TeamOut(
        id=team.id,
        challenge=challenge.slug,
        challenge_title=challenge.title,
        name=team.name,
        member_count=team.member_count,
        min_members=challenge.min_team_size,
        max_members=challenge.max_team_size,
        places_left=view.places_left,
        members_needed=view.members_needed,
        members=[
            TeamMemberOut(
                name=m.account.display_name,
                joined_at=m.joined_at,
                email=m.account.email if view.sees_emails else None,
            )
            for m in team.members
        ],
        created_at=team.created_at,
        code=team.code if view.is_member else None,
        invitation_url=services.invitation_url(settings, team.code) if view.is_member else None,
    )


async def _out(db: AsyncSession, me: Account, slug: str, team_id: int, settings: Settings) -> TeamOut:
    return team_out(await services.view_team(db, me, slug, team_id), settings)


@post(
    "/challenges/{slug:str}/teams",
    tags=["teams"],
    status_code=HTTP_201_CREATED,
    summary="Create a team (confirmed participants); you are its first member",
    description="The name is unique within the challenge, whatever its case. One team per participant and "
    "challenge: 409 when you are in one already. The answer carries the team's invitation code and link.",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def teams_create(
    db: AsyncSession, me: Account, slug: str, data: TeamIn, clock: Clock, settings: Settings
) -> TeamOut:
    team = await services.create_team(db, me, slug, data, clock)
    return await _out(db, me, slug, team.id, settings)


@get(
    "/challenges/{slug:str}/teams",
    tags=["teams"],
    summary="Every team of a challenge, by name (its host's members and organizers)",
    responses=problems(400, 401, 403, 404),
)
async def teams_index(db: AsyncSession, me: Account, slug: str, settings: Settings) -> list[TeamOut]:
    _, views = await services.list_teams(db, me, slug)
    return [team_out(v, settings) for v in views]


@get(
    "/challenges/{slug:str}/teams/{team_id:int}",
    tags=["teams"],
    summary="A team and its members (its members, the challenge's host members and organizers)",
    description="E-mail addresses are shown to the host's members and organizers only; the code and the "
    "invitation link to the team's members only. 404 for anyone else.",
    responses=problems(400, 401, 404),
)
async def teams_show(
    db: AsyncSession, me: Account, slug: str, team_id: TeamId, settings: Settings
) -> TeamOut:
    return await _out(db, me, slug, team_id, settings)


@post(
    "/teams/join",
    tags=["teams"],
    status_code=HTTP_200_OK,
    summary="Join the team of an invitation code (confirmed participants of its challenge)",
    description="404 for an unknown (or renewed) code; 409 when the team is full, or you are in a team of "
    "that challenge already.",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def teams_join(
    db: AsyncSession, me: Account, data: TeamJoinIn, clock: Clock, settings: Settings
) -> TeamOut:
    team, challenge = await services.join_team(db, me, data, clock)
    return await _out(db, me, challenge.slug, team.id, settings)


@post(
    "/challenges/{slug:str}/teams/{team_id:int}/code",
    tags=["teams"],
    status_code=HTTP_200_OK,
    summary="Renew the team's invitation code (its members): the old code and link stop working",
    responses=problems(400, 401, 403, 404, 409),
)
async def teams_renew_code(
    db: AsyncSession, me: Account, slug: str, team_id: TeamId, clock: Clock, settings: Settings
) -> TeamOut:
    await services.renew_code(db, me, slug, team_id, clock)
    return await _out(db, me, slug, team_id, settings)


@post(
    "/challenges/{slug:str}/teams/{team_id:int}/invitations",
    tags=["teams"],
    status_code=HTTP_202_ACCEPTED,
    summary="E-mail the team's invitation link to an address (its members; 20 per hour)",
    description="The answer is the same whether or not the address has an account.",
    responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
)
async def teams_invite(
    db: AsyncSession,
    me: Account,
    slug: str,
    team_id: TeamId,
    data: TeamInviteIn,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> TeamInvitationOut:
    team, email = await services.invite(
        db, me, slug, team_id, data, clock=clock, settings=settings, limiter=limiter
    )
    return TeamInvitationOut(sent_to=email, team=team.id)


@delete(
    "/challenges/{slug:str}/teams/{team_id:int}/members/me",
    tags=["teams"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Leave a team; the last member leaving deletes it",
    responses=problems(400, 401, 403, 404, 409) | NO_CONTENT,
)
async def teams_leave(db: AsyncSession, me: Account, slug: str, team_id: TeamId, clock: Clock) -> None:
    await services.leave_team(db, me, slug, team_id, clock)


# in this order in the API document (and so in the fuzz test): leaving the team created, then joining another
handlers = [teams_index, teams_create, teams_show, teams_renew_code, teams_invite, teams_leave, teams_join]
