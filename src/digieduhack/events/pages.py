"""Edition pages: the list of editions (public) and the organizers' form to set one up or change it."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.accounts.pages import Form
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors
from digieduhack.events import services
from digieduhack.events.schemas import EventIn
from digieduhack.models import Account, Event
from digieduhack.timezones import input_value
from digieduhack.web import parse_form, redirect, render

# the registration window is typed in UTC on the page (labelled so): datetime-local sends no zone
UTC_FIELDS = ("registration_opens_at", "registration_closes_at")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _as_utc(value: Any) -> Any:
    """'2027-11-10T12:00' (a datetime-local value) -> '2027-11-10T12:00:00Z'; anything else unchanged."""
    if isinstance(value, str) and _LOCAL.match(value.strip()):
        value = value.strip()
        return f"{value}:00Z" if len(value) == 16 else f"{value}Z"
    return value


def parse_event_form(form: dict[str, Any]) -> EventIn:
    """The form as EventIn: the window's times read as UTC, the themes one a line (a textarea)."""
    fields = {k: _as_utc(v) if k in UTC_FIELDS else v for k, v in form.items() if k != "themes"}
    raw = form.get("themes") or ""
    text = "\n".join(map(str, raw)) if isinstance(raw, list) else str(raw)
    themes = [line.strip() for line in text.splitlines() if line.strip()]
    return msgspec.structs.replace(parse_form(EventIn, fields), themes=themes)


def _values(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "name": event.name,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        **{k: input_value(v, "UTC") if (v := getattr(event, k)) else "" for k in UTC_FIELDS},
        "themes": "\n".join(event.themes or []),
    }


def _form(
    request: Request[Any, Any, Any],
    event: Event | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> Response[Any]:
    context = {"event": event, "values": values, "errors": errors or {}}
    return render(request, "events/form.html", context, status_code=422 if errors else 200)


@get("/events", opt=PUBLIC, include_in_schema=False)
async def events_page(request: Request[Any, Any, Any], db: AsyncSession, clock: Clock) -> Response[Any]:
    events = await services.list_events(db)
    now = clock.now()
    context = {
        "events": events,
        "current": services.pick_current(events, now),
        "past": {e.id for e in events if services.is_past(e, now)},
    }
    return render(request, "events/index.html", context)


@get("/events/new", guards=[organizer_only], include_in_schema=False)
async def new_event_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return _form(request, None, {})


@post("/events/new", guards=[organizer_only], include_in_schema=False)
async def new_event_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form, clock: Clock
) -> Response[Any]:
    try:
        await services.create_event(db, me, parse_event_form(data), clock)
    except FieldErrors as exc:  # raised before anything was written
        return _form(request, None, data, exc.errors)
    return redirect("/events", "event_created")


@get("/events/{event_slug:str}/edit", guards=[organizer_only], include_in_schema=False)
async def edit_event_form(
    request: Request[Any, Any, Any], db: AsyncSession, event_slug: str, clock: Clock
) -> Response[Any]:
    event = await services.get_event(db, event_slug)
    services.require_editable(event, clock)
    return _form(request, event, _values(event))


@post("/events/{event_slug:str}/edit", guards=[organizer_only], include_in_schema=False)
async def edit_event_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, event_slug: str, data: Form, clock: Clock
) -> Response[Any]:
    event = await services.get_event(db, event_slug)
    try:
        await services.update_event(db, me, event, parse_event_form(data), clock)
    except FieldErrors as exc:  # raised before anything was changed
        return _form(request, event, data, exc.errors)
    return redirect("/events", "event_saved")


handlers = [events_page, new_event_form, new_event_submit, edit_event_form, edit_event_submit]
