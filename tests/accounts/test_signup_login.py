"""Sign-up, log-in and log-out, through the pages (forms) and the JSON API."""

from __future__ import annotations

from litestar import Litestar

from tests import factories
from tests.conftest import Client, ClientFactory
from tests.security.support import (
    account_by_email,
    assert_problem,
    count_accounts,
    count_sessions,
    field_error,
    form_error,
    set_cookies,
)

NEW_PASSWORD = "a long enough passphrase"
SIGNUP = {"email": "Nadia@Example.ORG", "display_name": "Nadia New", "password": NEW_PASSWORD}


async def assert_stored_safely(app: Litestar, email: str, name: str) -> None:
    account = await account_by_email(app, email)
    assert account is not None
    assert account.display_name == name
    assert account.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in account.password_hash
    assert account.terms_accepted_at is not None
    assert account.is_organizer is False


# --- API -------------------------------------------------------------------------------------------


async def test_api_signup_creates_account_with_argon2id_hash_and_logs_in(app: Litestar, anon: Client) -> None:
    r = await anon.post("/api/v1/auth/signup", json={**SIGNUP, "accept_terms": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {
        "id": body["id"],
        "email": "nadia@example.org",
        "display_name": "Nadia New",
        "is_organizer": False,
        "hosts": [],
    }
    assert "session" in set_cookies(r)
    await assert_stored_safely(app, "nadia@example.org", "Nadia New")
    me = await anon.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json() == body


async def test_api_signup_without_accepting_terms_is_refused_naming_the_field(
    app: Litestar, anon: Client
) -> None:
    r = await anon.post("/api/v1/auth/signup", json=SIGNUP)
    assert_problem(
        r,
        422,
        errors=[
            {"field": "accept_terms", "message": "Please accept the terms and the privacy notice to sign up."}
        ],
    )
    assert "session" not in set_cookies(r)
    assert await count_accounts(app) == 0


async def test_api_signup_with_short_password_is_refused_naming_the_field(
    app: Litestar, anon: Client
) -> None:
    r = await anon.post("/api/v1/auth/signup", json={**SIGNUP, "password": "short", "accept_terms": True})
    assert_problem(r, 400, errors=[{"field": "password", "message": "Must be at least 10 characters long."}])
    assert await count_accounts(app) == 0


async def test_api_signup_with_existing_email_in_other_case_is_refused(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    before = await count_accounts(app)
    r = await anon.post(
        "/api/v1/auth/signup", json={**SIGNUP, "email": "ALICE@example.org", "accept_terms": True}
    )
    assert_problem(
        r, 409, title="Conflict", detail="An account with this email already exists. Log in instead."
    )
    assert await count_accounts(app) == before
    alice = await account_by_email(app, "alice@example.org")
    assert alice is not None and alice.display_name == "Alice Participant"


async def test_api_signup_cannot_make_itself_organizer(app: Litestar, anon: Client) -> None:
    r = await anon.post("/api/v1/auth/signup", json={**SIGNUP, "accept_terms": True, "is_organizer": True})
    assert_problem(r, 400, errors=[{"field": "is_organizer", "message": "Unknown field."}])
    assert await count_accounts(app) == 0


async def test_api_login_returns_account_and_sets_session(anon: Client, world: factories.World) -> None:
    r = await anon.post(
        "/api/v1/auth/login", json={"email": "Alice@Example.org", "password": factories.PASSWORD}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": world.alice.id,
        "email": "alice@example.org",
        "display_name": "Alice Participant",
        "is_organizer": False,
        "hosts": [],
    }
    me = await anon.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == world.alice.id


async def test_api_login_lists_the_hosts_of_a_member(anon: Client, world: factories.World) -> None:
    await anon.login(world.member_a.email)
    me = await anon.get("/api/v1/me")
    assert me.json()["hosts"] == [{"slug": "leuven-lab", "name": "Leuven Lab"}]


async def test_api_wrong_password_and_unknown_email_get_the_same_answer(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    wrong = await anon.post(
        "/api/v1/auth/login", json={"email": "alice@example.org", "password": "not the password"}
    )
    unknown = await anon.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "not the password"}
    )
    body = assert_problem(wrong, 401, title="Log-in failed", detail="Email or password is incorrect.")
    assert unknown.status_code == wrong.status_code
    assert unknown.json() == body
    assert set_cookies(wrong).keys() == set_cookies(unknown).keys()
    assert "session" not in set_cookies(wrong)
    assert await count_sessions(app) == 0
    assert (await anon.get("/api/v1/me")).status_code == 401


async def test_api_me_is_refused_to_the_anonymous(anon: Client) -> None:
    assert_problem(await anon.get("/api/v1/me"), 401, title="Not authenticated", detail="Log in to continue.")


async def test_api_logout_ends_the_session(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    assert await count_sessions(app) == 1
    r = await alice.post("/api/v1/auth/logout")
    assert r.status_code == 204
    cleared = set_cookies(r)["session"]
    assert cleared.startswith('session="";') or cleared.startswith("session=;")
    assert "Max-Age=0" in cleared
    assert await count_sessions(app) == 0
    assert (await alice.get("/api/v1/me")).status_code == 401


# --- pages -----------------------------------------------------------------------------------------


async def test_signup_page_shows_the_form(anon: Client) -> None:
    r = await anon.get("/signup")
    assert r.status_code == 200
    assert '<form method="post" action="/signup"' in r.text
    assert 'name="_csrf_token"' in r.text
    for name in ("display_name", "email", "password", "accept_terms"):
        assert f'name="{name}"' in r.text


async def test_signup_page_creates_account_logs_in_and_redirects(app: Litestar, anon: Client) -> None:
    r = await anon.submit("/signup", {**SIGNUP, "accept_terms": "on", "next": "/me/registrations"})
    assert r.status_code in (302, 303), r.text
    assert r.headers["location"] == "/me/registrations"
    assert "session" in set_cookies(r)
    await assert_stored_safely(app, "nadia@example.org", "Nadia New")
    me = await anon.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "nadia@example.org"
    page = await anon.get("/me/registrations")
    assert page.status_code == 200
    assert "Welcome! Your account is ready." in page.text


async def test_signup_page_without_terms_shows_error_next_to_the_checkbox(
    app: Litestar, anon: Client
) -> None:
    r = await anon.submit("/signup", SIGNUP)
    assert r.status_code == 422
    assert field_error(r.text, "accept_terms") == "Please accept the terms and the privacy notice to sign up."
    assert 'value="Nadia New"' in r.text  # what was typed is kept
    assert NEW_PASSWORD not in r.text  # except the password
    assert "session" not in set_cookies(r)
    assert await count_accounts(app) == 0


async def test_signup_page_with_short_password_shows_error_next_to_the_field(
    app: Litestar, anon: Client
) -> None:
    r = await anon.submit("/signup", {**SIGNUP, "password": "short", "accept_terms": "on"})
    assert r.status_code == 422
    assert field_error(r.text, "password") == "Must be at least 10 characters long."
    assert 'aria-describedby="hint-password error-password"' in r.text
    assert field_error(r.text, "email") is None
    assert await count_accounts(app) == 0


async def test_signup_page_with_existing_email_in_other_case_is_refused(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    before = await count_accounts(app)
    r = await anon.submit("/signup", {**SIGNUP, "email": "Bob@EXAMPLE.org", "accept_terms": "on"})
    assert r.status_code == 409
    assert form_error(r.text) == "An account with this email already exists. Log in instead."
    assert await count_accounts(app) == before


async def test_login_page_logs_in_and_redirects_to_next(anon: Client, world: factories.World) -> None:
    r = await anon.submit(
        "/login", {"email": "alice@example.org", "password": factories.PASSWORD, "next": "/me/registrations"}
    )
    assert r.status_code in (302, 303)
    assert r.headers["location"] == "/me/registrations"
    assert "session" in set_cookies(r)
    assert (await anon.get("/api/v1/me")).json()["id"] == world.alice.id


async def test_login_page_never_redirects_off_site(anon: Client, world: factories.World) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client_response = await anon.submit(
            "/login", {"email": "alice@example.org", "password": factories.PASSWORD, "next": target}
        )
        assert client_response.status_code in (302, 303)
        assert client_response.headers["location"] == "/", target


async def test_login_page_wrong_password_and_unknown_email_get_the_same_answer(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    wrong = await anon.submit("/login", {"email": "alice@example.org", "password": "not the password"})
    unknown = await anon.submit("/login", {"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert form_error(wrong.text) == form_error(unknown.text) == "Email or password is incorrect."
    assert field_error(wrong.text, "email") is None and field_error(unknown.text, "email") is None
    assert "session" not in set_cookies(wrong) and "session" not in set_cookies(unknown)
    assert await count_sessions(app) == 0


async def test_logout_page_ends_the_session_and_redirects_home(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.submit("/logout")
    assert r.status_code in (302, 303)
    assert r.headers["location"] == "/"
    assert "Max-Age=0" in set_cookies(r)["session"]
    assert await count_sessions(app) == 0
    assert (await alice.get("/api/v1/me")).status_code == 401
    home = await alice.get("/")
    assert "You are logged out." in home.text
