"""A real server process (uvicorn, one worker) on the test session's database, and the means to hit it with
many requests released at the same instant.

The server runs the app exactly as in production (`create_app` from DIGIEDUHACK_* variables), so each
request gets its own connection from the pool and its own transaction; the test process only arranges
rows (committed before the burst) and checks the rows afterwards.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, AuthSession
from digieduhack.security import token_hash
from digieduhack.settings import Settings
from tests import factories
from tests.live_server import Server, start_server, stop_server


@dataclass
class Participant:
    account: Account
    token: str = field(repr=False)


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app as deployed: the capacity lock in place."""
    srv = start_server(settings, tmp_path_factory.mktemp("server") / "uvicorn.log")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def unlocked_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The control: DIGIEDUHACK_TEST_DISABLE_JOIN_LOCK=1 drops SELECT ... FOR UPDATE from the join."""
    srv = start_server(
        settings, tmp_path_factory.mktemp("unlocked") / "uvicorn.log", DIGIEDUHACK_TEST_DISABLE_JOIN_LOCK="1"
    )
    yield srv
    stop_server(srv)


async def participants(db: AsyncSession, n: int) -> list[Participant]:
    """n participant accounts, each with a live session (rows written directly, no log-in round trips)."""
    now = factories.now()
    tag = secrets.token_hex(4)
    accounts = [
        Account(
            email=f"racer{i}-{tag}@example.org",
            display_name=f"Racer {i}",
            password_hash=factories.PASSWORD_HASH,
            is_organizer=False,
            locale="en",
            created_at=now,
            terms_accepted_at=now,
            email_verified_at=now,  # joining needs a verified address
        )
        for i in range(n)
    ]
    db.add_all(accounts)
    await db.flush()
    tokens = [secrets.token_urlsafe(32) for _ in accounts]
    db.add_all(
        AuthSession(
            token_hash=token_hash(t), account_id=a.id, created_at=now, expires_at=now + timedelta(days=1)
        )
        for a, t in zip(accounts, tokens, strict=True)
    )
    await db.commit()
    return [Participant(a, t) for a, t in zip(accounts, tokens, strict=True)]


def auth_headers(server: Server, who: Participant) -> dict[str, str]:
    return {"cookie": f"session={who.token}; csrftoken={server.csrf}", "x-csrftoken": server.csrf}


async def burst(
    server: Server, method: str, path: str, people: Sequence[Participant]
) -> list[httpx.Response]:
    """Send one request per person, each from its own client (own connection), all released together."""
    # one client per request keeps httpx's per-pool bookkeeping small (a single pool of 200 connections
    # costs the test process more CPU than the server spends); the clients share one TLS context, which
    # is otherwise built per client, and a cookie jar that stores nothing, so each request carries
    # exactly the cookies given here
    tls = ssl.create_default_context()
    clients = [
        httpx.AsyncClient(
            base_url=server.base_url,
            verify=tls,
            timeout=60,
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        for _ in people
    ]
    go = asyncio.Barrier(len(people))

    async def one(client: httpx.AsyncClient, who: Participant) -> httpx.Response:
        await go.wait()
        return await client.request(method, path, headers=auth_headers(server, who))

    try:
        return await asyncio.gather(*(one(c, p) for c, p in zip(clients, people, strict=True)))
    finally:
        for client in clients:
            await client.aclose()
