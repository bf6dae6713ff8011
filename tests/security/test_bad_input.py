"""Bad input is a 4xx with a precise message, never a 500, and nothing is written."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import Client
from tests.security.support import assert_problem, count_accounts, count_sessions, field_error

PASSWORD = "a long enough passphrase"
SIGNUP: dict[str, Any] = {
    "email": "nadia@example.org",
    "display_name": "Nadia",
    "password": PASSWORD,
    "accept_terms": True,
}
NUL_REFUSED = "The request contains a NUL character, which is not allowed."


async def test_nul_byte_in_json_string_field_is_refused_and_nothing_written(
    app: Litestar, anon: Client
) -> None:
    for field in ("display_name", "email", "password"):
        r = await anon.post("/api/v1/auth/signup", json={**SIGNUP, field: "a\u0000b"})
        assert_problem(r, 400, title="Bad request")
        assert "NUL" in r.json()["detail"], field
    assert await count_accounts(app) == 0


async def test_nul_byte_in_login_is_refused(app: Litestar, anon: Client, world: factories.World) -> None:
    r = await anon.post("/api/v1/auth/login", json={"email": "alice@example.org\u0000", "password": "x"})
    assert_problem(r, 400)
    assert await count_sessions(app) == 0


async def test_nul_byte_in_page_form_is_a_field_error(app: Litestar, anon: Client) -> None:
    r = await anon.submit("/signup", {**SIGNUP, "display_name": "a\x00b", "accept_terms": "on"})
    assert r.status_code == 422
    assert field_error(r.text, "display_name") == "Contains characters that are not allowed."
    assert await count_accounts(app) == 0


async def test_nul_byte_in_query_string_is_refused(anon: Client, world: factories.World) -> None:
    assert_problem(await anon.get("/api/v1/challenges?event=a%00b"), 400, detail=NUL_REFUSED)
    page = await anon.get("/challenges?event=a%00b")
    assert page.status_code == 400
    assert NUL_REFUSED in page.text


async def test_nul_byte_in_path_is_refused(anon: Client, db: AsyncSession, world: factories.World) -> None:
    assert_problem(await anon.get("/api/v1/challenges/a%00b"), 400, detail=NUL_REFUSED)
    assert_problem(await anon.get("/api/v1/events/a%00b"), 400, detail=NUL_REFUSED)
    page = await anon.get("/challenges/a%00b")
    assert page.status_code == 400
    assert NUL_REFUSED in page.text


async def test_overlong_strings_are_refused_naming_the_field(app: Litestar, anon: Client) -> None:
    cases = [
        ({**SIGNUP, "email": "x" * 250 + "@example.org"}, "email", "Must be at most 254 characters long."),
        ({**SIGNUP, "display_name": "N" * 101}, "display_name", "Must be at most 100 characters long."),
        ({**SIGNUP, "password": "p" * 201}, "password", "Must be at most 200 characters long."),
    ]
    for body, field, message in cases:
        r = await anon.post("/api/v1/auth/signup", json=body)
        assert_problem(r, 400, errors=[{"field": field, "message": message}])
    r = await anon.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "p" * 201})
    assert_problem(r, 400, errors=[{"field": "password", "message": "Must be at most 200 characters long."}])
    r = await anon.get("/api/v1/challenges?event=" + "e" * 41)
    assert_problem(r, 400)
    assert r.json()["errors"][0]["field"] == "event"
    assert await count_accounts(app) == 0


async def test_overlong_strings_in_page_form_are_field_errors(app: Litestar, anon: Client) -> None:
    r = await anon.submit("/signup", {**SIGNUP, "display_name": "N" * 101, "accept_terms": "on"})
    assert r.status_code == 422
    assert field_error(r.text, "display_name") == "Must be at most 100 characters long."
    assert await count_accounts(app) == 0


async def test_overlong_slug_in_path_is_not_found(anon: Client, world: factories.World) -> None:
    assert_problem(await anon.get("/api/v1/challenges/" + "s" * 500), 404)
    assert (await anon.get("/challenges/" + "s" * 500)).status_code == 404


async def test_huge_body_is_refused_with_413_and_nothing_written(app: Litestar, anon: Client) -> None:
    huge = {**SIGNUP, "display_name": "N" * 1_100_000}
    r = await anon.post("/api/v1/auth/signup", json=huge)
    assert_problem(r, 413)
    assert r.headers["x-content-type-options"] == "nosniff"
    form = {**SIGNUP, "display_name": "N" * 1_100_000, "accept_terms": "on"}
    page = await anon.raw.post("/signup", data=form, headers={"x-csrftoken": await anon.ensure_csrf()})
    assert page.status_code == 413
    assert await count_accounts(app) == 0


async def test_integers_out_of_range_are_refused_naming_the_parameter(
    anon: Client, world: factories.World
) -> None:
    cases = {
        "page=99999999999": ("page", "Must be 100000 or less."),
        "page=99999999999999999999999999": ("page", None),
        "page=0": ("page", "Must be 1 or more."),
        "page=-1": ("page", "Must be 1 or more."),
        "page=abc": ("page", None),
        "per_page=101": ("per_page", "Must be 100 or less."),
        "per_page=0": ("per_page", "Must be 1 or more."),
    }
    for query, (field, message) in cases.items():
        r = await anon.get(f"/api/v1/challenges?{query}")
        body = assert_problem(r, 400)
        assert [e["field"] for e in body["errors"]] == [field], query
        if message:
            assert body["errors"][0]["message"] == message, query
    page = await anon.get("/challenges?page=99999999999")
    assert 400 <= page.status_code < 500


async def test_wrong_json_types_and_shapes_are_refused(app: Litestar, anon: Client) -> None:
    for body in (
        {**SIGNUP, "accept_terms": "yes please"},
        {**SIGNUP, "email": 12345},
        {**SIGNUP, "display_name": None},
        {**SIGNUP, "display_name": ["a"]},
    ):
        r = await anon.post("/api/v1/auth/signup", json=body)
        assert_problem(r, 400)
    for raw in (b"[]", b'"text"', b"{", b"", b"null", b'{"email": "\xff"}'):
        r = await anon.post("/api/v1/auth/signup", content=raw, headers={"content-type": "application/json"})
        assert_problem(r, 400)
    r = await anon.post("/api/v1/auth/signup", json={"email": "nadia@example.org"})
    body = assert_problem(r, 400)
    assert body["errors"][0]["field"] == "display_name"
    assert await count_accounts(app) == 0
