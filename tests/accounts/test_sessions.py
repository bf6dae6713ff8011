"""Server-side sessions: a fresh token at every log-in, no fixation, dead after log-out; cookie flags."""

from __future__ import annotations

import hashlib

import httpx
from litestar import Litestar
from sqlalchemy import select

from digieduhack.models import AuthSession
from tests import factories
from tests.conftest import Client, ClientFactory
from tests.security.support import AppFactory, cookie_attributes, cookie_value, count_sessions, set_cookies


async def me_with(app: Litestar, cookies: dict[str, str]) -> httpx.Response:
    """GET /api/v1/me from a brand-new client that only has the given cookies (a copied cookie)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local", cookies=cookies
    ) as raw:
        return await raw.get("/api/v1/me")


async def test_every_login_issues_a_new_token_and_ends_the_previous_one(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    tokens = []
    for _ in range(3):
        r = await anon.login(world.alice.email)
        tokens.append(cookie_value(set_cookies(r)["session"]))
        assert anon.raw.cookies.get("session") == tokens[-1]
    assert len(set(tokens)) == 3
    for old in tokens[:-1]:
        assert (await me_with(app, {"session": old})).status_code == 401
    current = await me_with(app, {"session": tokens[-1]})
    assert current.status_code == 200
    assert current.json()["id"] == world.alice.id
    assert await count_sessions(app) == 1


async def test_login_as_someone_else_replaces_the_session(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    await anon.login(world.alice.email)
    alice_token = anon.raw.cookies.get("session")
    await anon.login(world.bob.email)
    assert anon.raw.cookies.get("session") != alice_token
    assert (await me_with(app, {"session": alice_token or ""})).status_code == 401
    assert (await anon.get("/api/v1/me")).json()["id"] == world.bob.id


async def test_page_login_also_rotates_the_token(app: Litestar, anon: Client, world: factories.World) -> None:
    first = await anon.login(world.alice.email)
    old = cookie_value(set_cookies(first)["session"])
    r = await anon.submit("/login", {"email": world.alice.email, "password": factories.PASSWORD})
    new = cookie_value(set_cookies(r)["session"])
    assert new != old
    assert (await me_with(app, {"session": old})).status_code == 401
    assert (await me_with(app, {"session": new})).status_code == 200


async def test_sessions_of_two_browsers_are_independent(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    laptop = await client_factory(world.alice)
    phone = await client_factory(world.alice)
    assert laptop.raw.cookies.get("session") != phone.raw.cookies.get("session")
    assert (await laptop.post("/api/v1/auth/logout")).status_code == 204
    assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await phone.get("/api/v1/me")).status_code == 200


async def test_session_cookie_invented_by_the_client_is_never_adopted(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    invented = "attacker-chosen-session-id-0123456789abcdefghij"
    anon.raw.cookies.set("session", invented, domain="testserver.local")
    assert (await anon.get("/api/v1/me")).status_code == 401
    r = await anon.login(world.alice.email)
    issued = cookie_value(set_cookies(r)["session"])
    assert issued != invented
    assert (await me_with(app, {"session": invented})).status_code == 401
    assert (await me_with(app, {"session": issued})).status_code == 200


async def test_only_a_hash_of_the_token_is_stored(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    r = await anon.login(world.alice.email)
    token = cookie_value(set_cookies(r)["session"])
    async with app.state.sessionmaker() as s:
        stored = list(await s.scalars(select(AuthSession.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


async def test_copied_cookie_is_dead_after_logout(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    await anon.login(world.alice.email)
    copied = {"session": anon.raw.cookies.get("session") or ""}
    assert (await me_with(app, copied)).status_code == 200
    assert (await anon.post("/api/v1/auth/logout")).status_code == 204
    assert (await me_with(app, copied)).status_code == 401


async def test_copied_cookie_is_dead_after_page_logout(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    await anon.login(world.alice.email)
    copied = {"session": anon.raw.cookies.get("session") or ""}
    assert (await anon.submit("/logout")).status_code in (302, 303)
    assert (await me_with(app, copied)).status_code == 401


async def test_overlong_or_garbage_session_cookie_is_just_anonymous(
    app: Litestar, world: factories.World
) -> None:
    for value in ("x" * 5000, "%00", "' OR 1=1 --", ""):
        r = await me_with(app, {"session": value})
        assert r.status_code == 401, value


async def test_session_and_csrf_cookies_are_httponly_and_samesite_lax(
    anon: Client, world: factories.World
) -> None:
    csrf = await anon.raw.get("/api/v1/auth/csrf")
    login = await anon.login(world.alice.email)
    for line in (set_cookies(csrf)["csrftoken"], set_cookies(login)["session"]):
        attrs = cookie_attributes(line)
        assert "httponly" in attrs, line
        assert attrs["samesite"].lower() == "lax", line
        assert attrs["path"] == "/", line
        assert "domain" not in attrs, line
    assert "secure" not in cookie_attributes(
        set_cookies(login)["session"]
    )  # plain http in tests and development


async def test_production_cookies_are_host_prefixed_and_secure(
    apps: AppFactory, world: factories.World
) -> None:
    app = apps.app(environment="production")
    # https, so that httpx sends Secure cookies back as a browser would
    client = apps.client(app, https=True)
    csrf = await client.raw.get("/api/v1/auth/csrf")
    csrf_line = set_cookies(csrf)["__Host-csrftoken"]
    token = client.raw.cookies.get("__Host-csrftoken") or ""
    login = await client.raw.post(
        "/api/v1/auth/login",
        json={"email": world.alice.email, "password": factories.PASSWORD},
        headers={"x-csrftoken": token},
    )
    assert login.status_code == 200, login.text
    cookies = set_cookies(login)
    assert "session" not in cookies
    session_line = cookies["__Host-session"]
    for line in (csrf_line, session_line):
        attrs = cookie_attributes(line)
        assert "secure" in attrs, line
        assert "httponly" in attrs, line
        assert attrs["samesite"].lower() == "lax", line
        assert attrs["path"] == "/", line  # required by the __Host- prefix
        assert "domain" not in attrs, line  # likewise
    assert login.headers["strict-transport-security"].startswith("max-age=")
    me = await client.raw.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == world.alice.id
    # the development cookie name means nothing in production
    stray = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local")
    async with stray:
        stray.cookies.set("session", cookie_value(session_line), domain="testserver.local")
        assert (await stray.get("/api/v1/me")).status_code == 401
