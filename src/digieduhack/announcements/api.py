"""Announcements in the JSON API: preview, send and list, for a challenge (its host's members and organizers)
and for an edition (organizers)."""

from __future__ import annotations

from litestar import get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.announcements import services
from digieduhack.announcements.schemas import (
    AnnouncementOut,
    AnnouncementPreviewOut,
    ChallengeAnnouncementIn,
    EventAnnouncementIn,
)
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.models import Account
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings


def announcement_out(sent: services.Sent) -> AnnouncementOut:
    a = sent.announcement
    return AnnouncementOut(
        id=a.id,
        event=sent.event_slug,
        challenge=sent.challenge_slug,
        audience=a.audience.value,
        subject=a.subject,
        body=a.body,
        recipient_count=a.recipient_count,
        author_name=sent.author_name,
        created_at=a.created_at,
    )


def _preview_out(p: services.Preview) -> AnnouncementPreviewOut:
    return AnnouncementPreviewOut(p.recipient_count, p.subject, p.text, p.html)


AUDIENCES = (
    "Audiences: `challenge_all` (confirmed and waitlisted), `challenge_confirmed`, `challenge_waitlisted`, "
    "`challenge_checked_in` (confirmed and checked in). Each person counts once; deleted accounts are "
    "left out."
)
EVENT_AUDIENCES = (
    "Audiences: `event_hosts` (the members of every approved host with a challenge in the edition), "
    "`event_participants` (confirmed and waitlisted in any of its challenges), `event_confirmed`, "
    "`event_waitlisted`, `event_checked_in`. Each person counts once; deleted accounts are left out."
)


@post(
    "/challenges/{slug:str}/announcements/preview",
    tags=["announcements"],
    status_code=HTTP_200_OK,
    summary="Preview an announcement to a challenge's participants: the message and its number of recipients",
    description=f"Nothing is stored or sent. {AUDIENCES} 409 for a challenge of a past edition.",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def challenge_preview(
    db: AsyncSession, me: Account, slug: str, data: ChallengeAnnouncementIn, clock: Clock, settings: Settings
) -> AnnouncementPreviewOut:
    scope = await services.challenge_scope(db, me, slug)
    return _preview_out(await services.preview(db, me, scope, data, clock=clock, settings=settings))


@post(
    "/challenges/{slug:str}/announcements",
    tags=["announcements"],
    status_code=HTTP_201_CREATED,
    summary="Send an announcement to a challenge's participants (its host's members and organizers)",
    description=f"One e-mail per recipient (plain text and HTML) through the outbox. {AUDIENCES} 409 when "
    "nobody is in the audience, or for a challenge of a past edition; 429 beyond 10 announcements (by "
    "default) per hour and account.",
    responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
)
async def challenge_send(
    db: AsyncSession,
    me: Account,
    slug: str,
    data: ChallengeAnnouncementIn,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> AnnouncementOut:
    scope = await services.challenge_scope(db, me, slug)
    sent = await services.send(db, me, scope, data, clock=clock, settings=settings, limiter=limiter)
    return announcement_out(sent)


@get(
    "/challenges/{slug:str}/announcements",
    tags=["announcements"],
    summary="The announcements sent to a challenge's participants, newest first",
    responses=problems(400, 401, 403, 404),
)
async def challenge_index(db: AsyncSession, me: Account, slug: str) -> list[AnnouncementOut]:
    scope = await services.challenge_scope(db, me, slug)
    return [announcement_out(s) for s in await services.history(db, scope)]


@post(
    "/events/{event_slug:str}/announcements/preview",
    tags=["announcements"],
    status_code=HTTP_200_OK,
    summary="Preview an announcement to an edition's hosts or participants (organizers)",
    description=f"Nothing is stored or sent. {EVENT_AUDIENCES} 409 for a past edition.",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def event_preview(
    db: AsyncSession,
    me: Account,
    event_slug: str,
    data: EventAnnouncementIn,
    clock: Clock,
    settings: Settings,
) -> AnnouncementPreviewOut:
    scope = await services.event_scope(db, me, event_slug)
    return _preview_out(await services.preview(db, me, scope, data, clock=clock, settings=settings))


@post(
    "/events/{event_slug:str}/announcements",
    tags=["announcements"],
    status_code=HTTP_201_CREATED,
    summary="Send an announcement to an edition's hosts or participants (organizers)",
    description=f"One e-mail per recipient (plain text and HTML) through the outbox. {EVENT_AUDIENCES} 409 "
    "when nobody is in the audience, or for a past edition; 429 beyond 10 announcements (by default) per "
    "hour and account.",
    responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
)
async def event_send(
    db: AsyncSession,
    me: Account,
    event_slug: str,
    data: EventAnnouncementIn,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> AnnouncementOut:
    scope = await services.event_scope(db, me, event_slug)
    sent = await services.send(db, me, scope, data, clock=clock, settings=settings, limiter=limiter)
    return announcement_out(sent)


@get(
    "/events/{event_slug:str}/announcements",
    tags=["announcements"],
    summary="The announcements sent to an edition's hosts or participants, newest first (organizers)",
    responses=problems(400, 401, 403, 404),
)
async def event_index(db: AsyncSession, me: Account, event_slug: str) -> list[AnnouncementOut]:
    scope = await services.event_scope(db, me, event_slug)
    return [announcement_out(s) for s in await services.history(db, scope)]


handlers = [
    challenge_index,
    challenge_preview,
    challenge_send,
    event_index,
    event_preview,
    event_send,
]
