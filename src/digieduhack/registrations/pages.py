from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.accounts.pages import Form
from digieduhack.challenges.services import is_member
from digieduhack.clock import Clock
from digieduhack.hosts.api import Token
from digieduhack.models import Account, RegistrationStatus
from digieduhack.registrations import services, waitlist
from digieduhack.registrations.api import RegistrationId
from digieduhack.registrations.schemas import MoveIn
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.web import parse_form, redirect, render


def _joined(slug: str, status: RegistrationStatus) -> Response[Any]:
    return redirect(
        f"/challenges/{slug}", "waitlisted" if status == RegistrationStatus.WAITLISTED else "joined"
    )


@post("/challenges/{slug:str}/join", include_in_schema=False)
async def join_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    try:
        reg = await services.join(db, me, slug, clock=clock, settings=settings, limiter=limiter)
    except services.AlreadyRegistered:
        return redirect(f"/challenges/{slug}", "already_joined")
    except services.LimitReached as exc:
        # the explanation, and a button per challenge held to move here from it
        ctx = {"detail": exc.detail, "held": exc.held, "slug": slug}
        return render(request, "registrations/limit.html", ctx, status_code=409)
    return _joined(slug, reg.status)


@post("/challenges/{slug:str}/move", include_in_schema=False)
async def move_submit(
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    reg = await services.move(
        db, me, slug, parse_form(MoveIn, data), clock=clock, settings=settings, limiter=limiter
    )
    return _joined(slug, reg.status)


@post("/challenges/{slug:str}/cancel", include_in_schema=False)
async def cancel_submit(
    db: AsyncSession,
    me: Account,
    slug: str,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    await services.cancel(db, me, slug, clock=clock, settings=settings, limiter=limiter)
    return redirect(f"/challenges/{slug}", "cancelled")


@get("/me/registrations", include_in_schema=False)
async def my_registrations_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account
) -> Response[Any]:
    return render(
        request, "registrations/mine.html", {"registrations": await services.my_registrations(db, me)}
    )


@get("/challenges/{slug:str}/participants", include_in_schema=False)
async def participants_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    challenge, roster = await waitlist.participants(db, me, slug)
    ctx = {
        "challenge": challenge,
        "confirmed": [r for r, pos in roster if pos is None],
        "waiting": [(r, pos) for r, pos in roster if pos is not None],
        "can_change": is_member(me, challenge.host_id),
    }
    return render(request, "registrations/participants.html", ctx)


@post("/challenges/{slug:str}/participants/{registration_id:int}/promote", include_in_schema=False)
async def promote_submit(
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    await waitlist.promote_by_host(db, me, slug, registration_id, clock=clock, settings=settings)
    return redirect(f"/challenges/{slug}/participants", "participant_promoted")


@post("/challenges/{slug:str}/participants/{registration_id:int}/remove", include_in_schema=False)
async def remove_submit(
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    await waitlist.remove_by_host(db, me, slug, registration_id, clock=clock, settings=settings)
    return redirect(f"/challenges/{slug}/participants", "participant_removed")


@get("/registrations/withdraw/{token:str}", opt=PUBLIC, include_in_schema=False)
async def withdraw_page(
    request: Request[Any, Any, Any], db: AsyncSession, token: Token, settings: Settings
) -> Response[Any]:
    """What the link of an e-mail will do, and the button that does it (no log-in needed)."""
    reg = await services.registration_by_token(db, settings, token)
    state = "confirm" if reg.status in services.ACTIVE else "already"
    position = await services.waitlist_position(db, reg)
    ctx = {"reg": reg, "state": state, "position": position, "token": token}
    return render(request, "registrations/withdraw.html", ctx)


@post("/registrations/withdraw/{token:str}", opt=PUBLIC, include_in_schema=False)
async def withdraw_submit(
    request: Request[Any, Any, Any], db: AsyncSession, token: Token, clock: Clock, settings: Settings
) -> Response[Any]:
    reg, done = await services.withdraw(db, token, clock=clock, settings=settings)
    ctx = {"reg": reg, "state": "done" if done else "already", "position": None}
    return render(request, "registrations/withdraw.html", ctx)


handlers = [
    join_submit,
    move_submit,
    cancel_submit,
    my_registrations_page,
    participants_page,
    promote_submit,
    remove_submit,
    withdraw_page,
    withdraw_submit,
]
