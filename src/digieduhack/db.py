"""Engine, sessions and the per-request unit of work."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from litestar import Request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from digieduhack.settings import Settings

# Execution option that asks SQLite for a write transaction (BEGIN IMMEDIATE): SQLite ignores
# SELECT ... FOR UPDATE, so writers are serialised by taking the write lock when the transaction begins.
WRITE = {"sqlite_write": True}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def ping_outside_transaction(dbapi_connection: Any) -> bool:
    """The pool's pre-ping in one round trip instead of three.

    SQLAlchemy's asyncpg adapter wraps its ping (`;`) in BEGIN ... ROLLBACK, for pgbouncer's transaction
    mode (sqlalchemy#10226): three round trips at every checkout, two checkouts per request. The app talks to
    PostgreSQL directly, so the `;` is sent alone, as the adapter does on autocommit connections. A dropped
    connection still fails the ping with the adapter's DBAPI error, which the pool reads as a disconnect:
    it invalidates the pool and connects afresh (tests/security/test_database_restart.py)."""
    level = dbapi_connection.isolation_level
    dbapi_connection.isolation_level = "autocommit"
    try:
        dbapi_connection.ping()
    finally:
        dbapi_connection.isolation_level = level
    return True


def create_engine(settings: Settings) -> AsyncEngine:
    if not settings.is_sqlite:
        pg = create_async_engine(
            settings.database_url,
            pool_pre_ping=True,  # the first request after a database restart must not fail
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
        )
        if pg.dialect.driver == "asyncpg":
            pg.sync_engine.dialect.do_ping = ping_outside_transaction  # type: ignore[method-assign]
        return pg
    engine = create_async_engine(
        settings.database_url,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
    )
    busy = int(settings.sqlite_busy_timeout_ms)

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control away from the driver so that "begin" below decides
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for one read outside the request's transaction (the session middleware's lookup of the
    cookie). On PostgreSQL they run in autocommit mode: the query is one round trip, without a BEGIN before
    it and a ROLLBACK after it. Never write through them. SQLite (in-process, no round trips) keeps its
    plain BEGIN, chosen by the begin listener above."""
    if engine.dialect.name == "sqlite":
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


def dialect_insert(db: AsyncSession) -> Callable[..., Any]:
    """The INSERT construct of the session's database, the one with ON CONFLICT (PostgreSQL and SQLite
    both have it, with RETURNING)."""
    return pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert


async def begin_write(db: AsyncSession) -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite)."""
    await db.connection(execution_options=WRITE)


async def provide_db(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler succeeds, before the response is sent.

    Unsafe methods, and GET handlers marked opt={"writes": True}, start a write transaction.
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    writes = request.method not in SAFE_METHODS or bool(request.route_handler.opt.get("writes"))
    # SQLite: writers of this process queue here instead of sleeping in SQLite's busy handler;
    # BEGIN IMMEDIATE still serialises them against other processes.
    lock: asyncio.Lock | None = request.app.state.sqlite_write_lock if writes else None
    async with lock or contextlib.nullcontext(), maker() as db:
        if writes:
            await begin_write(db)
        try:
            yield db
        except BaseException:
            await db.rollback()
            raise
        else:
            await db.commit()


def alembic_config() -> Any:
    from alembic.config import Config

    from digieduhack.settings import ROOT

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    return cfg


class OutdatedSchema(RuntimeError):
    pass


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to start on a database that is not at the latest Alembic revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    async with engine.connect() as conn:
        current = set(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
    if current != heads:
        raise OutdatedSchema(
            f"The database schema is at revision {', '.join(sorted(current)) or 'none'} but the code needs "
            f"{', '.join(sorted(heads))}. Run `make migrate` (or `alembic upgrade head`) first."
        )
