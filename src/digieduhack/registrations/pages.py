from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.accounts.pages import Form
from digieduhack.challenges.pages import show_challenge
from digieduhack.challenges.services import get_challenge, is_member
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors
from digieduhack.hosts.api import Token
from digieduhack.models import Account, Challenge, RegistrationStatus
from digieduhack.questions.answers import form_answers, questions_of
from digieduhack.registrations import codes, services, waitlist
from digieduhack.registrations.api import RegistrationId
from digieduhack.registrations.schemas import JoinIn, MoveIn
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.web import parse_form, redirect, render


def _joined(slug: str, status: RegistrationStatus) -> Response[Any]:
    return redirect(
        f"/challenges/{slug}", "waitlisted" if status == RegistrationStatus.WAITLISTED else "joined"
    )


async def _answers(db: AsyncSession, slug: str, form: dict[str, Any]) -> dict[int, Any]:
    """The answers in the form's `answer_<id>` fields, for the questions of challenge `slug`."""
    challenge = await db.scalar(select(Challenge).where(Challenge.slug == slug))
    return form_answers(await questions_of(db, challenge.id), form) if challenge else {}


async def _refused_answers(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    form: dict[str, Any],
    exc: FieldErrors,
    clock: Clock,
) -> Response[Any]:
    """The challenge page again, its join form with the answers given and a message next to each wrong one
    (other field errors go to the error page)."""
    if not all(field.startswith("answers.") for field in exc.errors):
        raise exc
    challenge = await get_challenge(db, slug, me)
    return await show_challenge(request, db, me, challenge, clock, form, exc.errors, status_code=422)


@post("/challenges/{slug:str}/join", include_in_schema=False)
async def join_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    join = JoinIn(answers=await _answers(db, slug, data))
    try:
        reg = await services.join(db, me, slug, join, clock=clock, settings=settings, limiter=limiter)
    except services.AlreadyRegistered:
        return redirect(f"/challenges/{slug}", "already_joined")
    except services.LimitReached as exc:
        # the explanation, and a button per challenge held to move here from it (the answers go along)
        ctx = {"detail": exc.detail, "held": exc.held, "slug": slug, "values": data}
        return render(request, "registrations/limit.html", ctx, status_code=409)
    except FieldErrors as exc:
        return await _refused_answers(request, db, me, slug, data, exc, clock)
    return _joined(slug, reg.status)


@post("/challenges/{slug:str}/move", include_in_schema=False)
async def move_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> Response[Any]:
    move = parse_form(MoveIn, data)
    move.answers = await _answers(db, slug, data)
    try:
        reg = await services.move(db, me, slug, move, clock=clock, settings=settings, limiter=limiter)
    except FieldErrors as exc:
        return await _refused_answers(request, db, me, slug, data, exc, clock)
    return _joined(slug, reg.status)


@get("/challenges/{slug:str}/cancel", include_in_schema=False)
async def cancel_confirm(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    """What cancelling will do (the place goes to the waitlist, or the position is lost), and the button."""
    challenge = await get_challenge(db, slug, me)
    reg = await services.my_registration_for(db, me, challenge)
    if reg is None:
        return redirect(f"/challenges/{slug}")
    reg.challenge = challenge
    ctx = {
        "reg": reg,
        "state": "confirm",
        "position": await services.waitlist_position(db, reg),
        "action": f"/challenges/{slug}/cancel",
    }
    return render(request, "registrations/withdraw.html", ctx)


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
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, settings: Settings
) -> Response[Any]:
    registrations = await services.my_registrations(db, me)
    # each confirmed registration's personal check-in code, shown as a QR code
    tokens = {
        r.id: codes.checkin_token(settings, r)
        for r, _ in registrations
        if r.status == RegistrationStatus.CONFIRMED
    }
    return render(
        request, "registrations/mine.html", {"registrations": registrations, "checkin_tokens": tokens}
    )


@get("/challenges/{slug:str}/participants", include_in_schema=False)
async def participants_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    roster = await waitlist.participants(db, me, slug)
    ctx = {
        "challenge": roster.challenge,
        "confirmed": [r for r, pos in roster.rows if pos is None],
        "waiting": [(r, pos) for r, pos in roster.rows if pos is not None],
        "questions": roster.questions,
        "answers": roster.answers,
        "can_change": is_member(me, roster.challenge.host_id) or me.is_organizer,
        "checked_in": sum(1 for r, pos in roster.rows if pos is None and r.checked_in_at is not None),
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
    ctx = {"reg": reg, "state": state, "position": position, "action": f"/registrations/withdraw/{token}"}
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
    cancel_confirm,
    cancel_submit,
    my_registrations_page,
    participants_page,
    promote_submit,
    remove_submit,
    withdraw_page,
    withdraw_submit,
]
