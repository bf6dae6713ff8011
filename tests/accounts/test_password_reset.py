"""Password reset by an e-mailed single-use link (one hour): the answer never says whether an address has an
account; the new password follows the sign-up rules and ends every session; requests are throttled per
client and per address."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from litestar import Litestar

from digieduhack.clock import FixedClock
from digieduhack.models import AuditEntry, AuthSession, EmailTokenPurpose
from tests import factories
from tests.accounts.helpers import account, count, link_path, messages, token_of, token_row
from tests.conftest import Client, ClientFactory
from tests.security.support import AppFactory, assert_problem, field_error, form_error, set_cookies

NEW = "a brand new passphrase"
ANSWER = (
    "If an account exists for {}, we sent a link to it to choose a new password. "
    "The link works once, within an hour."
)
BROKEN = "This link has expired or was already used: ask for a new one."


def without_csrf(html: str) -> str:
    return re.sub(r'"x-csrftoken": "[^"]*"|name="_csrf_token" value="[^"]*"', "", html)


async def ask(client: Client, email: str) -> httpx.Response:
    return await client.post("/api/v1/auth/password-reset", json={"email": email})


async def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_a_link(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    known = await ask(anon, "Alice@Example.org")
    unknown = await ask(anon, "nobody@example.org")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == {"detail": ANSWER.format("alice@example.org")}
    assert unknown.json() == {"detail": ANSWER.format("nobody@example.org")}
    assert set_cookies(known).keys() == set_cookies(unknown).keys()
    [message] = await messages(app)
    assert (message.kind, message.to_address, message.account_id) == (
        "reset_password",
        "alice@example.org",
        world.alice.id,
    )
    assert message.subject == "Choose a new password for DigiEduHack"
    row = await token_row(app, token_of(await link_path(app, "alice@example.org", "reset_password")))
    assert (row.account_id, row.purpose) == (world.alice.id, EmailTokenPurpose.RESET_PASSWORD)
    assert row.expires_at - row.created_at == timedelta(hours=1)


async def test_reset_page_answers_the_same_for_known_and_unknown_addresses(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    form = await anon.get("/password-reset")
    assert form.status_code == 200 and '<form method="post" action="/password-reset"' in form.text
    assert '<a href="/password-reset">Forgot your password?</a>' in (await anon.get("/login")).text
    known = await anon.submit("/password-reset", {"email": "bob@example.org"})
    unknown = await anon.submit("/password-reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert ANSWER.format("bob@example.org") in known.text
    assert ANSWER.format("nobody@example.org") in unknown.text
    # the whole page is the same but for the address typed (and the CSRF token)
    assert without_csrf(known.text).replace("bob@", "nobody@") == without_csrf(unknown.text)
    assert [m.to_address for m in await messages(app)] == ["bob@example.org"]
    bad = await anon.submit("/password-reset", {"email": "not an address"})
    assert bad.status_code == 422
    assert field_error(bad.text, "email") == "Enter an email address, like ada@example.org."


async def test_page_link_sets_the_new_password_ends_every_session_and_works_once(
    app: Litestar, anon: Client, client_factory: ClientFactory, world: factories.World
) -> None:
    logged_in = [await client_factory(world.alice), await client_factory(world.alice)]
    await ask(anon, "alice@example.org")
    path = await link_path(app, "alice@example.org", "reset_password")
    shown = await anon.get(path)
    assert shown.status_code == 200
    assert f'<form method="post" action="{path}"' in shown.text
    # the sign-up rules: at least 10 characters
    short = await anon.submit(path, {"password": "short"})
    assert short.status_code == 422
    assert field_error(short.text, "password") == "Must be at least 10 characters long."
    assert (await token_row(app, token_of(path))).used_at is None

    r = await anon.submit(path, {"password": NEW})
    assert r.status_code == 302 and r.headers["location"] == "/login"
    assert "Your password is changed and you are logged out everywhere" in (await anon.get("/login")).text
    assert await count(app, AuthSession, AuthSession.account_id == world.alice.id) == 0
    for client in logged_in:
        assert (await client.get("/api/v1/me")).status_code == 401
    assert (await token_row(app, token_of(path))).used_at is not None
    old = await anon.post(
        "/api/v1/auth/login", json={"email": "alice@example.org", "password": factories.PASSWORD}
    )
    assert old.status_code == 401
    await anon.login("alice@example.org", NEW)
    # used: the page and the form say so, the password stays
    assert (await anon.get(path)).status_code == 410
    again = await anon.submit(path, {"password": "yet another passphrase"})
    assert again.status_code == 410 and BROKEN in again.text
    await (await client_factory()).login("alice@example.org", NEW)
    assert (
        await count(
            app,
            AuditEntry,
            AuditEntry.action == "account.password_reset",
            AuditEntry.target == f"account:{world.alice.id}",
        )
        == 1
    )


async def test_api_link_sets_the_new_password_and_every_other_link_stops_working(
    app: Litestar, anon: Client, client_factory: ClientFactory, world: factories.World
) -> None:
    bob = await client_factory(world.bob)
    await ask(anon, "bob@example.org")
    first = await link_path(app, "bob@example.org", "reset_password")
    await ask(anon, "bob@example.org")
    second = await link_path(app, "bob@example.org", "reset_password")
    too_short = await anon.post(f"/api/v1/auth{second}", json={"password": "short"})
    assert_problem(
        too_short, 400, errors=[{"field": "password", "message": "Must be at least 10 characters long."}]
    )
    r = await anon.post(f"/api/v1/auth{second}", json={"password": NEW})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "detail": "Your password is changed and you are logged out everywhere: log in with the new one."
    }
    assert (await bob.get("/api/v1/me")).status_code == 401
    for path in (first, second):
        assert_problem(
            await anon.post(f"/api/v1/auth{path}", json={"password": "other passphrase"}), 410, detail=BROKEN
        )
    await anon.login("bob@example.org", NEW)


async def test_reset_link_expires_after_an_hour(app: Litestar, anon: Client, world: factories.World) -> None:
    await ask(anon, "alice@example.org")
    path = await link_path(app, "alice@example.org", "reset_password")
    row = await token_row(app, token_of(path))
    app.state.clock = FixedClock(row.created_at + timedelta(hours=1))
    assert (await anon.get(path)).status_code == 410
    assert_problem(await anon.post(f"/api/v1/auth{path}", json={"password": NEW}), 410, detail=BROKEN)
    app.state.clock = FixedClock(row.created_at + timedelta(minutes=59))
    assert (await anon.post(f"/api/v1/auth{path}", json={"password": NEW})).status_code == 200


async def test_reset_also_verifies_the_address_it_reached(app: Litestar, anon: Client) -> None:
    r = await anon.post(
        "/api/v1/auth/signup",
        json={
            "email": "nadia@example.org",
            "display_name": "Nadia",
            "password": "first passphrase",
            "accept_terms": True,
        },
    )
    account_id = r.json()["id"]
    await ask(anon, "nadia@example.org")
    path = await link_path(app, "nadia@example.org", "reset_password")
    assert (await anon.post(f"/api/v1/auth{path}", json={"password": NEW})).status_code == 200
    assert (await account(app, account_id)).email_verified_at is not None


async def test_reset_requests_are_throttled_per_client(apps: AppFactory, world: factories.World) -> None:
    app = apps.app(reset_attempts=2)
    client = apps.client(app, ip="203.0.113.7")
    assert (await ask(client, "alice@example.org")).status_code == 202
    assert (await ask(client, "nobody@example.org")).status_code == 202
    # the third, known address or not, is refused the same way, and sends nothing
    for email in ("bob@example.org", "someone@example.org"):
        r = await ask(client, email)
        body = assert_problem(r, 429, title="Too many requests")
        assert body["detail"] == f"Too many attempts. Try again in {r.headers['retry-after']} seconds."
        assert 1 <= int(r.headers["retry-after"]) <= app.state.settings.rate_limit_window
    page = await client.submit("/password-reset", {"email": "bob@example.org"})
    assert page.status_code == 429 and "retry-after" in page.headers
    assert form_error(page.text) == f"Too many attempts. Try again in {page.headers['retry-after']} seconds."
    assert [m.to_address for m in await messages(app)] == ["alice@example.org"]
    other = apps.client(app, ip="198.51.100.9")
    assert (await ask(other, "bob@example.org")).status_code == 202


async def test_reset_requests_for_one_address_are_throttled_across_clients(
    apps: AppFactory, world: factories.World
) -> None:
    app = apps.app(reset_attempts=2)
    for n, email in enumerate(("alice@example.org", "ALICE@example.org")):
        assert (await ask(apps.client(app, ip=f"203.0.113.{n + 1}"), email)).status_code == 202
    known = await ask(apps.client(app, ip="203.0.113.50"), "alice@example.org")
    assert_problem(known, 429, title="Too many requests")
    assert len(await messages(app, to_address="alice@example.org")) == 2
    # an unknown address is throttled just the same
    for n in range(2):
        assert (
            await ask(apps.client(app, ip=f"198.51.100.{n + 1}"), "nobody@example.org")
        ).status_code == 202
    unknown = await ask(apps.client(app, ip="198.51.100.50"), "nobody@example.org")
    assert_problem(unknown, 429, title="Too many requests")
    assert unknown.json().keys() == known.json().keys()
