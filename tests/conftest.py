"""Test harness: a real database (SQLite file by default, PostgreSQL when
DIGIEDUHACK_TEST_BACKEND=postgres and DIGIEDUHACK_TEST_POSTGRES_URL are set), migrated by Alembic once
per session and emptied before each test; the app driven over HTTP through AsyncTestClient."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest
from alembic import command
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.app import create_app
from digieduhack.db import alembic_config
from digieduhack.db import create_engine as create_async_engine
from digieduhack.models import Base
from digieduhack.settings import Settings
from tests import factories

BACKEND = os.environ.get("DIGIEDUHACK_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("DIGIEDUHACK_TEST_POSTGRES_URL", "")


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgres" else "")


def migrate(url: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logging"] = False
    command.upgrade(cfg, "head")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if BACKEND == "postgres":
        if not PG_URL:
            pytest.exit("DIGIEDUHACK_TEST_BACKEND=postgres needs DIGIEDUHACK_TEST_POSTGRES_URL", returncode=2)
        url = PG_URL
        import asyncio

        async def reset() -> None:
            engine = create_async_engine(Settings(database_url=url))
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()

        asyncio.run(reset())
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        login_attempts=1000,
        signup_attempts=1000,
    )


TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]


@pytest.fixture
async def db_clean(settings: Settings) -> AsyncIterator[None]:
    engine = create_async_engine(settings)
    async with engine.begin() as conn:
        if BACKEND == "postgres":
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                await conn.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()
    yield


@pytest.fixture
async def app(settings: Settings, db_clean: None) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def db(app: Litestar) -> AsyncIterator[AsyncSession]:
    """A session on the app's own engine, for arranging data and checking outcomes (commit explicitly)."""
    async with app.state.sessionmaker() as session:
        yield session


class Client:
    """An HTTP client of the app that keeps its cookies and sends the CSRF token like a browser form would."""

    def __init__(self, raw: httpx.AsyncClient) -> None:
        self.raw = raw

    @property
    def csrf(self) -> str:
        return self.raw.cookies.get("csrftoken") or ""

    async def ensure_csrf(self) -> str:
        if not self.csrf:
            await self.raw.get("/api/v1/auth/csrf")
        return self.csrf

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.raw.get(url, **kw)

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {"x-csrftoken": await self.ensure_csrf(), **kw.pop("headers", {})}
        return await self.raw.request(method, url, headers=headers, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", url, **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", url, **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kw)

    async def submit(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        """Post a page form like a browser: url-encoded, CSRF token in the form, redirects not followed."""
        form = {"_csrf_token": await self.ensure_csrf(), **(data or {})}
        return await self.raw.post(url, data=form, follow_redirects=False, **kw)

    async def login(self, email: str, password: str = factories.PASSWORD) -> httpx.Response:
        response = await self.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response


ClientFactory = Callable[..., Awaitable[Client]]


@pytest.fixture
async def client_factory(app: Litestar) -> AsyncIterator[ClientFactory]:
    """`await client_factory()` gives an anonymous client; `await client_factory(account)` a logged-in one."""
    opened: list[httpx.AsyncClient] = []

    async def make(account: Any = None) -> Client:
        # ASGITransport runs the app in the test's own event loop, so the app's engine and the test's
        # sessions share one loop (the app's lifespan, a schema check, is tested on its own)
        raw = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        opened.append(raw)
        client = Client(raw)
        if account is not None:
            await client.login(account.email)
        return client

    yield make
    for raw in opened:
        await raw.aclose()


@pytest.fixture
async def anon(client_factory: ClientFactory) -> Client:
    return await client_factory()


@pytest.fixture
async def world(db: AsyncSession) -> factories.World:
    """The usual cast: current event, two approved hosts with one member each, an organizer, participants."""
    return await factories.world(db)


def event_day(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=UTC)


@pytest.fixture
async def apps(settings: Settings, db_clean: None) -> AsyncIterator[Any]:
    """`apps.app(login_attempts=3)` is an app with those settings on the emptied test database;
    `apps.client(app, ip=..., https=...)` a client of it."""
    from tests.security.support import AppFactory  # it builds on Client, defined above

    factory = AppFactory(settings)
    yield factory
    await factory.close()
