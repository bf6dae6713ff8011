from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts import auth
from digieduhack.accounts.auth import PUBLIC
from digieduhack.accounts.pages import Form
from digieduhack.challenges import services
from digieduhack.challenges.schemas import MAX_AGENDA, CatalogQuery, ChallengeCancelIn, ChallengeIn
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors
from digieduhack.events.services import (
    current_event,
    find_event,
    is_past,
    list_events,
    open_edition,
    require_open_edition,
)
from digieduhack.models import Account, Challenge, ChallengeStatus, Event, Host, RegistrationStatus
from digieduhack.questions.answers import questions_of
from digieduhack.registrations.codes import checkin_token
from digieduhack.registrations.services import my_registration_for, waitlist_position
from digieduhack.settings import Settings
from digieduhack.teams.services import team_of
from digieduhack.timezones import babel_locale, language_name, zone_names, zones_of_country
from digieduhack.web import (
    AUDIENCE_LABELS,
    HOST_KIND_LABELS,
    N_,
    compact_rows,
    form_rows,
    parse_form,
    redirect,
    render,
)

SORT_LABELS = {"start": N_("Start time"), "title": N_("Title"), "newest": N_("Newest")}
FILTER_LABELS = {
    "event": N_("Edition"),
    "q": N_("Search"),
    "country": N_("Country"),
    "language": N_("Language"),
    "format": N_("Format"),
    "host_kind": N_("Host"),
    "theme": N_("Theme"),
    "audience": N_("Who can join"),
    "free": N_("Places"),
    "sort": N_("Sort by"),
    "page": N_("Page"),
    "per_page": N_("Per page"),
}


def country_name(code: str) -> str:
    """'BE' -> 'Belgium'; the code itself when unknown."""
    name: str = babel_locale("en").territories.get(code.upper(), code)
    return name


@get(["/", "/challenges"], opt=PUBLIC, include_in_schema=False)
async def catalog_page(
    request: Request[Any, Any, Any], db: AsyncSession, clock: Clock, viewer_zone: str | None
) -> Response[Any]:
    """The catalog with the API's filters; a bad parameter is left out and named (status 400)."""
    # the same query parameters as the API, documented there (challenges/api.py challenges_index)
    query, errors = CatalogQuery.parse(request.query_params)
    events = await list_events(db)  # the edition picker's, and where the view's edition is found
    ev = find_event(events, query.event, clock.now())
    # the cards show labels, not agendas
    result = await services.catalog(db, ev, query, request.app.state.settings.page_size, agenda=False)
    facets = await services.catalog_facets(db, ev)
    context = {
        "event": ev,
        "result": result,
        "events": events,
        "query": query,
        "errors": errors,
        "labels": FILTER_LABELS,
        "country_name": country_name,
        "countries": sorted(((c, country_name(c)) for c in facets.countries), key=lambda c: c[1]),
        "languages": sorted(((code, language_name(code)) for code in facets.languages), key=lambda c: c[1]),
        "host_kinds": HOST_KIND_LABELS,
        "audience_labels": AUDIENCE_LABELS,
        "sorts": SORT_LABELS,
        "now": clock.now(),
        "viewer_zone": viewer_zone,
        "max_in_one_view": services.MAX_IN_ONE_VIEW,
    }
    return render(request, "challenges/catalog.html", context, status_code=400 if errors else 200)


@get("/challenges/{slug:str}", opt=PUBLIC, include_in_schema=False)
async def challenge_page(
    request: Request[Any, Any, Any], db: AsyncSession, viewer: Account | None, slug: str, clock: Clock
) -> Response[Any]:
    challenge = await services.get_challenge(db, slug, viewer)
    return await show_challenge(request, db, viewer, challenge, clock)


