"""Verified e-mail: sign-up sends a single-use link (48 hours) to confirm the address with a button (never on
GET: mail scanners follow links); joining a challenge needs a verified address; a new link on request."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import EmailTokenPurpose, Registration
from tests import factories
from tests.accounts.helpers import account, count, link_path, messages, token_of, token_row
from tests.conftest import Client, ClientFactory
from tests.security.support import AppFactory, account_by_email, assert_problem, set_cookies

SIGNUP = {
    "email": "Nadia@Example.org",
    "display_name": "Nadia New",
    "password": "a long enough passphrase",
    "accept_terms": True,
}
NOT_VERIFIED = (
    "Verify your email address before joining a challenge: follow the link we sent to nadia@example.org. "
    "No e-mail? Ask for a new link at /me/verify-email."
)
BROKEN = "This link has expired or was already used: ask for a new one."


async def signup(anon: Client) -> int:
    r = await anon.post("/api/v1/auth/signup", json=SIGNUP)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_api_signup_writes_one_verification_message_with_a_single_use_link(
    app: Litestar, anon: Client
) -> None:
    account_id = await signup(anon)
    [message] = await messages(app)
    assert (message.kind, message.to_address, message.account_id) == (
        "verify_email",
        "nadia@example.org",
        account_id,
    )
    assert message.subject == "Confirm your email address for DigiEduHack"
    assert message.sent_at is None
    assert message.text_body.startswith("Hello Nadia New,\n")
    path = await link_path(app, "nadia@example.org", "verify_email")
    assert path.startswith("/verify-email/")
    token = token_of(path)
    row = await token_row(app, token)
    # the table keeps only the SHA-256 of the token
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert (row.account_id, row.purpose, row.used_at) == (account_id, EmailTokenPurpose.VERIFY_EMAIL, None)
    assert row.expires_at - row.created_at == timedelta(hours=48)
    assert (await account(app, account_id)).email_verified_at is None


async def test_page_signup_writes_the_verification_message_too(app: Litestar, anon: Client) -> None:
    r = await anon.submit("/signup", {**SIGNUP, "accept_terms": "on"})
    assert r.status_code == 302, r.text
    assert [m.kind for m in await messages(app, to_address="nadia@example.org")] == ["verify_email"]
    page = await anon.get("/")
    assert "We sent you an e-mail: follow its link to confirm your address" in page.text
    assert '<a href="/me/verify-email">Send a new link</a>' in page.text


async def test_link_shows_a_button_and_only_the_post_verifies_once(
    app: Litestar, anon: Client, client_factory: ClientFactory
) -> None:
    account_id = await signup(anon)
    path = await link_path(app, "nadia@example.org", "verify_email")
    # opened in another browser, logged out: a mail scanner following the link changes nothing
    other = await client_factory()
    shown = await other.get(path)
    assert shown.status_code == 200
    assert f'<form method="post" action="{path}">' in shown.text
    assert "Confirm my email address" in shown.text
    assert (await account(app, account_id)).email_verified_at is None

    r = await other.submit(path)
    assert r.status_code == 302
    assert r.headers["location"] == "/"
    assert "Your email address is verified" in (await other.get("/")).text
    verified = (await account(app, account_id)).email_verified_at
    assert verified is not None
    assert (await token_row(app, token_of(path))).used_at == verified

    # single use: the page, the form and the API all say so
    assert (await other.get(path)).status_code == 410
    again = await other.submit(path)
    assert again.status_code == 410 and BROKEN in again.text
    assert_problem(await other.post(f"/api/v1/auth{path}"), 410, detail=BROKEN)
    assert (await account(app, account_id)).email_verified_at == verified


async def test_api_verifies_with_the_token(app: Litestar, anon: Client) -> None:
    account_id = await signup(anon)
    path = await link_path(app, "nadia@example.org", "verify_email")
    r = await anon.post(f"/api/v1/auth{path}")
    assert r.status_code == 200, r.text
    assert r.json() == {"detail": "Your email address is verified: you can join challenges."}
    assert (await account(app, account_id)).email_verified_at is not None
    assert_problem(await anon.post(f"/api/v1/auth{path}"), 410, title="Gone", detail=BROKEN)


async def test_link_works_for_48_hours_only(app: Litestar, anon: Client) -> None:
    account_id = await signup(anon)
    path = await link_path(app, "nadia@example.org", "verify_email")
    row = await token_row(app, token_of(path))
    app.state.clock = FixedClock(row.expires_at)
    assert (await anon.get(path)).status_code == 410
    assert_problem(await anon.post(f"/api/v1/auth{path}"), 410, detail=BROKEN)
    assert (await account(app, account_id)).email_verified_at is None
    app.state.clock = FixedClock(row.expires_at - timedelta(minutes=1))
    assert (await anon.post(f"/api/v1/auth{path}")).status_code == 200
    assert (await account(app, account_id)).email_verified_at == row.expires_at - timedelta(minutes=1)


async def test_unknown_or_mangled_link_is_not_found(anon: Client) -> None:
    detail = "This link is not valid: check that you copied all of it, or ask for a new one."
    assert (await anon.get("/verify-email/nope")).status_code == 404
    assert_problem(await anon.post("/api/v1/auth/verify-email/nope"), 404, detail=detail)
    assert_problem(await anon.post(f"/api/v1/auth/verify-email/{'x' * 500}"), 404, detail=detail)


async def test_a_reset_link_does_not_verify(app: Litestar, anon: Client) -> None:
    await signup(anon)
    assert (
        await anon.post("/api/v1/auth/password-reset", json={"email": "nadia@example.org"})
    ).status_code == 202
    path = await link_path(app, "nadia@example.org", "reset_password")
    assert (await anon.post(f"/api/v1/auth/verify-email/{token_of(path)}")).status_code == 404


async def test_unverified_account_cannot_join_until_it_verifies(
    app: Litestar, db: AsyncSession, anon: Client, world: factories.World
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    account_id = await signup(anon)
    r = await anon.post(f"/api/v1/challenges/{c.slug}/registration")
    assert_problem(r, 403, title="Email not verified", detail=NOT_VERIFIED)
    page = await anon.submit(f"/challenges/{c.slug}/join")
    assert page.status_code == 403
    assert NOT_VERIFIED in page.text
    assert '<a href="/me/verify-email">Send a new link</a>' in page.text
    assert await count(app, Registration, Registration.account_id == account_id) == 0

    await anon.post(f"/api/v1/auth{await link_path(app, 'nadia@example.org', 'verify_email')}")
    joined = await anon.post(f"/api/v1/challenges/{c.slug}/registration")
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "confirmed"


async def test_unverified_account_asks_for_a_new_link_within_limits(apps: AppFactory) -> None:
    app = apps.app(verify_resend_attempts=2)
    client = apps.client(app)
    account_id = await signup(client)
    first = await link_path(app, "nadia@example.org", "verify_email")
    r = await client.post("/api/v1/me/verify-email")
    assert r.status_code == 202, r.text
    assert r.json() == {"detail": "We sent a new link to nadia@example.org. It works once, within 48 hours."}
    page = await client.submit("/me/verify-email")
    assert page.status_code == 302 and page.headers["location"] == "/me/verify-email"
    assert "We sent you a new link" in (await client.get("/me/verify-email")).text
    sent = await messages(app, to_address="nadia@example.org", kind="verify_email")
    assert len(sent) == 3
    newest = await link_path(app, "nadia@example.org", "verify_email")
    assert newest != first
    # the third request in the window is refused, page and API alike, and sends nothing
    throttled = await client.post("/api/v1/me/verify-email")
    body = assert_problem(throttled, 429, title="Too many requests")
    assert body["detail"] == f"Too many attempts. Try again in {throttled.headers['retry-after']} seconds."
    assert 1 <= int(throttled.headers["retry-after"]) <= app.state.settings.rate_limit_window
    assert (await client.submit("/me/verify-email")).status_code == 429
    assert len(await messages(app, to_address="nadia@example.org")) == 3
    # every link sent works (each once)
    assert (await client.post(f"/api/v1/auth{first}")).status_code == 200
    assert (await account(app, account_id)).email_verified_at is not None


async def test_verified_account_gets_no_new_link(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    assert_problem(
        await alice.post("/api/v1/me/verify-email"), 409, detail="Your email address is already verified."
    )
    page = await alice.get("/me/verify-email")
    assert "Your email address alice@example.org is verified." in page.text
    assert "verify-notice" not in page.text
    assert await messages(app) == []


async def test_verification_link_works_while_logged_in_as_someone_else_only_for_its_owner(
    app: Litestar, anon: Client, client_factory: ClientFactory, world: factories.World
) -> None:
    await signup(anon)
    path = await link_path(app, "nadia@example.org", "verify_email")
    bob = await client_factory(world.bob)
    assert (await bob.submit(path)).status_code == 302
    nadia = await account_by_email(app, "nadia@example.org")
    assert nadia is not None and nadia.email_verified_at is not None
    assert "session" not in set_cookies(await bob.submit(path))  # no log-in as the link's owner either
    async with app.state.sessionmaker() as s:
        assert (await s.scalar(select(Registration.id))) is None
