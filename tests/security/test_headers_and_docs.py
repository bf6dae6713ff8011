"""Security headers on every kind of response; JSON endpoints take JSON only; the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from tests import factories
from tests.conftest import Client
from tests.security.support import assert_problem, count_accounts, count_sessions, set_cookies


def assert_security_headers(r: httpx.Response, what: str) -> None:
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (what, csp)
    assert "default-src 'self'" in csp, (what, csp)
    assert "object-src 'none'" in csp, (what, csp)
    assert r.headers.get("x-content-type-options") == "nosniff", what
    assert r.headers.get("referrer-policy") == "same-origin", what
    assert r.headers.get("x-frame-options") == "DENY", what


KINDS_OF_RESPONSE = [
    ("page", "GET", "/", 200),
    ("log-in page", "GET", "/login", 200),
    ("API response", "GET", "/api/v1/events", 200),
    ("page 404", "GET", "/no/such/page", 404),
    ("API 404", "GET", "/api/v1/no/such/thing", 404),
    ("API 401", "GET", "/api/v1/me", 401),
    ("page redirect to log-in", "GET", "/host", 302),
    ("API 405", "DELETE", "/api/v1/events", 405),
    ("CSRF refusal", "POST", "/api/v1/auth/logout", 403),
    ("bad input", "GET", "/api/v1/challenges?page=0", 400),
    ("page bad input", "GET", "/challenges/a%00b", 400),
    ("static file", "GET", "/static/css/app.css", 200),
    ("missing static file", "GET", "/static/css/nope.css", 404),
    ("OpenAPI document", "GET", "/schema/openapi.json", 200),
    ("API docs page", "GET", "/schema", 200),
]


async def test_security_headers_on_every_kind_of_response(world: factories.World, anon: Client) -> None:
    for what, method, path, status in KINDS_OF_RESPONSE:
        r = await anon.raw.request(method, path, follow_redirects=False)
        assert r.status_code == status, (what, r.text[:300])
        assert_security_headers(r, what)


async def test_security_headers_on_a_form_error_page(anon: Client) -> None:
    r = await anon.submit("/signup", {"email": "x@example.org", "display_name": "X", "password": "short"})
    assert r.status_code == 422
    assert_security_headers(r, "form error")


async def test_pages_are_strict_but_the_docs_page_may_run_its_inline_starter(anon: Client) -> None:
    page = (await anon.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in page and "unsafe-inline" not in page
    docs = (await anon.get("/schema")).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs


# --- JSON only --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", '{"email": "alice@example.org", "password": "correct horse battery"}'),
        ("application/x-www-form-urlencoded", "email=alice%40example.org&password=correct+horse+battery"),
        (
            "multipart/form-data; boundary=xyz",
            '--xyz\r\nContent-Disposition: form-data; name="email"\r\n\r\nalice@example.org\r\n--xyz--\r\n',
        ),
        ("", '{"email": "alice@example.org", "password": "correct horse battery"}'),
    ],
)
async def test_json_login_refuses_other_content_types_and_does_nothing(
    app: Litestar, anon: Client, world: factories.World, content_type: str, content: str
) -> None:
    headers = {"x-csrftoken": await anon.ensure_csrf()}
    if content_type:
        headers["content-type"] = content_type
    r = await anon.raw.post("/api/v1/auth/login", content=content, headers=headers)
    assert_problem(r, 415)
    assert "application/json" in r.json()["detail"]
    assert "session" not in set_cookies(r)
    assert await count_sessions(app) == 0
    assert (await anon.get("/api/v1/me")).status_code == 401


async def test_json_signup_sent_as_text_plain_creates_nothing(app: Litestar, anon: Client) -> None:
    body = (
        '{"email": "n@example.org", "display_name": "N", "password": "long enough pw", "accept_terms": true}'
    )
    r = await anon.post("/api/v1/auth/signup", content=body, headers={"content-type": "text/plain"})
    assert_problem(r, 415)
    assert await count_accounts(app) == 0


async def test_json_with_charset_is_accepted(anon: Client, world: factories.World) -> None:
    body = '{"email": "alice@example.org", "password": "correct horse battery"}'
    r = await anon.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert r.status_code == 200, r.text


# --- OpenAPI ------------------------------------------------------------------------------------------


async def test_openapi_document_is_served_and_lists_the_api(anon: Client) -> None:
    r = await anon.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "json" in r.headers["content-type"]
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "DigiEduHack manager API"
    paths = set(doc["paths"])
    assert {"/api/v1/auth/login", "/api/v1/challenges", "/api/v1/challenges/{slug}/registration"} <= paths
    assert all(p.startswith("/api/v1/") for p in paths), sorted(
        p for p in paths if not p.startswith("/api/v1/")
    )
    assert "session" in doc["components"]["securitySchemes"]


async def test_api_docs_page_loads_with_its_assets(anon: Client) -> None:
    r = await anon.get("/schema")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle(" in r.text
    assert '"/api/v1/auth/login"' in r.text  # the document is embedded in the page
    for asset in (
        "/static/vendor/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui.css",
        "/static/vendor/swagger-ui-standalone-preset.js",
    ):
        assert asset in r.text
        served = await anon.get(asset)
        assert served.status_code == 200, asset
