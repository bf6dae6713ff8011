"""What one join through the API costs in database round trips: every SQL statement, every transaction
BEGIN / COMMIT / ROLLBACK and every connection check (the pool's pre-ping), counted on the app's engine.
The session middleware's read and the join's transaction are both in the count. The numbers are pinned
so that a change that adds a round trip to the join shows up here (bench/join.py measures the effect)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from litestar import Litestar
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import BACKEND, Client, ClientFactory

# round trips of one join (confirmed, waitlisted), per backend; SQLite's BEGIN is a statement
EXPECTED = {
    "postgres": {"confirmed": 13, "waitlisted": 15},
    "sqlite": {"confirmed": 13, "waitlisted": 15},
}


@contextlib.contextmanager
def round_trips(app: Litestar) -> Iterator[list[str]]:
    """What the app's engine sends to the database while the block runs, one entry per round trip."""
    engine = app.state.engine.sync_engine
    sent: list[str] = []
    sqlite = engine.dialect.name == "sqlite"

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        sent.append(" ".join(sql.split())[:120])

    def transaction(name: str) -> Any:
        def record(conn: Any, *args: Any) -> None:
            # SQLite's begin listener (db.py) sends its BEGIN as a statement, counted above; a connection in
            # autocommit (db.create_read_sessionmaker) sends no BEGIN, COMMIT or ROLLBACK
            if sqlite and name == "BEGIN":
                return
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return
            sent.append(name)

        return record

    listeners = [
        ("before_cursor_execute", statement),
        ("begin", transaction("BEGIN")),
        ("commit", transaction("COMMIT")),
        ("rollback", transaction("ROLLBACK")),
    ]
    dialect = engine.dialect
    ping = dialect.do_ping
    replaced = "do_ping" in vars(dialect)  # db.ping_outside_transaction: one round trip

    def counted_ping(dbapi_connection: Any) -> bool:
        # SQLAlchemy's own asyncpg ping wraps its `;` in BEGIN ... ROLLBACK outside a transaction
        wrapped = not (sqlite or replaced) and getattr(dbapi_connection, "_transaction", None) is None
        sent.extend(["BEGIN (ping)", "ping", "ROLLBACK (ping)"] if wrapped else ["ping"])
        return bool(ping(dbapi_connection))

    for name, fn in listeners:
        sa_event.listen(engine, name, fn)
    dialect.do_ping = counted_ping  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        if replaced:
            dialect.do_ping = ping  # type: ignore[method-assign]
        else:
            del dialect.do_ping  # back to the class's method
        for name, fn in listeners:
            sa_event.remove(engine, name, fn)


async def join(app: Litestar, client: Client, slug: str) -> tuple[str, list[str]]:
    await client.get("/api/v1/me")  # warm: the pool holds a connection, the client its CSRF token
    await client.ensure_csrf()
    with round_trips(app) as sent:
        response = await client.post(f"/api/v1/challenges/{slug}/registration")
    assert response.status_code == 201, response.text
    return str(response.json()["status"]), sent


async def test_one_join_through_the_api_costs_a_fixed_number_of_round_trips(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    alice = await client_factory(world.alice)
    bob = await client_factory(world.bob)

    confirmed = await join(app, alice, c.slug)
    waitlisted = await join(app, bob, c.slug)

    costs = {confirmed[0]: len(confirmed[1]), waitlisted[0]: len(waitlisted[1])}
    print(f"\n{BACKEND} round trips of a join: {costs}")
    for status, sent in (confirmed, waitlisted):
        print(f"--- {status}\n" + "\n".join(sent))
    assert costs == EXPECTED[BACKEND], "\n".join(confirmed[1])
