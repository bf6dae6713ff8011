"""Throttling of log-in and sign-up: 429 with Retry-After, per client and per email."""

from __future__ import annotations

import httpx
from litestar import Litestar

from tests import factories
from tests.conftest import Client
from tests.security.support import (
    AppFactory,
    assert_problem,
    count_accounts,
    count_sessions,
    form_error,
    set_cookies,
)

WRONG = "not the password"


def assert_throttled(r: httpx.Response, window: int) -> None:
    body = assert_problem(r, 429, title="Too many requests")
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= window
    assert body["detail"] == f"Too many attempts. Try again in {retry_after} seconds."
    assert "session" not in set_cookies(r)


async def login(client: Client, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_fourth_login_attempt_from_one_client_is_throttled(
    apps: AppFactory, world: factories.World
) -> None:
    app = apps.app(login_attempts=3)
    client = apps.client(app, ip="203.0.113.7")
    # three attempts, for three different emails: the client is what is counted
    for email in ("alice@example.org", "bob@example.org", "nobody@example.org"):
        assert (await login(client, email, WRONG)).status_code == 401
    # the fourth is refused even with the right password, and no session is started
    r = await login(client, "alice@example.org", factories.PASSWORD)
    assert_throttled(r, app.state.settings.rate_limit_window)
    assert await count_sessions(app) == 0
    assert (await client.get("/api/v1/me")).status_code == 401
    # another client is not affected
    other = apps.client(app, ip="198.51.100.9")
    assert (await login(other, "alice@example.org", factories.PASSWORD)).status_code == 200


async def test_login_attempts_for_one_email_are_throttled_across_clients(
    apps: AppFactory, world: factories.World
) -> None:
    app = apps.app(login_attempts=3)
    for n in range(3):
        client = apps.client(app, ip=f"203.0.113.{n + 1}")
        assert (await login(client, "Alice@example.org", WRONG)).status_code == 401
    fresh = apps.client(app, ip="203.0.113.99")
    r = await login(fresh, "alice@example.org", factories.PASSWORD)
    assert_throttled(r, app.state.settings.rate_limit_window)
    assert await count_sessions(app) == 0
    # only that email: the same fresh client may still log in as someone else
    assert (await login(fresh, "bob@example.org", factories.PASSWORD)).status_code == 200


async def test_throttled_login_page_shows_the_message_with_retry_after(
    apps: AppFactory, world: factories.World
) -> None:
    app = apps.app(login_attempts=1)
    client = apps.client(app)
    first = await client.submit("/login", {"email": "alice@example.org", "password": WRONG})
    assert first.status_code == 401
    r = await client.submit("/login", {"email": "alice@example.org", "password": factories.PASSWORD})
    assert r.status_code == 429
    retry_after = int(r.headers["retry-after"])
    assert form_error(r.text) == f"Too many attempts. Try again in {retry_after} seconds."
    assert "session" not in set_cookies(r)
    assert await count_sessions(app) == 0


async def test_signup_is_throttled_per_client_and_creates_nothing_when_throttled(
    apps: AppFactory, world: factories.World
) -> None:
    app: Litestar = apps.app(signup_attempts=2)
    client = apps.client(app, ip="203.0.113.50")
    before = await count_accounts(app)
    body = {"display_name": "New", "password": "a long enough passphrase", "accept_terms": True}
    assert (
        await client.post("/api/v1/auth/signup", json={**body, "email": "one@example.org"})
    ).status_code == 201
    # a refused sign-up counts too
    refused = await client.post(
        "/api/v1/auth/signup", json={**body, "email": "two@example.org", "accept_terms": False}
    )
    assert refused.status_code == 422
    r = await client.post("/api/v1/auth/signup", json={**body, "email": "three@example.org"})
    assert_throttled(r, app.state.settings.rate_limit_window)
    page = await client.submit("/signup", {**body, "email": "four@example.org", "accept_terms": "on"})
    assert page.status_code == 429
    assert "retry-after" in page.headers
    assert await count_accounts(app) == before + 1
    other = apps.client(app, ip="198.51.100.50")
    assert (
        await other.post("/api/v1/auth/signup", json={**body, "email": "five@example.org"})
    ).status_code == 201
