"""The app's connection pool survives the database dropping its connections (as in a restart)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from digieduhack.settings import Settings
from tests import factories
from tests.conftest import BACKEND, ClientFactory

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="needs PostgreSQL: SQLite has no server connections to terminate"
)

TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def terminate_other_connections(settings: Settings) -> int:
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            killed = (await conn.execute(text(TERMINATE))).scalars().all()
            await conn.commit()
    finally:
        await engine.dispose()
    return sum(1 for k in killed if k)


async def test_requests_succeed_after_the_database_drops_every_connection(
    app: Litestar, settings: Settings, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    assert (await alice.get("/api/v1/me")).status_code == 200
    assert (await alice.get("/api/v1/events")).status_code == 200
    assert app.state.engine.pool.checkedin() >= 1  # idle connections wait in the pool

    assert await terminate_other_connections(settings) >= 1

    # reads, through the session middleware and a handler
    me = await alice.get("/api/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == world.alice.id
    assert (await alice.get("/")).status_code == 200
    # and a write
    bob = await client_factory()
    assert (await bob.login(world.bob.email)).status_code == 200

    # and again, a second time
    assert await terminate_other_connections(settings) >= 1
    assert (await bob.get("/api/v1/me")).status_code == 200
