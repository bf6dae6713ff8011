from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.pages import Form
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, Forbidden, NotFound
from digieduhack.events.services import is_past
from digieduhack.models import Account
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.teams import services
from digieduhack.teams.api import TeamId
from digieduhack.teams.schemas import TeamIn, TeamInviteIn, TeamJoinIn
from digieduhack.web import parse_form, redirect, render

Code = Annotated[str, Parameter(max_length=32, description="The team's invitation code")]


def _team_path(slug: str, team_id: int) -> str:
    return f"/challenges/{slug}/teams/{team_id}"


# --- starting: create a team, or join one with a code ----------------------------------------------
async def _start(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    clock: Clock,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    challenge, own, reason = await services.start(db, me, slug, clock)
    if own is not None and not errors:
        return redirect(_team_path(slug, own.id))
    ctx = {
        "challenge": challenge,
        "reason": reason,
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "teams/start.html", ctx, status_code=status_code)


@get("/challenges/{slug:str}/teams/new", include_in_schema=False)
async def start_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, clock: Clock
) -> Response[Any]:
    return await _start(request, db, me, slug, clock)


@post("/challenges/{slug:str}/teams", include_in_schema=False)
async def create_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, data: Form, clock: Clock
) -> Response[Any]:
    try:
        team = await services.create_team(db, me, slug, parse_form(TeamIn, data), clock)
    except FieldErrors as exc:
        return await _start(request, db, me, slug, clock, data, exc.errors, status_code=422)
    except services.NameTaken as exc:
        return await _start(request, db, me, slug, clock, data, {"name": exc.detail}, status_code=409)
    return redirect(_team_path(slug, team.id), "team_created")


@post("/challenges/{slug:str}/teams/join", include_in_schema=False)
async def join_code_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, data: Form, clock: Clock
) -> Response[Any]:
    """The code typed on the challenge's team page; its errors are shown next to the field."""
    try:
        team, challenge = await services.join_team(db, me, parse_form(TeamJoinIn, data), clock)
    except FieldErrors as exc:
        return await _start(request, db, me, slug, clock, data, exc.errors, status_code=422)
    except (NotFound, Conflict, Forbidden) as exc:
        errors = {"code": exc.detail}
        return await _start(request, db, me, slug, clock, data, errors, status_code=exc.status_code)
    return redirect(_team_path(challenge.slug, team.id), "team_joined")


# --- the invitation link ------------------------------------------------------------------------------
@get("/teams/join/{code:str}", include_in_schema=False)
async def invitation_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, code: Code, clock: Clock
) -> Response[Any]:
    """The team, its members and places left, and a Join button (or why the viewer cannot join)."""
    inv = await services.invitation(db, me, code, clock)
    return render(request, "teams/join.html", {"inv": inv, "code": inv.view.team.code})


@post("/teams/join/{code:str}", include_in_schema=False)
async def invitation_submit(db: AsyncSession, me: Account, code: Code, clock: Clock) -> Response[Any]:
    team, challenge = await services.join_team(db, me, TeamJoinIn(code=code), clock)
    return redirect(_team_path(challenge.slug, team.id), "team_joined")


# --- a team, and all teams of a challenge ----------------------------------------------------------------
async def _team_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    team_id: int,
    settings: Settings,
    clock: Clock,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    view = await services.view_team(db, me, slug, team_id)
    ctx = {
        "view": view,
        "team": view.team,
        "challenge": view.challenge,
        "link": services.invitation_url(settings, view.team.code) if view.is_member else None,
        "archived": is_past(view.challenge.event, clock.now()),
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "teams/show.html", ctx, status_code=status_code)


@get("/challenges/{slug:str}/teams/{team_id:int}", include_in_schema=False)
async def team_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    team_id: TeamId,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    return await _team_page(request, db, me, slug, team_id, settings, clock)


@get("/challenges/{slug:str}/teams", include_in_schema=False)
async def teams_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    challenge, views = await services.list_teams(db, me, slug)
    return render(request, "teams/index.html", {"challenge": challenge, "views": views})


@post("/challenges/{slug:str}/teams/{team_id:int}/code", include_in_schema=False)
async def renew_submit(
    db: AsyncSession, me: Account, slug: str, team_id: TeamId, clock: Clock
) -> Response[Any]:
    await services.renew_code(db, me, slug, team_id, clock)
    return redirect(_team_path(slug, team_id), "team_code_renewed")


@post("/challenges/{slug:str}/teams/{team_id:int}/invitations", include_in_schema=False)
async def invite_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    team_id: TeamId,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    try:
        await services.invite(
            db,
            me,
            slug,
            team_id,
            parse_form(TeamInviteIn, data),
            clock=clock,
            settings=settings,
            limiter=limiter,
        )
    except FieldErrors as exc:
        return await _team_page(request, db, me, slug, team_id, settings, clock, data, exc.errors, 422)
    return redirect(_team_path(slug, team_id), "team_invitation_sent")


@post("/challenges/{slug:str}/teams/{team_id:int}/leave", include_in_schema=False)
async def leave_submit(
    db: AsyncSession, me: Account, slug: str, team_id: TeamId, clock: Clock
) -> Response[Any]:
    gone = await services.leave_team(db, me, slug, team_id, clock)
    return redirect(f"/challenges/{slug}", "team_deleted" if gone else "team_left")


handlers = [
    start_page,
    create_submit,
    join_code_submit,
    invitation_page,
    invitation_submit,
    team_page,
    teams_page,
    renew_submit,
    invite_submit,
    leave_submit,
]