async def show_challenge(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    viewer: Account | None,
    challenge: Challenge,
    clock: Clock,
    cancel_form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """The challenge page; after a refused cancellation or join, with what was typed and the errors kept."""
    registration = await my_registration_for(db, viewer, challenge)
    position = await waitlist_position(db, registration) if registration else None
    archived = is_past(challenge.event, clock.now())  # a read-only archive: no edit or join buttons
    confirmed = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    may_join = viewer is not None and registration is None and challenge.status == ChallengeStatus.PUBLISHED
    # the join form asks the host's questions
    questions = await questions_of(db, challenge.id) if may_join and not archived else []
    team = await team_of(db, challenge.id, viewer.id) if confirmed and viewer else None
    return render(
        request,
        "challenges/show.html",
        {
            "challenge": challenge,
            "registration": registration,
            "position": position,
            "questions": questions,
            "team": team,
            "archived": archived,
            "can_edit": services.is_member(viewer, challenge.host_id) and not archived,
            "can_export": services.is_member(viewer, challenge.host_id)
            or bool(viewer and viewer.is_organizer),
            "values": cancel_form or {},
            "errors": errors or {},
            "show_meeting": services.may_see_meeting(viewer, challenge, confirmed),
            # the confirmed participant's personal check-in code (its QR code is shown at the door)
            "checkin_token": checkin_token(request.app.state.settings, registration)
            if confirmed and registration
            else None,
            "audience_labels": AUDIENCE_LABELS,
            "now": clock.now(),
            "viewer_zone": auth.viewer_zone(request),
        },
        status_code=status_code,
    )


@get("/host", include_in_schema=False)
async def host_dashboard(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, clock: Clock
) -> Response[Any]:
    current = await current_event(db, clock)
    challenges = await services.host_challenges(db, me)
    # past editions are read-only archives: no edit link for their challenges
    archived = {c.id for c in challenges if is_past(c.event, clock.now())}
    context = {"challenges": challenges, "current": current, "archived": archived}
    return render(request, "challenges/host.html", context)


EMPTY_AGENDA_ROWS = 3


def _form_context(
    event: Event, values: dict[str, Any], errors: dict[str, str], **extra: Any
) -> dict[str, Any]:
    filled = len(form_rows(values, "agenda"))
    return {
        "event": event,
        "values": values,
        "errors": errors,
        "zones": [(z, z) for z in sorted(zone_names())],
        "audience_labels": AUDIENCE_LABELS,
        "theme_options": [(t, t) for t in event.themes],
        "agenda_rows": range(min(filled + EMPTY_AGENDA_ROWS, MAX_AGENDA)),
        **extra,
    }


def _text(value: Any) -> str:
    """A value as a form field shows it (a datetime-local input: minutes, no zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return str(value.value if isinstance(value, Enum) else value)


def form_values(data: ChallengeIn) -> dict[str, Any]:
    """The fields of the challenge form for `data` (an existing challenge, or a copy of one)."""
    values: dict[str, Any] = {}
    for name, value in msgspec.structs.asdict(data).items():
        if name == "agenda":
            for n, item in enumerate(value):
                values[f"agenda[{n}].at_local"] = _text(item.at_local)
                values[f"agenda[{n}].title"] = item.title
        elif name == "tags":
            values[name] = ", ".join(value)
        elif isinstance(value, list):
            values[name] = [_text(v) for v in value]
        else:
            values[name] = _text(value)
    return values


def _own_host(me: Account, host: Host) -> None:
    if not services.is_member(me, host.id):
        raise PermissionDeniedException("Only members of this host can create its challenges.")


@get("/hosts/{host_slug:str}/challenges/new", include_in_schema=False)
async def new_challenge_form(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    host_slug: str,
    clock: Clock,
    copy_from: Annotated[str | None, Parameter(max_length=90)] = None,
) -> Response[Any]:
    """The empty form; with ?copy_from=<slug>, prefilled with a copy of the host's challenge of an
    earlier edition (services.copy_input), saved only when the host submits it."""
    host = await services.get_host(db, host_slug)
    _own_host(me, host)
    event = await open_edition(db, clock)
    if copy_from:
        source = await services.get_own_challenge(db, me, copy_from)
        values = form_values(services.copy_input(me, source, host, event))
        ctx = _form_context(event, values, {}, host=host, challenge=None, source=source)
        return render(request, "challenges/form.html", ctx)
    zones = zones_of_country(host.country)
    # prefer the zone named after the host's city (Recife: America/Recife), else the country's first
    zones.sort(key=lambda z: z.rsplit("/", 1)[-1] != (host.city or "").replace(" ", "_"))
    first, last = event.starts_on, event.ends_on
    values = {
        "format": "online",
        "language": "en",
        "timezone": zones[0] if zones else "UTC",
        "starts_at_local": f"{first.isoformat()}T09:00",
        "ends_at_local": f"{last.isoformat()}T17:00",
        "country": host.country,
        "city": host.city or "",
    }
    return render(
        request, "challenges/form.html", _form_context(event, values, {}, host=host, challenge=None)
    )


@post("/hosts/{host_slug:str}/challenges/new", include_in_schema=False)
async def new_challenge_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, host_slug: str, data: Form, clock: Clock
) -> Response[Any]:
    host = await services.get_host(db, host_slug)
    _own_host(me, host)
    event = await open_edition(db, clock)
    data = compact_rows(data, "agenda")
    try:
        challenge = await services.create_challenge(db, me, host, event, parse_form(ChallengeIn, data), clock)
    except FieldErrors as exc:
        return render(
            request,
            "challenges/form.html",
            _form_context(event, data, exc.errors, host=host, challenge=None),
            status_code=422,
        )
    return redirect(f"/challenges/{challenge.slug}", "challenge_created")


@get("/challenges/{slug:str}/edit", include_in_schema=False)
async def edit_challenge_form(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, clock: Clock
) -> Response[Any]:
    challenge = await services.get_own_challenge(db, me, slug)
    require_open_edition(challenge.event, clock)
    values = form_values(services.as_input(challenge))
    ctx = _form_context(challenge.event, values, {}, host=challenge.host, challenge=challenge)
    return render(request, "challenges/form.html", ctx)


@post("/challenges/{slug:str}/edit", include_in_schema=False)
async def edit_challenge_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    challenge = await services.get_own_challenge(db, me, slug)
    data = compact_rows(data, "agenda")
    try:
        await services.update_challenge(db, me, challenge, parse_form(ChallengeIn, data), clock, settings)
    except FieldErrors as exc:  # raised before anything was changed
        ctx = _form_context(challenge.event, data, exc.errors, host=challenge.host, challenge=challenge)
        return render(request, "challenges/form.html", ctx, status_code=422)
    return redirect(f"/challenges/{challenge.slug}", "challenge_saved")


@post("/challenges/{slug:str}/publish", include_in_schema=False)
async def publish_challenge_submit(db: AsyncSession, me: Account, slug: str, clock: Clock) -> Response[Any]:
    challenge = await services.get_own_challenge(db, me, slug)
    await services.publish_challenge(db, me, challenge, clock)
    return redirect(f"/challenges/{challenge.slug}", "challenge_published")


@post("/challenges/{slug:str}/close", include_in_schema=False)
async def close_challenge_submit(db: AsyncSession, me: Account, slug: str, clock: Clock) -> Response[Any]:
    challenge = await services.get_own_challenge(db, me, slug)
    await services.close_challenge(db, me, challenge, clock)
    return redirect(f"/challenges/{challenge.slug}", "challenge_closed")


# /challenges/{slug}/cancel is a participant cancelling their registration (registrations/pages.py)
@post("/challenges/{slug:str}/cancel-challenge", include_in_schema=False)
async def cancel_challenge_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    data: Form,
    clock: Clock,
    settings: Settings,
) -> Response[Any]:
    challenge = await services.get_own_challenge(db, me, slug)
    try:
        await services.cancel_challenge(
            db, me, challenge, parse_form(ChallengeCancelIn, data), clock, settings
        )
    except FieldErrors as exc:  # raised before anything was changed
        return await show_challenge(request, db, me, challenge, clock, data, exc.errors, status_code=422)
    return redirect(f"/challenges/{challenge.slug}", "challenge_cancelled")


handlers = [
    catalog_page,
    challenge_page,
    host_dashboard,
    new_challenge_form,
    new_challenge_submit,
    edit_challenge_form,
    edit_challenge_submit,
    publish_challenge_submit,
    close_challenge_submit,
    cancel_challenge_submit,
]
