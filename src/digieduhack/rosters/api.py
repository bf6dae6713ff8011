"""Roster downloads in three formats and three scopes, for the API and the pages alike (the same handlers are
mounted under both routers): `/events/{event}/roster.csv`, `/hosts/{host}/roster.xlsx?event=...`,
`/challenges/{slug}/roster.json`, each with the same filters, columns and file options (RosterOptions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors, dispatch, humanize, problems
from digieduhack.events.services import current_event, get_event
from digieduhack.models import Account
from digieduhack.rosters import services
from digieduhack.rosters.schemas import (
    Column,
    Delimiter,
    FileType,
    Purpose,
    RosterOptions,
    RosterRowOut,
    RosterStatus,
    Sheets,
)

MEDIA_TYPES = {
    FileType.CSV: "text/csv",  # Litestar adds "; charset=utf-8" to text/* types
    FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileType.JSON: "application/json",
}
JSON_ROWS = {
    FileType.JSON: {
        200: ResponseSpec(
            list[RosterRowOut],
            description="The registrations: `registration_id` and the chosen columns",
            generate_examples=False,
        )
    }
}
OPTIONS_DOC = (
    "Filters: `status` (repeatable; default confirmed and waitlisted; checked_in: confirmed, checked in), "
    "`country` (the participant's), `format` and `language` (the challenge's). Columns: `columns` "
    "(repeatable; default name, email, team, status, answers; country, occupation, coder and language are "
    "personal details given only when chosen), or a `purpose` whose preset chooses columns and statuses "
    "(venue_access, certificates, host_contact). CSV: `delimiter`, `bom`. XLSX: `sheets`. Every export is "
    "recorded in the audit trail with its filters, columns, purpose and row count. An unknown or invalid "
    "query parameter is a 400 whose `errors` name it. The status column reads confirmed, waitlisted, "
    "cancelled or checked_in (confirmed and checked in), the same in every format; JSON adds `checked_in`. "
    "CSV and XLSX cells starting with = + - @, a tab or a carriage return get a leading apostrophe."
)


OPTION_NAMES = frozenset(
    {"status", "country", "format", "language", "columns", "purpose", "delimiter", "bom", "sheets"}
)


class InvalidParameters(FieldErrors):
    """A query parameter of a download is unknown or invalid: 400, naming each one (API and pages alike)."""

    status_code = 400
    title = "Bad request"


def invalid_parameters(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's own check of the parameters' types, named parameter by parameter like ours, rendered by the
    router's handlers (problem details under /api/v1, the error page else)."""
    found: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        field, message = humanize(str(item.get("message", "")))
        found[str(item.get("key") or field or "__all__")] = message
    return dispatch(request, InvalidParameters(found or {"__all__": str(exc.detail)}))


async def roster_options(
    request: Request[Any, Any, Any],
    status: Annotated[list[RosterStatus] | None, Parameter(description="statuses to include")] = None,
    country: Annotated[str | None, Parameter(max_length=2, description="ISO 3166-1 alpha-2")] = None,
    format: Annotated[str | None, Parameter(max_length=20, description="online, in_person or hybrid")] = None,
    language: Annotated[str | None, Parameter(max_length=35, description="BCP 47")] = None,
    columns: Annotated[list[Column] | None, Parameter(description="columns, in order")] = None,
    purpose: Purpose = Purpose.CUSTOM,
    delimiter: Delimiter = Delimiter.COMMA,
    bom: bool = False,
    sheets: Sheets = Sheets.PER_CHALLENGE,
) -> RosterOptions:
    allowed = OPTION_NAMES | set(request.route_handler.opt.get("query", ()))
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidParameters(dict.fromkeys(unknown, "Unknown parameter."))
    raw: dict[str, Any] = {"status": status or [], "country": (country or "").upper() or None}
    raw["format"] = format or None
    raw["language"] = language or None
    raw |= {
        "columns": columns or [],
        "purpose": purpose,
        "delimiter": delimiter,
        "bom": bom,
        "sheets": sheets,
    }
    try:
        return msgspec.convert(raw, RosterOptions)
    except msgspec.ValidationError as exc:
        name, message = humanize(str(exc))
        raise InvalidParameters({name or "__all__": message}) from exc


def download(request: Request[Any, Any, Any], export: services.Export) -> Stream:
    return Stream(
        services.stream(export, request.app.state.sessionmaker),
        media_type=MEDIA_TYPES[export.file_type],
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


def _route(
    file_type: FileType, path: str, who: str, scope: str, query: tuple[str, ...] = ()
) -> Callable[[Any], HTTPRouteHandler]:
    """A download route; `query`: its own query parameters beside the options."""
    return get(
        path.replace("{ext}", file_type.value),
        name=f"roster-{scope}-{file_type.value}",
        tags=["rosters"],
        summary=f"Roster of {who} as {file_type.value.upper()}",
        description=OPTIONS_DOC,
        media_type=MEDIA_TYPES[file_type],
        dependencies={"options": Provide(roster_options)},
        opt={"writes": True, "query": query},
        exception_handlers={ValidationException: invalid_parameters},
        responses=problems(400, 401, 403, 404) | JSON_ROWS.get(file_type, {}),
    )


def handlers_for(file_type: FileType) -> list[HTTPRouteHandler]:
    @_route(file_type, "/events/{event_slug:str}/roster.{ext}", "a whole event (organizers)", "event")
    async def event_roster(
        request: Request[Any, Any, Any],
        db: AsyncSession,
        me: Account,
        event_slug: str,
        options: RosterOptions,
        clock: Clock,
    ) -> Stream:
        scope = await services.event_scope(me, await get_event(db, event_slug))
        return download(request, await services.prepare(db, me, scope, options, file_type, clock))

    @_route(
        file_type,
        "/hosts/{host_slug:str}/roster.{ext}",
        "one host's challenges of an edition (organizers, its members); `event`: the current one by default",
        "host",
        query=("event",),
    )
    async def host_roster(
        request: Request[Any, Any, Any],
        db: AsyncSession,
        me: Account,
        host_slug: str,
        options: RosterOptions,
        clock: Clock,
        event: Annotated[str | None, Parameter(max_length=40, description="the edition's slug")] = None,
    ) -> Stream:
        edition = await get_event(db, event) if event else await current_event(db, clock)
        scope = await services.host_scope(db, me, host_slug, edition)
        return download(request, await services.prepare(db, me, scope, options, file_type, clock))

    @_route(
        file_type,
        "/challenges/{slug:str}/roster.{ext}",
        "one challenge (organizers, members of its host), a column per question",
        "challenge",
    )
    async def challenge_roster(
        request: Request[Any, Any, Any],
        db: AsyncSession,
        me: Account,
        slug: str,
        options: RosterOptions,
        clock: Clock,
    ) -> Stream:
        scope = await services.challenge_scope(db, me, slug)
        return download(request, await services.prepare(db, me, scope, options, file_type, clock))

    return [event_roster, host_roster, challenge_roster]


handlers = [handler for file_type in FileType for handler in handlers_for(file_type)]
