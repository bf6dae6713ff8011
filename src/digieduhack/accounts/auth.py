"""Who is asking: the session cookie resolved on every request, and the guards that use it."""

from __future__ import annotations

from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from digieduhack.accounts.services import account_for_token
from digieduhack.accounts.tokens import PREFIX as TOKEN_PREFIX
from digieduhack.accounts.tokens import READ_METHODS, TokenAuth, account_for_api_token
from digieduhack.models import Account, TokenScope
from digieduhack.settings import Settings
from digieduhack.timezones import zone

# connection.auth of a request whose API token is unknown, revoked or expired
BAD_TOKEN = object()
# set by static/js/timezone.js to the browser's IANA zone
TZ_COOKIE = "tz"


def session_cookie_name(settings: Settings) -> str:
    # the __Host- prefix pins the cookie to this host, over HTTPS, for the whole site
    return "__Host-session" if settings.secure_cookies else "session"


def session_cookie(settings: Settings, token: str | None) -> Cookie:
    return Cookie(
        key=session_cookie_name(settings),
        value=token or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=settings.session_days * 86400 if token else 0,
    )


def bearer_token(scope: Scope) -> str | None:
    """Our API token in an `Authorization: Bearer deh_...` header, if the request has one. Other
    Authorization headers (a proxy's, another service's) are not ours: they are ignored."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].decode("latin-1").strip()
            return token if token.startswith(TOKEN_PREFIX) else None
    return None


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        app = connection.app
        bearer = bearer_token(connection.scope)
        if bearer is not None:
            # an API token alone decides (cookies are not looked at), and only on the API; a bad one leaves
            # the request anonymous, and deny_by_default says why where a user is needed
            if not connection.scope["path"].startswith("/api/"):
                return AuthenticationResult(user=None, auth=None)
            async with app.state.sessionmaker() as db:
                found = await account_for_api_token(db, bearer, app.state.clock)
            if found is None:
                return AuthenticationResult(user=None, auth=BAD_TOKEN)
            owner, api_token = found
            return AuthenticationResult(user=owner, auth=TokenAuth(api_token.id, api_token.scope))
        token = connection.cookies.get(session_cookie_name(app.state.settings))
        if not token or len(token) > 100:
            return AuthenticationResult(user=None, auth=None)
        # one query (the account with its hosts, joined to the session), in autocommit on PostgreSQL
        async with app.state.read_sessionmaker() as db:
            account = await account_for_token(db, token, app.state.clock)
        return AuthenticationResult(user=account, auth=token if account else None)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> Account | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Account) else None


def _known(name: str | None) -> str | None:
    return name if name and len(name) <= 64 and zone(name) is not None else None


def browser_zone(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The zone static/js/timezone.js read from the browser (cookie `tz`), if it is a real IANA zone."""
    return _known(connection.cookies.get(TZ_COOKIE))


def viewer_zone(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The zone to show times in: the account's chosen one, else the browser's, else none."""
    user = current_user(connection)
    return _known(user.timezone if user else None) or browser_zone(connection)


def deny_by_default(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """App-wide guard: every route needs a logged-in user unless its handler says opt={"public": True}."""
    auth = connection.scope.get("auth")
    if (
        isinstance(auth, TokenAuth)
        and auth.scope == TokenScope.READ
        and connection.scope.get("method") not in READ_METHODS
    ):
        raise PermissionDeniedException("This API token is read-only: use a read-write token to change data.")
    if handler.opt.get("public"):
        return
    if auth is BAD_TOKEN:
        raise NotAuthorizedException("This API token is unknown, revoked or expired.")
    if current_user(connection) is None:
        raise NotAuthorizedException("Log in to continue.")


def organizer_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Log in to continue.")
    if not user.is_organizer:
        raise PermissionDeniedException("Only organizers can do this.")


PUBLIC: dict[str, Any] = {"public": True}


class CsrfUnlessBearer:
    """CSRF protection (Litestar's middleware) for every request but those carrying an API token: a browser
    cannot add an Authorization header to a cross-site request, and token requests use no cookie."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.csrf = CSRFMiddleware(app, config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and bearer_token(scope) is not None:
            await self.app(scope, receive, send)
        else:
            await self.csrf(scope, receive, send)
