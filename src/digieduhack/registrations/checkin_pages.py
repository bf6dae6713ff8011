"""Check-in pages, made for a phone: the challenge's check-in list with a live search and one big button
per person (htmx swaps the row and the count in place; without JavaScript the forms post and come back),
and the page a host member's phone camera opens from a participant's QR code."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.accounts.pages import Form
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, NotFound
from digieduhack.hosts.api import Token
from digieduhack.models import Account, Registration
from digieduhack.registrations import checkin, codes
from digieduhack.registrations.api import RegistrationId
from digieduhack.settings import Settings
from digieduhack.web import redirect, render

Query = Annotated[str | None, Parameter(max_length=200, description="Part of a name or e-mail address")]


def _htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _back(slug: str, q: str | None) -> str:
    return f"/challenges/{slug}/checkin" + (f"?{urlencode({'q': q})}" if q else "")


@get("/challenges/{slug:str}/checkin", include_in_schema=False)
async def checkin_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, clock: Clock, q: Query = None
) -> Response[Any]:
    """The list (an htmx search gets the results block only: registrations/_checkin.html)."""
    found = await checkin.search(db, me, slug, q, clock=clock)
    ctx = {"found": found, "challenge": found.challenge, "q": q or "", "limit": checkin.SEARCH_LIMIT}
    return render(request, "registrations/checkin.html", ctx)


async def _tap(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: int,
    data: dict[str, Any],
    clock: Clock,
    *,
    present: bool,
) -> Response[Any]:
    change = checkin.check_in if present else checkin.undo
    q = str(data.get("q") or "")[:200]
    if not _htmx(request):  # a plain form: errors go to the error page, success back to the list
        await change(db, me, slug, registration_id, clock=clock)
        return redirect(_back(slug, q))
    # htmx swaps the row in place, with the refusal in it (htmx swaps no 4xx answer)
    error = None
    try:
        reg = await change(db, me, slug, registration_id, clock=clock)
    except Conflict as exc:
        error = exc.detail
        challenge = await checkin.checkin_challenge(db, me, slug)
        reg = await checkin.registration_of(db, challenge, registration_id)
    confirmed, checked_in = await checkin.counts(db, reg.challenge.id)
    ctx = {
        "r": reg,
        "challenge": reg.challenge,
        "q": q,
        "error": error,
        "confirmed": confirmed,
        "checked_in": checked_in,
        "closed": checkin.window_closed(reg.challenge, clock.now()),
        "oob": True,
    }
    return render(request, "registrations/_checkin_row.html", ctx)


@post("/challenges/{slug:str}/checkin/{registration_id:int}", include_in_schema=False)
async def checkin_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    data: Form,
    clock: Clock,
) -> Response[Any]:
    return await _tap(request, db, me, slug, registration_id, data, clock, present=True)


@post("/challenges/{slug:str}/checkin/{registration_id:int}/undo", include_in_schema=False)
async def checkin_undo_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    registration_id: RegistrationId,
    data: Form,
    clock: Clock,
) -> Response[Any]:
    return await _tap(request, db, me, slug, registration_id, data, clock, present=False)


# --- the personal code ----------------------------------------------------------------------------------
def _code_context(reg: Registration, me: Account, token: str, clock: Clock) -> dict[str, Any]:
    return {
        "reg": reg,
        "challenge": reg.challenge,
        "token": token,
        "host_view": checkin.may_check_in(me, reg.challenge),
        "closed": checkin.window_closed(reg.challenge, clock.now()),
    }


@get("/checkin/{token:str}", include_in_schema=False)
async def code_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    token: Token,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    """What the QR code opens. A host member (or organizer): the person and a one-tap Check in button; the
    participant themself: their code and whether they are checked in; anyone else: not found. Anonymous
    visitors are sent to log in first (then come back here)."""
    reg = await checkin.registration_by_code(db, settings, token)
    if not checkin.may_check_in(me, reg.challenge) and me.id != reg.account_id:
        raise NotFound("This check-in code is not valid.")
    return render(request, "registrations/code.html", _code_context(reg, me, token, clock))


@post("/checkin/{token:str}", include_in_schema=False)
async def code_submit(
    db: AsyncSession, me: Account, token: Token, data: Form, settings: Settings, clock: Clock
) -> Response[Any]:
    """Check in (or, with `undo`, take it back) the person of the code, then show the code's page again."""
    reg = await checkin.registration_by_code(db, settings, token)
    change = checkin.undo if data.get("undo") else checkin.check_in
    await change(db, me, reg.challenge.slug, reg.id, clock=clock)
    return redirect(f"/checkin/{token}")


@get("/checkin/{token:str}/qr.svg", opt=PUBLIC, include_in_schema=False)
async def code_qr(db: AsyncSession, token: Token, settings: Settings) -> Response[bytes]:
    """The QR code (SVG) of the code's link: public, so that an e-mail can show it as an image; the signed
    token is what makes it, and a made-up or altered one is not found."""
    reg = await checkin.registration_by_code(db, settings, token)
    svg = codes.qr_svg(codes.checkin_url(settings, reg))
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "private, max-age=86400"})


handlers = [checkin_page, checkin_submit, checkin_undo_submit, code_page, code_submit, code_qr]
