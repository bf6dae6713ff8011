from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from litestar.utils.scope.state import ScopeState
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts import services
from digieduhack.accounts.auth import PUBLIC, session_cookie
from digieduhack.accounts.schemas import AccountOut, CsrfOut, LoginIn, SignupIn
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.models import Account
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import Settings


def client_of(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get("/auth/csrf", opt=PUBLIC, tags=["accounts"], summary="Get a CSRF token (send it back as X-CSRFToken)")
async def csrf(request: Request[Any, Any, Any]) -> CsrfOut:
    token = ScopeState.from_scope(request.scope).csrf_token
    return CsrfOut(csrf_token=token if isinstance(token, str) else "")


@post(
    "/auth/signup",
    opt=PUBLIC,
    tags=["accounts"],
    status_code=HTTP_201_CREATED,
    summary="Create an account and log in",
    responses=problems(400, 403, 409, 415, 422, 429),
)
async def signup(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: SignupIn,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[AccountOut]:
    account = await services.signup(
        db,
        data,
        passwords=passwords,
        limiter=limiter,
        settings=settings,
        clock=clock,
        client=client_of(request),
    )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    return Response(
        AccountOut.from_model(account), status_code=201, cookies=[session_cookie(settings, token)]
    )


@post(
    "/auth/login",
    opt=PUBLIC,
    tags=["accounts"],
    status_code=200,
    summary="Log in (starts a new session)",
    responses=problems(400, 401, 403, 415, 429),
)
async def login(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: LoginIn,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[AccountOut]:
    account = await services.authenticate(
        db, data, passwords=passwords, limiter=limiter, settings=settings, client=client_of(request)
    )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    return Response(AccountOut.from_model(account), cookies=[session_cookie(settings, token)])


@post(
    "/auth/logout",
    tags=["accounts"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Log out (ends the session)",
    responses=problems(401, 403) | {204: ResponseSpec(None, description="Logged out")},
)
async def logout(request: Request[Any, Any, Any], db: AsyncSession, settings: Settings) -> Response[None]:
    if request.auth:
        await services.end_session(db, request.auth)
    return Response(None, status_code=204, cookies=[session_cookie(settings, None)])


@get("/me", tags=["accounts"], summary="The logged-in account", responses=problems(401))
async def me_(me: Account) -> AccountOut:
    return AccountOut.from_model(me)


handlers = [csrf, signup, login, logout, me_]
