from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post, put
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from litestar.utils.scope.state import ScopeState
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts import privacy, services, tokens
from digieduhack.accounts.auth import PUBLIC, session_cookie
from digieduhack.accounts.schemas import (
    AccountOut,
    CsrfOut,
    ExportOut,
    LoginIn,
    MessageOut,
    PasswordConfirmIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    ProfileIn,
    ProfileOut,
    SignupIn,
)
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


@post(
    "/me/verify-email",
    tags=["accounts"],
    status_code=HTTP_202_ACCEPTED,
    summary="Send a new link to verify my email address",
    responses=problems(401, 403, 409, 429),
)
async def verification_resend(
    db: AsyncSession, me: Account, limiter: RateLimiter, settings: Settings, clock: Clock
) -> MessageOut:
    detail = await services.resend_verification(db, me, limiter=limiter, settings=settings, clock=clock)
    return MessageOut(detail)


@post(
    "/auth/verify-email/{token:str}",
    opt=PUBLIC,
    tags=["accounts"],
    status_code=200,
    summary="Verify an email address with the link's token (single use, 48 hours)",
    responses=problems(403, 404, 410),
)
async def verify_email(db: AsyncSession, token: str, clock: Clock) -> MessageOut:
    await services.verify_email(db, token, clock=clock)
    return MessageOut("Your email address is verified: you can join challenges.")


@post(
    "/auth/password-reset",
    opt=PUBLIC,
    tags=["accounts"],
    status_code=HTTP_202_ACCEPTED,
    summary="Ask for a link to choose a new password (the same answer whether or not the email is known)",
    responses=problems(400, 403, 415, 429),
)
async def password_reset_request(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: PasswordResetRequestIn,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> MessageOut:
    detail = await services.request_password_reset(
        db, data, limiter=limiter, settings=settings, clock=clock, client=client_of(request)
    )
    return MessageOut(detail)


@post(
    "/auth/password-reset/{token:str}",
    opt=PUBLIC,
    tags=["accounts"],
    status_code=200,
    summary="Choose a new password with the link's token (single use, 1 hour); ends every session",
    responses=problems(400, 403, 404, 410, 415, 422),
)
async def password_reset(
    db: AsyncSession,
    token: str,
    data: PasswordResetIn,
    passwords: Passwords,
    settings: Settings,
    clock: Clock,
) -> Response[MessageOut]:
    await services.reset_password(db, token, data, passwords=passwords, clock=clock)
    return Response(
        MessageOut("Your password is changed and you are logged out everywhere: log in with the new one."),
        cookies=[session_cookie(settings, None)],
    )


@get("/me/profile", tags=["accounts"], summary="My profile", responses=problems(401))
async def profile(db: AsyncSession, me: Account) -> ProfileOut:
    return ProfileOut.from_model(await db.get_one(Account, me.id))


@put(
    "/me/profile",
    tags=["accounts"],
    summary="Change my profile",
    responses=problems(400, 401, 403, 415, 422),
)
async def profile_update(db: AsyncSession, me: Account, data: ProfileIn, clock: Clock) -> ProfileOut:
    return ProfileOut.from_model(await services.update_profile(db, me, data, clock=clock))


@get(
    "/me/export",
    tags=["accounts"],
    summary="Everything held about me, as a JSON download",
    responses=problems(401),
)
async def export(db: AsyncSession, me: Account, clock: Clock) -> Response[ExportOut]:
    return Response(
        await privacy.export_data(db, me, clock),
        headers={"content-disposition": 'attachment; filename="digieduhack-my-data.json"'},
    )


@delete(
    "/me",
    tags=["accounts"],
    summary="Delete my account (password in the body): registrations cancelled, personal data erased",
    responses=problems(400, 401, 403, 409, 422, 429) | {204: ResponseSpec(None, description="Deleted")},
)
async def delete_me(
    db: AsyncSession,
    me: Account,
    data: PasswordConfirmIn,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[None]:
    await privacy.delete_account(
        db, me, data, passwords=passwords, limiter=limiter, settings=settings, clock=clock
    )
    return Response(None, status_code=204, cookies=[session_cookie(settings, None)])


@get("/me/tokens", tags=["tokens"], summary="My API tokens, newest first", responses=problems(401))
async def tokens_index(db: AsyncSession, me: Account, clock: Clock) -> list[tokens.ApiTokenOut]:
    now = clock.now()
    return [tokens.ApiTokenOut.from_model(t, now) for t in await tokens.list_tokens(db, me)]


@post(
    "/me/tokens",
    tags=["tokens"],
    status_code=HTTP_201_CREATED,
    summary="Create an API token (organizers, host members; from a logged-in session): shown this once",
    responses=problems(400, 401, 403, 409, 415, 422),
)
async def token_create(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: tokens.ApiTokenIn, clock: Clock
) -> tokens.ApiTokenCreatedOut:
    raw, token = await tokens.create_token(db, me, request.auth, data, clock)
    return tokens.ApiTokenCreatedOut(raw, tokens.ApiTokenOut.from_model(token, clock.now()))


@delete(
    "/me/tokens/{token_id:int}",
    tags=["tokens"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke one of my API tokens: it stops working at once (from a logged-in session)",
    responses=problems(400, 401, 403, 404),
)
async def token_revoke(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, token_id: tokens.TokenId, clock: Clock
) -> None:
    await tokens.revoke_token(db, me, request.auth, token_id, clock)


handlers = [
    tokens_index,
    token_create,
    token_revoke,
    csrf,
    signup,
    login,
    logout,
    me_,
    verification_resend,
    verify_email,
    password_reset_request,
    password_reset,
    profile,
    profile_update,
    export,
    delete_me,
]
