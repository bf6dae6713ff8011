"""Who is asking: the session cookie resolved on every request, and the guards that use it."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from digieduhack.accounts.services import account_for_token
from digieduhack.models import Account
from digieduhack.settings import Settings
from digieduhack.timezones import zone

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


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        app = connection.app
        token = connection.cookies.get(session_cookie_name(app.state.settings))
        if not token or len(token) > 100:
            return AuthenticationResult(user=None, auth=None)
        async with app.state.sessionmaker() as db:
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
    if handler.opt.get("public"):
        return
    if current_user(connection) is None:
        raise NotAuthorizedException("Log in to continue.")


def organizer_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Log in to continue.")
    if not user.is_organizer:
        raise PermissionDeniedException("Only organizers can do this.")


PUBLIC: dict[str, Any] = {"public": True}
