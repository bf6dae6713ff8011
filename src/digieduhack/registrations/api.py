from __future__ import annotations

from litestar import delete, get, post
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.models import Account
from digieduhack.registrations import services
from digieduhack.registrations.schemas import RegistrationOut
from digieduhack.settings import Settings


@post(
    "/challenges/{slug:str}/registration",
    tags=["registrations"],
    status_code=HTTP_201_CREATED,
    summary="Join a challenge: confirmed while there is room, waitlisted when it is full",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_join(
    db: AsyncSession, me: Account, slug: str, clock: Clock, settings: Settings
) -> RegistrationOut:
    reg = await services.join(db, me, slug, clock=clock, settings=settings)
    return RegistrationOut.from_model(reg, await services.waitlist_position(db, reg))


@delete(
    "/challenges/{slug:str}/registration",
    tags=["registrations"],
    summary="Cancel my registration",
    responses=problems(400, 401, 403, 404, 409),
)
async def registration_cancel(
    db: AsyncSession, me: Account, slug: str, clock: Clock, settings: Settings
) -> None:
    await services.cancel(db, me, slug, clock=clock, settings=settings)


@get(
    "/me/registrations",
    tags=["registrations"],
    summary="My registrations, active first",
    responses=problems(401),
)
async def registrations_mine(db: AsyncSession, me: Account) -> list[RegistrationOut]:
    return [RegistrationOut.from_model(r, pos) for r, pos in await services.my_registrations(db, me)]


handlers = [registration_join, registration_cancel, registrations_mine]
