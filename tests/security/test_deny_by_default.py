"""Deny by default: every handler needs a logged-in user unless it is marked public, and the public ones are
exactly those listed here (adding one is a deliberate change to this test)."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import Client
from tests.security.support import assert_problem, endpoints, fill

PUBLIC = {
    ("GET", "/api/v1/auth/csrf"),
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/events/current"),
    ("GET", "/api/v1/events/{event_slug:str}"),
    ("GET", "/api/v1/challenges"),
    ("GET", "/api/v1/challenges/{slug:str}"),
    ("GET", "/api/v1/challenges/{slug:str}/calendar.ics"),
    ("GET", "/api/v1/challenges/{slug:str}/questions"),
    ("GET", "/api/v1/events/{event_slug:str}/calendar.ics"),
    ("GET", "/api/v1/challenges/calendar.ics"),
    ("GET", "/"),
    ("GET", "/challenges"),
    ("GET", "/challenges/{slug:str}"),
    ("GET", "/challenges/{slug:str}/calendar.ics"),
    ("GET", "/events/{event_slug:str}/calendar.ics"),
    ("GET", "/events"),
    ("GET", "/challenges/calendar.ics"),
    ("GET", "/schedule"),
    ("GET", "/events/{event_slug:str}/schedule"),
    ("GET", "/api/v1/hosts/{host_slug:str}"),
    ("GET", "/api/v1/hosts/{host_slug:str}/challenges"),
    ("GET", "/hosts/{host_slug:str}"),
    ("GET", "/invitations/{token:str}"),
    # the withdraw link of a registration e-mail: the signed token is the authorisation
    ("GET", "/registrations/withdraw/{token:str}"),
    ("POST", "/registrations/withdraw/{token:str}"),
    # the QR code image of a participant's check-in code (shown in e-mails): the signed token is the key
    ("GET", "/checkin/{token:str}/qr.svg"),
    ("GET", "/signup"),
    ("GET", "/privacy"),
    ("POST", "/signup"),
    ("GET", "/login"),
    ("POST", "/login"),
    # e-mailed single-use links (verify the address, choose a new password) and asking for a reset link
    ("POST", "/api/v1/auth/verify-email/{token:str}"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/{token:str}"),
    ("GET", "/verify-email/{token:str}"),
    ("POST", "/verify-email/{token:str}"),
    ("GET", "/password-reset"),
    ("POST", "/password-reset"),
    ("GET", "/password-reset/{token:str}"),
    ("POST", "/password-reset/{token:str}"),
    # static files and the OpenAPI document and its docs page (the routers are public as a whole)
    ("GET", "/static/{file_path:path}"),
    ("HEAD", "/static/{file_path:path}"),
    ("OPTIONS", "/static/{file_path:path}"),
    ("GET", "/schema"),
    ("OPTIONS", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("OPTIONS", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("OPTIONS", "/schema/openapi.json"),
    ("GET", "/schema/oauth2-redirect.html"),
    ("OPTIONS", "/schema/oauth2-redirect.html"),
}


async def path_values(db: AsyncSession, world: factories.World) -> dict[str, str]:
    c = await factories.challenge(db, world.event, world.host_a)
    invitation, token = await factories.invitation(db, world.host_a, "carla@example.org", world.member_a)
    return {
        "slug": c.slug,
        "host_slug": world.host_a.slug,
        "event_slug": world.event.slug,
        "token": token,
        "invitation_id": str(invitation.id),
        "registration_id": "1",
        "question_id": "1",
        "token_id": "1",
        "team_id": "1",
        "code": "ABCDEFGH",
        "file_path": "css/app.css",
        "path": "openapi.yaml",
    }


def test_public_handlers_are_exactly_the_expected_ones(app: Litestar) -> None:
    public = {(method, path) for method, path, handler in endpoints(app) if handler.opt.get("public")}
    assert public == PUBLIC, (
        f"newly public: {sorted(public - PUBLIC)}; no longer public: {sorted(PUBLIC - public)}"
    )


async def test_every_non_public_handler_refuses_the_anonymous(
    app: Litestar, db: AsyncSession, world: factories.World, anon: Client
) -> None:
    values = await path_values(db, world)
    checked: list[tuple[str, str]] = []
    for method, template, handler in endpoints(app):
        if handler.opt.get("public"):
            continue
        path = fill(template, values)
        # with a CSRF token, so that what answers is the guard, not the CSRF check
        r = await anon.request(method, path, follow_redirects=False)
        where = f"{method} {path}"
        if path.startswith("/api/"):
            assert_problem(r, 401, title="Not authenticated", detail="Log in to continue.")
        else:
            assert r.status_code in (302, 303), f"{where}: {r.status_code} {r.text[:200]}"
            location = r.headers["location"]
            if method == "GET":
                assert location == f"/login?next={quote(path)}", where
            else:  # back to the page the form was on (no Referer here: home)
                assert location == "/login?next=/", where
        checked.append((method, template))
    # the walk saw the routes we know of (API and pages, every method); else the walk is broken
    for known in [
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/auth/logout"),
        ("PUT", "/api/v1/challenges/{slug:str}"),
        ("DELETE", "/api/v1/challenges/{slug:str}/registration"),
        ("GET", "/host"),
        ("GET", "/organizer"),
        ("POST", "/challenges/{slug:str}/join"),
        ("GET", "/challenges/{slug:str}/roster.csv"),
        ("OPTIONS", "/api/v1/me"),
    ]:
        assert known in checked, known


async def test_page_form_posted_anonymously_sends_back_to_login_then_to_the_page(
    anon: Client, db: AsyncSession, world: factories.World
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    r = await anon.submit(
        f"/challenges/{c.slug}/join", headers={"referer": f"http://testserver.local/challenges/{c.slug}"}
    )
    assert r.status_code in (302, 303)
    assert r.headers["location"] == f"/login?next={quote(f'/challenges/{c.slug}')}"


async def test_public_handlers_answer_the_anonymous(
    app: Litestar, db: AsyncSession, world: factories.World, anon: Client
) -> None:
    values = await path_values(db, world)
    expected = {
        "/schema/{path:str}": 404,  # the only document kinds served are the JSON one and the docs page
        # an invitation's token is no e-mail link token: the page says the link is not valid
        "/verify-email/{token:str}": 404,
        "/password-reset/{token:str}": 404,
        "/registrations/withdraw/{token:str}": 404,  # an invitation's token is no signed withdraw token
        "/checkin/{token:str}/qr.svg": 404,  # nor a signed check-in code
    }
    for method, template, handler in endpoints(app):
        if not handler.opt.get("public") or method != "GET":
            continue
        path = fill(template, values)
        r = await anon.get(path, follow_redirects=False)
        assert r.status_code == expected.get(template, 200), f"GET {path}: {r.status_code} {r.text[:200]}"
