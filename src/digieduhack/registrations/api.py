from __future__ import annotations

from typing import Annotated

from litestar import delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.models import Account
from digieduhack.registrations import checkin, services, waitlist
from digieduhack.registrations.schemas import JoinIn, MoveIn, ParticipantOut, RegistrationOut
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings

RegistrationId = Annotated[int, Parameter(ge=1, le=2**63 - 1, description="The registration's id")]


@post(
    "/challenges/{slug:str}/registration",
    tags=["registrations"],
    status_code=HTTP_201_CREATED,
    summary="Join a challenge: confirmed while there is room, waitlisted when it is full",
    description="The body (optional when the challenge asks no question) carries the answers to the "
    "challenge's questions (`GET /challenges/{slug}/questions`); a missing required answer or a wrong one "
    "is a 422 naming `answers.<id>`. Refused (409) beyond the edition's limit of challenges per "
    "participant: the problem names the challenges held; `POST .../registration/move` then leaves one of "
    "them and joins this one in one step.",
    responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
)
async def registration_join(
    db: AsyncSession,
    me: Account,
    slug: str,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
    data: JoinIn | None = None,
) -> RegistrationOut:
    reg = await services.join(db, me, slug, data, clock=clock, settings=settings, limiter=limiter)
    return RegistrationOut.from_model(reg, await services.waitlist_position(db, reg))


@post(
    "/challenges/{slug:str}/registration/move",
    tags=["registrations"],
    status_code=HTTP_201_CREATED,
    summary="Move here: leave `from_challenge` and join this challenge in one step (or change nothing)",
    description="The place left goes to the next person on the other challenge's waitlist. `answers` as "
    "for joining: this challenge's questions.",
    responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
)
async def registration_move(
    db: AsyncSession,
    me: Account,
    slug: str,
    data: MoveIn,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> RegistrationOut:
    reg = await services.move(db, me, slug, data, clock=clock, settings=settings, limiter=limiter)
    return RegistrationOut.from_model(reg, await services.waitlist_position(db, reg))


@delete(
    "/challenges/{slug:str}/registration",
    tags=["registrations"],
    summary="Cancel my registration",
    responses=problems(400, 401, 403, 404, 409, 429),
)
async def registration_cancel(
    db: AsyncSession,
    me: Account,
    slug: str,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> None:
    await services.cancel(db, me, slug, clock=clock, settings=settings, limiter=limiter)


@get(
    "/me/registrations",
    tags=["registrations"],
    summary="My registrations, active first",
    responses=problems(401),
)
async def registrations_mine(db: AsyncSession, me: Account) -> list[RegistrationOut]:
    return [RegistrationOut.from_model(r, pos) for r, pos in await services.my_registrations(db, me)]


@get(
    "/challenges/{slug:str}/registrations",
    tags=["registrations"],
    summary="A challenge's participants: the confirmed, then the waitlist in order (its host, organizers)",
    responses=problems(400, 401, 403, 404),
)
async def challenge_registrations(db: AsyncSession, me: Account, slug: str) -> list[ParticipantOut]:
    roster = await waitlist.participants(db, me, slug)
    return [
        ParticipantOut.from_model(r, pos, roster.questions, roster.answers.get(r.id, {}))
        for r, pos in roster.rows
    ]


@post(
    "/challenges/{slug:str}/registrations/{registration_id:int}/promote",
    tags=["registrations"],
    status_code=HTTP_200_OK,
    summary="Give a free place to a waiting person (host members, organizers); 409 when no place is free",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_promote(
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    clock: Clock,
    settings: Settings,
) -> ParticipantOut:
    reg = await waitlist.promote_by_host(db, me, slug, registration_id, clock=clock, settings=settings)
    return ParticipantOut.from_model(reg, None)


@delete(
    "/challenges/{slug:str}/registrations/{registration_id:int}",
    tags=["registrations"],
    summary="Remove a confirmed or waiting person (host members, organizers)",
    description="A freed place goes to the waitlist in order.",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_remove(
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    clock: Clock,
    settings: Settings,
) -> None:
    await waitlist.remove_by_host(db, me, slug, registration_id, clock=clock, settings=settings)


CHECK_IN_WINDOW = (
    "Members of the challenge's host and organizers; only for a confirmed registration (409 for a waiting or "
    "cancelled one), from 00:00 UTC the day before the challenge starts until the edition is over (409 "
    "outside that window). "
)


@post(
    "/challenges/{slug:str}/registrations/{registration_id:int}/check-in",
    tags=["registrations"],
    status_code=HTTP_200_OK,
    summary="Check a confirmed participant in on the event day (host members, organizers)",
    description=CHECK_IN_WINDOW + "Checking in again changes nothing: `checked_in_at` keeps the first time.",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_check_in(
    db: AsyncSession, me: Account, slug: str, registration_id: RegistrationId, clock: Clock
) -> ParticipantOut:
    reg = await checkin.check_in(db, me, slug, registration_id, clock=clock)
    return ParticipantOut.from_model(reg, None)


@delete(
    "/challenges/{slug:str}/registrations/{registration_id:int}/check-in",
    tags=["registrations"],
    status_code=HTTP_200_OK,
    summary="Undo a check-in (host members, organizers)",
    description=CHECK_IN_WINDOW + "Undoing when not checked in changes nothing (`checked_in_at` stays null).",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_check_in_undo(
    db: AsyncSession, me: Account, slug: str, registration_id: RegistrationId, clock: Clock
) -> ParticipantOut:
    reg = await checkin.undo(db, me, slug, registration_id, clock=clock)
    return ParticipantOut.from_model(reg, None)


handlers = [
    registration_join,
    registration_move,
    registration_cancel,
    registrations_mine,
    challenge_registrations,
    registration_promote,
    registration_remove,
    registration_check_in,
    registration_check_in_undo,
]
