from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts import services
from digieduhack.accounts.api import client_of
from digieduhack.accounts.auth import PUBLIC, browser_zone, session_cookie
from digieduhack.accounts.schemas import LoginIn, SignupIn, TimezoneIn
from digieduhack.clock import Clock
from digieduhack.errors import DomainError, FieldErrors
from digieduhack.models import Account
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import Settings
from digieduhack.timezones import zone_names
from digieduhack.web import parse_form, redirect, render, safe_next

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/signup", opt=PUBLIC, name="signup", include_in_schema=False)
async def signup_form(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    return render(request, "accounts/signup.html", {"values": {}, "errors": {}, "next": safe_next(next)})


@post("/signup", opt=PUBLIC, include_in_schema=False)
async def signup_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: Form,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    target = safe_next(data.get("next"))
    try:
        account = await services.signup(
            db,
            parse_form(SignupIn, data),
            passwords=passwords,
            limiter=limiter,
            settings=settings,
            clock=clock,
            client=client_of(request),
        )
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, FieldErrors) else {"__all__": exc.detail}
        values = {k: v for k, v in data.items() if k != "password"}
        return render(
            request,
            "accounts/signup.html",
            {"values": values, "errors": errors, "next": target},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    response = redirect(target, "signed_up")
    response.set_cookie(session_cookie(settings, token))
    return response


@get("/login", opt=PUBLIC, name="login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    return render(request, "accounts/login.html", {"values": {}, "errors": {}, "next": safe_next(next)})


@post("/login", opt=PUBLIC, include_in_schema=False)
async def login_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: Form,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    target = safe_next(data.get("next"))
    try:
        account = await services.authenticate(
            db,
            parse_form(LoginIn, data),
            passwords=passwords,
            limiter=limiter,
            settings=settings,
            client=client_of(request),
        )
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, FieldErrors) else {"__all__": exc.detail}
        return render(
            request,
            "accounts/login.html",
            {"values": {"email": data.get("email", "")}, "errors": errors, "next": target},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    response = redirect(target, "logged_in")
    response.set_cookie(session_cookie(settings, token))
    return response


@post("/logout", include_in_schema=False)
async def logout_submit(
    request: Request[Any, Any, Any], db: AsyncSession, settings: Settings
) -> Response[Any]:
    if request.auth:
        await services.end_session(db, request.auth)
    response = redirect("/", "logged_out")
    response.set_cookie(session_cookie(settings, None))
    return response


def _timezone_page(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response[Any]:
    context = {
        "values": values,
        "errors": errors,
        "browser_zone": browser_zone(request),
        "zones": [(z, z) for z in sorted(zone_names())],
    }
    return render(request, "accounts/timezone.html", context, status_code=status_code)


@get("/me/timezone", include_in_schema=False)
async def timezone_form(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return _timezone_page(request, {"timezone": me.timezone or ""}, {})


@post("/me/timezone", include_in_schema=False)
async def timezone_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form
) -> Response[Any]:
    try:
        await services.set_timezone(db, me, parse_form(TimezoneIn, data))
    except FieldErrors as exc:
        return _timezone_page(request, data, exc.errors, status_code=422)
    return redirect("/me/timezone", "timezone_saved")


handlers = [
    signup_form,
    signup_submit,
    login_form,
    login_submit,
    logout_submit,
    timezone_form,
    timezone_submit,
]
