from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.accounts.pages import Form
from digieduhack.challenges.services import is_member
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors
from digieduhack.hosts import services
from digieduhack.hosts.api import InvitationId, Token
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn, InvitationIn
from digieduhack.models import Account
from digieduhack.settings import Settings
from digieduhack.web import HOST_KIND_LABELS, parse_form, redirect, render


def _apply_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "kinds": list(HOST_KIND_LABELS.items()),
    }


@get("/hosts/apply", include_in_schema=False)
async def apply_form(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return render(
        request, "hosts/apply.html", _apply_context({"contact_email": me.email, "kind": "university"}, {})
    )


@post("/hosts/apply", include_in_schema=False)
async def apply_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form, clock: Clock
) -> Response[Any]:
    try:
        host = await services.apply(db, me, parse_form(HostApplicationIn, data), clock)
    except FieldErrors as exc:
        return render(request, "hosts/apply.html", _apply_context(data, exc.errors), status_code=422)
    return redirect(f"/hosts/{host.slug}", "host_applied")


@get("/hosts/{host_slug:str}", opt=PUBLIC, include_in_schema=False)
async def host_page(
    request: Request[Any, Any, Any], db: AsyncSession, viewer: Account | None, host_slug: str
) -> Response[Any]:
    host = await services.visible_host(db, host_slug, viewer)
    challenges = await services.public_challenges(db, host)
    context = {
        "host": host,
        "challenges": challenges,
        "kinds": HOST_KIND_LABELS,
        "can_see_team": is_member(viewer, host.id) or bool(viewer and viewer.is_organizer),
    }
    return render(request, "hosts/show.html", context)


@post("/hosts/{host_slug:str}/decision", guards=[organizer_only], include_in_schema=False)
async def decision_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    host_slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    try:
        host = await services.decide(db, me, host_slug, parse_form(HostDecisionIn, data), clock, settings)
    except FieldErrors as exc:
        return render(
            request,
            "error.html",
            {"title": "Invalid input", "detail": " ".join(exc.errors.values())},
            status_code=422,
        )
    return redirect("/organizer", "host_approved" if host.status.value == "approved" else "host_rejected")


async def _team_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    host_slug: str,
    clock: Clock,
    status_code: int = 200,
    **extra: Any,
) -> Response[Any]:
    """The team page; after an invitation, with its link (shown this once), or the form's error."""
    context = {"team": await services.team(db, me, host_slug, clock), "values": {}, "errors": {}, **extra}
    return render(request, "hosts/team.html", context, status_code=status_code)


@get("/hosts/{host_slug:str}/team", include_in_schema=False)
async def team_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, host_slug: str, clock: Clock
) -> Response[Any]:
    return await _team_page(request, db, me, host_slug, clock)


@post("/hosts/{host_slug:str}/invitations", include_in_schema=False)
async def invite_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    host_slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    values = {"email": data.get("email", "")}
    try:
        invitation, token = await services.invite(
            db, me, host_slug, parse_form(InvitationIn, data), clock, settings
        )
    except FieldErrors as exc:
        return await _team_page(request, db, me, host_slug, clock, 422, values=values, errors=exc.errors)
    except Conflict as exc:
        errors = {"email": exc.detail}
        return await _team_page(request, db, me, host_slug, clock, 409, values=values, errors=errors)
    link = services.invitation_link(settings, token)
    return await _team_page(request, db, me, host_slug, clock, invited=invitation, link=link)


@post("/hosts/{host_slug:str}/invitations/{invitation_id:int}/withdraw", include_in_schema=False)
async def withdraw_submit(
    db: AsyncSession, me: Account, host_slug: str, invitation_id: InvitationId, clock: Clock
) -> Response[Any]:
    host = await services.withdraw(db, me, host_slug, invitation_id, clock)
    return redirect(f"/hosts/{host.slug}/team", "invitation_revoked")


@post("/hosts/{host_slug:str}/leave", include_in_schema=False)
async def leave_submit(db: AsyncSession, me: Account, host_slug: str, clock: Clock) -> Response[Any]:
    await services.leave(db, me, host_slug, clock)
    return redirect("/host", "host_left")


@get("/invitations/{token:str}", opt=PUBLIC, include_in_schema=False)
async def invitation_page(
    request: Request[Any, Any, Any], db: AsyncSession, viewer: Account | None, token: Token, clock: Clock
) -> Response[Any]:
    """Who invites to which host; log in or sign up and come back here, or join with one click."""
    invitation = await services.invitation_by_token(db, token, clock)
    context = {
        "invitation": invitation,
        "path": request.url.path,
        "wrong_account": services.wrong_account(invitation, viewer) if viewer else None,
    }
    return render(request, "hosts/invitation.html", context)


@post("/invitations/{token:str}", include_in_schema=False)
async def invitation_accept(db: AsyncSession, me: Account, token: Token, clock: Clock) -> Response[Any]:
    host = await services.accept(db, me, token, clock)
    return redirect(f"/hosts/{host.slug}/team", "invitation_accepted")


handlers = [
    apply_form,
    apply_submit,
    host_page,
    decision_submit,
    team_page,
    invite_submit,
    withdraw_submit,
    leave_submit,
    invitation_page,
    invitation_accept,
]
