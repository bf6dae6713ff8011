"""Domain errors, raised by services, and their two renderings: problem details (API) and pages."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.response import Redirect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError

log = logging.getLogger("digieduhack")
BUSY = "The service is busy right now and nothing was saved. Please try again in a few seconds."


class DomainError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class Forbidden(DomainError):
    status_code = 403
    title = "Forbidden"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"


class Gone(DomainError):
    status_code = 410
    title = "Gone"


class RateLimited(DomainError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many attempts. Try again in {retry_after} seconds.", {"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


class FieldErrors(DomainError):
    """One or more fields are invalid; `errors` maps a field name to its message."""

    status_code = 422
    title = "Invalid input"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def field_error(field: str, message: str) -> FieldErrors:
    return FieldErrors({field: message})


# --- msgspec messages, made readable once for forms and API alike -------------------------------
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Expected `(?:array|object)` of length >= (\d+)"), "Give at least {0} items."),
    (re.compile(r"Expected `(?:array|object)` of length <= (\d+)"), "Give at most {0} items."),
    (
        re.compile(r"Expected `str` of length >= (\d+)"),
        "Must be at least {0} characters long.",
    ),
    (
        re.compile(r"Expected `str` of length <= (\d+)"),
        "Must be at most {0} characters long.",
    ),
    (re.compile(r"Expected `(?:int|float)` >= (-?\d+)"), "Must be {0} or more."),
    (re.compile(r"Expected `(?:int|float)` <= (-?\d+)"), "Must be {0} or less."),
    (re.compile(r"Invalid enum value '?(.*?)'?$"), "'{0}' is not one of the allowed choices."),
    (re.compile(r"Object missing required field `(\w+)`"), "This field is required."),
    (re.compile(r"Object contains unknown field `(\w+)`"), "Unknown field."),
    # the Email type's pattern (accounts.schemas): name@domain.tld
    (re.compile(r"Expected `str` matching regex '\^\[\^@"), "Enter an email address, like ada@example.org."),
    (re.compile(r"Expected `str` matching regex"), "Contains characters that are not allowed."),
    (
        re.compile(r"Invalid RFC3339 encoded datetime"),
        "Enter a date and time as YYYY-MM-DDTHH:MM:SS.",
    ),
    (
        re.compile(r"Expected `datetime` with a timezone"),
        "Give the time zone too, e.g. 2027-11-10T12:00:00Z for 12:00 UTC.",
    ),
    (
        re.compile(r"Expected `datetime`"),
        "Enter a date and time as YYYY-MM-DDTHH:MM:SS.",
    ),
    (re.compile(r"Expected `int`"), "Enter a whole number."),
    (re.compile(r"Expected `bool`"), "Enter true or false."),
    (re.compile(r"Expected `str`"), "Enter text."),
]
_PATH = re.compile(r" - at `\$\.?([\w.\[\]]*)`$")
_MISSING = re.compile(r"Object (?:missing required|contains unknown) field `(\w+)`")


def humanize(message: str) -> tuple[str, str]:
    """Turn a msgspec validation message into (field, readable message)."""
    field = ""
    if m := _PATH.search(message):
        field = m.group(1)
        message = message[: m.start()]
    if m := _MISSING.search(message):
        field = f"{field}.{m.group(1)}" if field else m.group(1)
    for pattern, text in _PATTERNS:
        if m := pattern.search(message):
            return field, text.format(*m.groups())
    return field, message


# --- API: RFC 9457 problem details ----------------------------------------------------------------
def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers)


def api_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    errors = None
    if isinstance(exc, FieldErrors):
        errors = [{"field": k, "message": v} for k, v in exc.errors.items()]
    return problem(exc.status_code, exc.title, exc.detail, errors, exc.headers)


HTTP_TITLES = {
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


def api_http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    errors: list[dict[str, str]] | None = None
    detail = exc.detail
    if isinstance(exc, ValidationException):
        errors = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            raw = str(item.get("message", ""))
            field, message = humanize(raw)
            key = str(item.get("key") or "")
            # Litestar names the whole body "data" for unknown or missing fields; the message names the field
            if field and key in ("", "data"):
                key = field
            elif field and _MISSING.search(raw):  # missing in a list item: agenda[0] -> agenda[0].at_local
                key = f"{key}.{field}"
            errors.append({"field": key, "message": message})
        if errors:
            detail = "; ".join(
                f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
            )
    title = HTTP_TITLES.get(exc.status_code, "Bad request" if exc.status_code < 500 else "Server error")
    return problem(exc.status_code, title, detail, errors, dict(exc.headers or {}))


def api_integrity_error(_: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    log.warning("integrity error answered as 409: %s", exc.orig)
    return problem(409, "Conflict", "The change conflicts with the current state; reload and try again.")


def api_busy(_: Request[Any, Any, Any], exc: SATimeoutError) -> Response[dict[str, Any]]:
    log.warning("database pool exhausted: %s", exc)
    return problem(503, "Busy", BUSY, headers={"Retry-After": "5"})


def api_server_error(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "Server error", "Something went wrong on our side. The change was not saved.")


API_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: api_domain_error,
    HTTPException: api_http_error,
    IntegrityError: api_integrity_error,
    SATimeoutError: api_busy,
    Exception: api_server_error,
}


# --- pages: an error page, or the log-in page for the anonymous -----------------------------------
def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    from digieduhack.web import render

    return render(
        request, "error.html", {"title": title, "detail": detail}, status_code=status, headers=headers
    )


def page_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _error_page(request, exc.status_code, exc.title, exc.detail, exc.headers)


def page_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException):
        # after log-in, come back to this page (or, for a form post, to the page that held the form)
        from digieduhack.web import safe_next

        referer = urlsplit(request.headers.get("referer", "")).path
        target = request.url.path if request.method == "GET" else referer
        return Redirect(f"/login?next={quote(safe_next(target))}")
    title = {**HTTP_TITLES, 404: "Page not found"}.get(
        exc.status_code, "Bad request" if exc.status_code < 500 else "Server error"
    )
    return _error_page(request, exc.status_code, title, exc.detail, dict(exc.headers or {}))


def page_integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    log.warning("integrity error answered as 409: %s", exc.orig)
    return _error_page(
        request, 409, "Conflict", "This change conflicts with the current state. Reload and try again."
    )


def page_busy(request: Request[Any, Any, Any], exc: SATimeoutError) -> Response[Any]:
    log.warning("database pool exhausted: %s", exc)
    return _error_page(request, 503, "Busy", BUSY, {"Retry-After": "5"})


def page_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return _error_page(request, 500, "Server error", "Something went wrong on our side. Nothing was saved.")


PAGE_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: page_domain_error,
    HTTPException: page_http_error,
    IntegrityError: page_integrity_error,
    SATimeoutError: page_busy,
    Exception: page_server_error,
}


def dispatch(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """App-level fallback (unknown paths, errors before routing): problem details for the API, pages else."""
    handlers = API_HANDLERS if request.url.path.startswith(("/api/", "/schema")) else PAGE_HANDLERS
    for cls in type(exc).__mro__:
        if cls in handlers:
            response: Response[Any] = handlers[cls](request, exc)
            return response
    return api_server_error(request, exc)


APP_HANDLERS: dict[type[Exception] | int, Any] = {Exception: dispatch}


# --- the OpenAPI description of those problem details ---------------------------------------------
class FieldProblem(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details: the body of every API error (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, a parameter or field of the wrong type or size, a NUL character",
    401: "Not logged in (no valid session cookie), or wrong email or password",
    403: "Not allowed for this account, or the CSRF token is missing or wrong",
    404: "No such resource (or not visible to this account)",
    409: "Conflicts with the current state",
    410: "No longer available (expired or already used)",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "Well-formed but invalid input; `errors` names each field",
    429: "Too many attempts; see the Retry-After header",
}


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: the error statuses it can answer, each with a problem-details body."""
    return {
        code: ResponseSpec(
            Problem,
            description=_PROBLEM_DESCRIPTIONS[code],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for code in codes
    }
