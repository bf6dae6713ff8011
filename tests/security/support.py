"""Helpers shared by tests/accounts and tests/security: apps with changed settings, clients from chosen
addresses, and fresh reads of the database (never through a session that may have cached rows)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import func, select

from digieduhack.app import create_app
from digieduhack.models import Account, AuthSession
from digieduhack.settings import Settings
from tests.conftest import Client

PROBLEM_KEYS = {"type", "title", "status", "detail"}


class AppFactory:
    """Builds apps on the test database with some settings replaced; closes their clients and engines."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._apps: list[Litestar] = []
        self._clients: list[httpx.AsyncClient] = []

    def app(self, **overrides: Any) -> Litestar:
        application = create_app(dataclasses.replace(self.settings, **overrides))
        self._apps.append(application)
        return application

    def client(self, app: Litestar, *, ip: str = "127.0.0.1", https: bool = False) -> Client:
        raw = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
            base_url=f"{'https' if https else 'http'}://testserver.local",
        )
        self._clients.append(raw)
        return Client(raw)

    async def close(self) -> None:
        for raw in self._clients:
            await raw.aclose()
        for application in self._apps:
            await application.state.engine.dispose()


async def count_accounts(app: Litestar) -> int:
    async with app.state.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(Account)) or 0)


async def count_sessions(app: Litestar) -> int:
    async with app.state.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(AuthSession)) or 0)


async def account_by_email(app: Litestar, email: str) -> Account | None:
    async with app.state.sessionmaker() as s:
        account: Account | None = await s.scalar(select(Account).where(Account.email == email))
        return account


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers of a response by cookie name (the whole header line as value)."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def cookie_attributes(line: str) -> dict[str, str]:
    """Attributes of one Set-Cookie line, names lower-cased: {"httponly": "", "samesite": "lax", ...}."""
    attrs: dict[str, str] = {}
    for part in line.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attrs[name.lower()] = value
    return attrs


def cookie_value(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[1]


def field_error(html: str, field: str) -> str | None:
    """The message shown next to a form field (the element the input's aria-describedby points to)."""
    m = re.search(rf'<p class="error" id="error-{re.escape(field)}">(.*?)</p>', html, re.S)
    return m.group(1).strip() if m else None


def form_error(html: str) -> str | None:
    """The form-wide message at the top of a form."""
    m = re.search(r'<(p|li) id="error-__all__">(.*?)</\1>', html, re.S)
    return m.group(2).strip() if m else None


def assert_problem(response: httpx.Response, status: int, **fields: Any) -> dict[str, Any]:
    """The response is RFC 9457 problem details with `status`, and the given fields are exactly as given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    for key, value in fields.items():
        assert body[key] == value, (key, body)
    return body


# --- walking the app's routes ---------------------------------------------------------------------
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAM = re.compile(r"\{(\w+):[\w]+\}")


def endpoints(app: Litestar) -> list[tuple[str, str, Any]]:
    """(method, path template, handler) for every handler of every route, in a stable order."""
    found: list[tuple[str, str, Any]] = []
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"unexpected route type {type(route).__name__} at {route.path}"
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                found.append((method, route.path, handler))
    return sorted(found, key=lambda e: (e[1], e[0]))


def fill(path: str, values: dict[str, str]) -> str:
    """The path with its parameters replaced; a parameter without a value fails loudly."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        assert name in values, f"no test value for path parameter {name!r} in {path}: add one to the test"
        return values[name]

    return _PARAM.sub(value, path)
