"""The application, assembled explicitly: routers, dependencies, middleware, templates."""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope

from digieduhack import db as dbmod
from digieduhack.accounts import api as accounts_api
from digieduhack.accounts import pages as accounts_pages
from digieduhack.accounts.auth import (
    PUBLIC,
    CsrfUnlessBearer,
    SessionAuthMiddleware,
    current_user,
    deny_by_default,
    viewer_zone,
)
from digieduhack.announcements import api as announcements_api
from digieduhack.announcements import pages as announcements_pages
from digieduhack.audit import api as audit_api
from digieduhack.audit import pages as audit_pages
from digieduhack.challenges import api as challenges_api
from digieduhack.challenges import calendar_routes as challenges_calendar
from digieduhack.challenges import pages as challenges_pages
from digieduhack.challenges import schedule as challenges_schedule
from digieduhack.challenges.status import availability
from digieduhack.clock import Clock
from digieduhack.dashboard import api as dashboard_api
from digieduhack.dashboard import pages as dashboard_pages
from digieduhack.errors import API_HANDLERS, APP_HANDLERS, PAGE_HANDLERS
from digieduhack.events import api as events_api
from digieduhack.events import pages as events_pages
from digieduhack.hosts import api as hosts_api
from digieduhack.hosts import pages as hosts_pages
from digieduhack.models import Account
from digieduhack.outbox import api as outbox_api
from digieduhack.outbox import pages as outbox_pages
from digieduhack.outbox.sender import Running, Sender
from digieduhack.questions import api as questions_api
from digieduhack.questions import pages as questions_pages
from digieduhack.registrations import api as registrations_api
from digieduhack.registrations import checkin_pages as registrations_checkin
from digieduhack.registrations import pages as registrations_pages
from digieduhack.rosters import api as rosters_api
from digieduhack.rosters import pages as rosters_pages
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import Settings
from digieduhack.teams import api as teams_api
from digieduhack.teams import pages as teams_pages
from digieduhack.timezones import format_local, format_range, in_viewer_zone, language_name, utc_offset
from digieduhack.web import FORMAT_LABELS, N_, render_markdown

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# the API docs page (Swagger UI, served from /static) starts itself with an inline script
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_JSON_UNSAFE = re.compile(rb"\\u0000", re.IGNORECASE)
STATUS_LABELS = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}
HOST_STATUS_LABELS = {"pending": N_("Pending review"), "approved": N_("Approved"), "rejected": N_("Rejected")}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def add_security_headers(message: Message, scope: Scope) -> None:
    """On every response, including errors and 404s."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    docs = scope.get("path", "").startswith("/schema")
    headers["content-security-policy"] = CSP_DOCS if docs else CSP
    for name, value in SECURITY_HEADERS:
        headers[name.decode()] = value.decode()
    if scope.get("app") and scope["app"].state.settings.secure_cookies:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"


async def reject_bad_input(request: Request[Any, Any, Any]) -> None:
    """Before every handler: no NUL bytes anywhere; JSON endpoints take JSON only."""
    if (
        "\x00" in request.url.path
        or b"%00" in request.scope.get("query_string", b"")
        or "\x00" in str(request.query_params)
    ):
        raise ClientException("The request contains a NUL character, which is not allowed.")
    if request.url.path.startswith("/api/") and request.method in BODY_METHODS:
        body = await request.body()
        media_type, _ = request.content_type
        if body and media_type != "application/json":
            raise HTTPException(
                status_code=415,
                detail=f"Send JSON with Content-Type: application/json (got {media_type or 'none'}).",
            )
        if _JSON_UNSAFE.search(body):
            raise ClientException("The request contains a NUL character (\\u0000), which is not allowed.")
        # msgspec raises UnicodeDecodeError (not DecodeError) on bad UTF-8, which Litestar answers with 500
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise ClientException("The request body is not valid UTF-8.") from None


def provide_me(request: Request[Any, Any, Any]) -> Account:
    user = current_user(request)
    if user is None:
        raise NotAuthorizedException("Log in to continue.")
    return user


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def provide_clock(request: Request[Any, Any, Any]) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def provide_passwords(request: Request[Any, Any, Any]) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def provide_limiter(request: Request[Any, Any, Any]) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


def provide_viewer(request: Request[Any, Any, Any]) -> Account | None:
    return current_user(request)


def provide_viewer_zone(request: Request[Any, Any, Any]) -> str | None:
    return viewer_zone(request)


def make_template_engine(settings: Settings) -> JinjaTemplateEngine:
    env = Environment(
        loader=FileSystemLoader(settings.templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = Translations.load(str(settings.locales_dir), ["en"])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["formats"] = FORMAT_LABELS
    env.globals["statuses"] = STATUS_LABELS
    env.globals["host_statuses"] = HOST_STATUS_LABELS
    env.filters["local"] = format_local
    env.filters["utc_offset"] = utc_offset
    env.filters["language_name"] = language_name
    env.filters["markdown"] = render_markdown
    env.filters["local_range"] = format_range
    env.globals["in_viewer_zone"] = in_viewer_zone
    env.tests["startingwith"] = lambda value, prefix: str(value).startswith(prefix)
    env.globals["availability"] = partial(availability, t=translations)
    return JinjaTemplateEngine.from_environment(env)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = dbmod.create_engine(settings)
    template_engine = make_template_engine(settings)

    async def on_startup(app: Litestar) -> None:
        await dbmod.check_schema(engine)
        if settings.smtp_url:  # else messages stay in the outbox (development): /organizer/outbox
            state = app.state
            sender = Sender(state.sessionmaker, settings, lambda: state.clock, state.sqlite_write_lock)
            app.state.mail_sender = Running(sender)
            app.state.mail_sender.start()

    async def on_shutdown(app: Litestar) -> None:
        if running := getattr(app.state, "mail_sender", None):
            await running.close()
        await engine.dispose()

    api = Router(
        "/api/v1",
        route_handlers=[
            *accounts_api.handlers,
            *events_api.handlers,
            *hosts_api.handlers,
            # before the challenges: the fuzz test (tests/test_api_fuzz.py) runs the operations in this
            # order, and cancelling a challenge or a registration would end the teams it works on
            *teams_api.handlers,
            # before the challenges too: the fuzz test sends announcements while the challenge it works on
            # still has registrations (cancelling it or a registration ends them)
            *announcements_api.handlers,
            *challenges_api.handlers,
            *challenges_calendar.api_handlers,
            *registrations_api.handlers,
            *questions_api.handlers,
            *rosters_api.handlers,
            *outbox_api.handlers,
            *audit_api.handlers,
            *dashboard_api.handlers,
        ],
        exception_handlers=API_HANDLERS,
    )
    pages = Router(
        "/",
        route_handlers=[
            *accounts_pages.handlers,
            *challenges_pages.handlers,
            *challenges_calendar.page_handlers,
            *events_pages.handlers,
            *challenges_schedule.handlers,
            *hosts_pages.handlers,
            *registrations_pages.handlers,
            *registrations_checkin.handlers,
            *questions_pages.handlers,
            *teams_pages.handlers,
            *announcements_pages.handlers,
            *rosters_api.handlers,
            *rosters_pages.handlers,
            *outbox_pages.handlers,
            *audit_pages.handlers,
            *dashboard_pages.handlers,
        ],
        exception_handlers=PAGE_HANDLERS,
        include_in_schema=False,  # pages (and the roster downloads mounted here too) are not the JSON API
    )
    static = create_static_files_router(
        path="/static", directories=[settings.static_dir], opt=PUBLIC, include_in_schema=False
    )
    # the docs pages themselves are not part of the API they document
    docs_router = Router(
        "/schema", route_handlers=[], opt=PUBLIC, exception_handlers=API_HANDLERS, include_in_schema=False
    )
    openapi = OpenAPIConfig(
        title="DigiEduHack manager API",
        version="1",
        description=(
            "JSON API of the DigiEduHack manager. Authentication is either a personal API token "
            "(`Authorization: Bearer deh_...`, created by organizers and host members at /me/tokens or "
            "`POST /api/v1/me/tokens`; a read token allows GET only) or the session cookie set by "
            "`POST /api/v1/auth/login`, with which every state-changing request must send the CSRF token "
            "from `GET /api/v1/auth/csrf` in the `X-CSRFToken` header. Errors are RFC 9457 problem details."
        ),
        openapi_router=docs_router,
        render_plugins=[
            SwaggerRenderPlugin(
                js_url="/static/vendor/swagger-ui-bundle.js",
                css_url="/static/vendor/swagger-ui.css",
                standalone_preset_js_url="/static/vendor/swagger-ui-standalone-preset.js",
                path="/",
            )
        ],
        components=Components(
            security_schemes={
                "session": SecurityScheme(type="apiKey", name="session", security_scheme_in="cookie"),
                "token": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A personal API token (deh_...), with its owner's rights within its scope",
                ),
            }
        ),
        security=[{"session": []}, {"token": []}],
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="__Host-csrftoken" if settings.secure_cookies else "csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
    )
    app = Litestar(
        route_handlers=[api, pages, static],
        dependencies={
            "db": Provide(dbmod.provide_db),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "clock": Provide(provide_clock, sync_to_thread=False),
            "passwords": Provide(provide_passwords, sync_to_thread=False),
            "limiter": Provide(provide_limiter, sync_to_thread=False),
            "me": Provide(provide_me, sync_to_thread=False),
            "viewer": Provide(provide_viewer, sync_to_thread=False),
            "viewer_zone": Provide(provide_viewer_zone, sync_to_thread=False),
        },
        guards=[deny_by_default],
        before_request=reject_bad_input,
        before_send=[add_security_headers],
        middleware=[
            DefineMiddleware(SessionAuthMiddleware, exclude=["^/static/"]),
            DefineMiddleware(CsrfUnlessBearer, config=csrf),
        ],
        template_config=TemplateConfig(instance=template_engine),
        openapi_config=openapi,
        request_max_body_size=1_000_000,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        exception_handlers=APP_HANDLERS,
        debug=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = dbmod.create_sessionmaker(engine)
    app.state.read_sessionmaker = dbmod.create_read_sessionmaker(engine)
    app.state.sqlite_write_lock = asyncio.Lock() if settings.is_sqlite else None
    app.state.clock = clock or Clock()
    app.state.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
    app.state.limiter = RateLimiter()
    app.state.template_names = set(template_engine.engine.list_templates())
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app
