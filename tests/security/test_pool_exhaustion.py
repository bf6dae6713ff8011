"""When every database connection is taken, a request fails fast with 503, changes nothing, and the
pool is usable again as soon as connections come back."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from digieduhack.models import Account
from tests.security.support import AppFactory


async def test_exhausted_pool_answers_503_with_retry_after_and_recovers(apps: AppFactory) -> None:
    app = apps.app(db_pool_size=1, db_pool_timeout=0.5)
    client = apps.client(app)
    await client.ensure_csrf()
    engine = app.state.engine
    # take every connection the pool can hand out (PostgreSQL: pool_size + max_overflow)
    held = [await engine.connect() for _ in range(engine.pool.size() + max(engine.pool._max_overflow, 0))]
    for conn in held:
        await conn.exec_driver_sql("SELECT 1")
    try:
        started = time.monotonic()
        api = await client.post(
            "/api/v1/auth/signup",
            json={
                "email": "late@example.org",
                "display_name": "Late",
                "password": "long enough pw",
                "accept_terms": True,
            },
        )
        page = await client.get("/challenges")
        elapsed = time.monotonic() - started
    finally:
        for conn in held:
            await conn.close()
    assert api.status_code == 503
    assert api.headers["retry-after"] == "5"
    assert api.json()["title"] == "Busy"
    assert page.status_code == 503
    assert "busy" in page.text
    assert elapsed < 5
    async with app.state.sessionmaker() as db:
        assert await db.scalar(select(func.count()).select_from(Account)) == 0
    assert (await client.get("/api/v1/auth/csrf")).status_code == 200
