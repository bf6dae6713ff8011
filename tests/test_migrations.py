"""Alembic migrations, each test on a brand-new database of its own (never the session's database):
the revisions build exactly the schema the models describe, undo cleanly, and the app refuses to run on a
database that is not at the latest revision.

The tests are synchronous on purpose: alembic/env.py runs its own event loop (asyncio.run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from litestar.testing import TestClient
from sqlalchemy import inspect, make_url, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from digieduhack.app import create_app
from digieduhack.db import OutdatedSchema, alembic_config, check_schema
from digieduhack.db import create_engine as create_app_engine
from digieduhack.models import Base, compared_by_autogenerate
from digieduhack.settings import Settings
from tests.conftest import BACKEND, PG_URL

T = TypeVar("T")
MODEL_TABLES = set(Base.metadata.tables)
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that only this test uses, removed afterwards."""
    if BACKEND != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    session_url = make_url(PG_URL)
    name = f"{session_url.database}_migr"
    admin_url = session_url.set(database="postgres")

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield session_url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def alembic(url: str) -> Any:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(url: str, target: str = "head") -> None:
    command.upgrade(alembic(url), target)


def downgrade(url: str, target: str) -> None:
    command.downgrade(alembic(url), target)


def inspect_db(url: str, fn: Callable[[Connection], T]) -> T:
    async def run() -> T:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def tables(url: str) -> set[str]:
    return inspect_db(url, lambda c: set(inspect(c).get_table_names()))


def revision(url: str) -> set[str]:
    return inspect_db(url, lambda c: set(MigrationContext.configure(c).get_current_heads()))


def schema_diff(url: str) -> list[Any]:
    """What `alembic revision --autogenerate` would write: the models against the migrated database."""
    opts = {
        "compare_type": True,
        "compare_server_default": True,
        "include_object": compared_by_autogenerate,
    }
    return inspect_db(
        url, lambda c: compare_metadata(MigrationContext.configure(c, opts=opts), Base.metadata)
    )


def pg_relations(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        )
    )
    return set(rows.scalars())


def run_check_schema(url: str) -> None:
    async def run() -> None:
        engine = create_app_engine(Settings(environment="test", database_url=url))
        try:
            await check_schema(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_upgrade_head_creates_every_table_of_the_models(fresh_url: str) -> None:
    assert tables(fresh_url) == set()

    upgrade(fresh_url)

    assert tables(fresh_url) == MODEL_TABLES | {"alembic_version"}
    assert revision(fresh_url) == {HEAD}


def test_migrated_database_matches_the_models_exactly(fresh_url: str) -> None:
    upgrade(fresh_url)

    assert schema_diff(fresh_url) == []


def test_full_text_search_column_and_index_exist_on_postgresql(fresh_url: str) -> None:
    if BACKEND != "postgres":
        pytest.skip("the search column and its GIN index are PostgreSQL's; SQLite searches with LIKE")
    upgrade(fresh_url)

    def read(conn: Connection) -> tuple[str, str]:
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_challenges_search'")
        ).scalar_one()
        column = conn.execute(
            text(
                "SELECT generation_expression FROM information_schema.columns "
                "WHERE table_name = 'challenges' AND column_name = 'search_document'"
            )
        ).scalar_one()
        return index, column

    index, column = inspect_db(fresh_url, read)

    assert index.endswith("USING gin (search_document)")
    assert column.startswith("to_tsvector('simple'::regconfig")
    for name in ("title", "summary", "description"):
        assert name in column


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(fresh_url: str) -> None:
    upgrade(fresh_url)

    downgrade(fresh_url, "base")

    assert tables(fresh_url) == {"alembic_version"}
    assert revision(fresh_url) == set()
    if BACKEND == "postgres":  # no table, index or sequence left behind for a second upgrade to trip over
        assert inspect_db(fresh_url, pg_relations) == {"alembic_version", "alembic_version_pkc"}

    upgrade(fresh_url)

    assert tables(fresh_url) == MODEL_TABLES | {"alembic_version"}
    assert revision(fresh_url) == {HEAD}
    assert schema_diff(fresh_url) == []


def test_schema_check_refuses_an_empty_database_and_names_the_command_to_run(fresh_url: str) -> None:
    with pytest.raises(OutdatedSchema) as refused:
        run_check_schema(fresh_url)

    message = str(refused.value)
    assert "alembic upgrade head" in message
    assert f"needs {HEAD}" in message
    assert "at revision none" in message


def test_schema_check_refuses_a_database_downgraded_below_head(fresh_url: str) -> None:
    upgrade(fresh_url)
    downgrade(fresh_url, "base")

    with pytest.raises(OutdatedSchema, match="alembic upgrade head"):
        run_check_schema(fresh_url)


def test_schema_check_passes_on_a_database_at_head(fresh_url: str) -> None:
    upgrade(fresh_url)

    run_check_schema(fresh_url)  # does not raise


def test_app_does_not_start_on_an_unmigrated_database(fresh_url: str) -> None:
    app = create_app(Settings(environment="test", database_url=fresh_url))

    # the failing startup hook comes out of Litestar's lifespan wrapped in an exception group
    refused = pytest.RaisesExc(OutdatedSchema, match="alembic upgrade head")
    with pytest.RaisesGroup(refused, flatten_subgroups=True, allow_unwrapped=True), TestClient(app):
        pass

    assert tables(fresh_url) == set()  # and it did not create anything on its own


def test_app_starts_and_serves_on_a_migrated_database(fresh_url: str) -> None:
    upgrade(fresh_url)
    app = create_app(Settings(environment="test", database_url=fresh_url))

    with TestClient(app) as client:
        response = client.get("/api/v1/events")

    assert response.status_code == 200, response.text
    assert response.json() == []
