"""The announcements pages: the list of past announcements with the compose form, "Preview" (the message as
recipients get it and how many people it reaches), then "Send" (the same fields and a confirmation; the
recipients are counted again). The same structs and service functions as the API."""

from __future__ import annotations

from typing import Any, get_args

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import organizer_only
from digieduhack.accounts.pages import Form
from digieduhack.announcements import services
from digieduhack.announcements.schemas import (
    AUDIENCE_LABELS,
    MAX_BODY,
    MAX_SUBJECT,
    ChallengeAnnouncementIn,
    ChallengeAudience,
    EventAnnouncementIn,
    EventAudience,
)
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors
from digieduhack.events.services import is_past
from digieduhack.models import Account
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.web import parse_form, redirect, render

CHALLENGE_AUDIENCES = [(a, AUDIENCE_LABELS[a]) for a in get_args(ChallengeAudience)]
EVENT_AUDIENCES = [(a, AUDIENCE_LABELS[a]) for a in get_args(EventAudience)]


def _path(scope: services.Scope) -> str:
    if scope.challenge is not None:
        return f"/challenges/{scope.challenge.slug}/announcements"
    return f"/events/{scope.event.slug}/announcements"


def _struct(scope: services.Scope) -> type[ChallengeAnnouncementIn | EventAnnouncementIn]:
    return ChallengeAnnouncementIn if scope.challenge is not None else EventAnnouncementIn


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    scope: services.Scope,
    clock: Clock,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    preview: services.Preview | None = None,
    status_code: int = 200,
) -> Response[Any]:
    audiences = CHALLENGE_AUDIENCES if scope.challenge is not None else EVENT_AUDIENCES
    context = {
        "scope": scope,
        "challenge": scope.challenge,
        "event": scope.event,
        "path": _path(scope),
        "sent": await services.history(db, scope),
        "audiences": audiences,
        "audience_labels": AUDIENCE_LABELS,
        "values": values or {"audience": audiences[0][0]},
        "errors": errors or {},
        "preview": preview,
        "archived": is_past(scope.event, clock.now()),
        "max_subject": MAX_SUBJECT,
        "max_body": MAX_BODY,
    }
    return render(request, "announcements/index.html", context, status_code=status_code)


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """The form's own fields, for filling it again (not the CSRF token or the confirmation)."""
    return {k: data.get(k, "") for k in ("subject", "body", "audience")}


async def _preview(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    scope: services.Scope,
    data: dict[str, Any],
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    values = _fields(data)
    try:
        parsed = parse_form(_struct(scope), data)
        shown = await services.preview(db, me, scope, parsed, clock=clock, settings=settings)
    except FieldErrors as exc:
        return await _page(request, db, scope, clock, values=values, errors=exc.errors, status_code=422)
    return await _page(request, db, scope, clock, values=values, preview=shown)


async def _send(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    scope: services.Scope,
    data: dict[str, Any],
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    if data.get("confirm") != "yes":  # not confirmed after a preview: show the preview first
        return await _preview(request, db, me, scope, data, clock, settings)
    values = _fields(data)
    try:
        parsed = parse_form(_struct(scope), data)
        await services.send(db, me, scope, parsed, clock=clock, settings=settings, limiter=limiter)
    except FieldErrors as exc:
        return await _page(request, db, scope, clock, values=values, errors=exc.errors, status_code=422)
    except services.NoRecipients as exc:
        errors = {"audience": exc.detail}
        return await _page(request, db, scope, clock, values=values, errors=errors, status_code=409)
    return redirect(_path(scope), "announcement_sent")


# --- a challenge's participants -------------------------------------------------------------------------
@get("/challenges/{slug:str}/announcements", include_in_schema=False)
async def challenge_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, clock: Clock
) -> Response[Any]:
    return await _page(request, db, await services.challenge_scope(db, me, slug), clock)


@post("/challenges/{slug:str}/announcements/preview", include_in_schema=False)
async def challenge_preview(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    scope = await services.challenge_scope(db, me, slug)
    return await _preview(request, db, me, scope, data, clock, settings)


@post("/challenges/{slug:str}/announcements", include_in_schema=False)
async def challenge_send(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    scope = await services.challenge_scope(db, me, slug)
    return await _send(request, db, me, scope, data, clock, settings, limiter)


# --- an edition's hosts or participants (organizers) -----------------------------------------------------
@get("/events/{event_slug:str}/announcements", guards=[organizer_only], include_in_schema=False)
async def event_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, event_slug: str, clock: Clock
) -> Response[Any]:
    return await _page(request, db, await services.event_scope(db, me, event_slug), clock)


@post("/events/{event_slug:str}/announcements/preview", guards=[organizer_only], include_in_schema=False)
async def event_preview(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    event_slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    scope = await services.event_scope(db, me, event_slug)
    return await _preview(request, db, me, scope, data, clock, settings)


@post("/events/{event_slug:str}/announcements", guards=[organizer_only], include_in_schema=False)
async def event_send(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    event_slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    scope = await services.event_scope(db, me, event_slug)
    return await _send(request, db, me, scope, data, clock, settings, limiter)


handlers = [challenge_page, challenge_preview, challenge_send, event_page, event_preview, event_send]
