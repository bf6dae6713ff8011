"""The profile: name, country, what one does, coder or not, language, contact consent (the time zone has its
own page, /me/timezone, with the same check); one struct for the page and the API, errors by field."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Litestar

from digieduhack.clock import FixedClock
from digieduhack.models import Occupation
from tests import factories
from tests.accounts.helpers import account
from tests.conftest import ClientFactory
from tests.security.support import assert_problem, field_error

NOW = datetime(2030, 5, 4, 10, 0, tzinfo=UTC)
PROFILE = {
    "display_name": "Alice P.",
    "country": "br",
    "occupation": "teacher",
    "is_coder": False,
    "locale": "en",
    "timezone": "America/Recife",
    "contact_consent": True,
}


async def test_api_profile_reads_and_changes_every_field(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    app.state.clock = FixedClock(NOW)
    alice = await client_factory(world.alice)
    r = await alice.get("/api/v1/me/profile")
    assert r.status_code == 200
    assert r.json() == {
        "email": "alice@example.org",
        "email_verified": True,
        "display_name": "Alice Participant",
        "country": "PT",
        "occupation": None,
        "is_coder": None,
        "locale": "en",
        "timezone": None,
        "contact_consent": False,
        "contact_consent_at": None,
    }
    r = await alice.put("/api/v1/me/profile", json=PROFILE)
    assert r.status_code == 200, r.text
    expected = {
        **r.json(),
        "display_name": "Alice P.",
        "country": "BR",
        "occupation": "teacher",
        "is_coder": False,
        "timezone": "America/Recife",
        "contact_consent": True,
        "contact_consent_at": "2030-05-04T10:00:00Z",
    }
    assert r.json() == expected
    assert (await alice.get("/api/v1/me/profile")).json() == expected
    stored = await account(app, world.alice.id)
    assert (stored.occupation, stored.is_coder, stored.contact_consent_at) == (Occupation.TEACHER, False, NOW)
    # consent keeps its first date while it holds, and is cleared when withdrawn
    app.state.clock = FixedClock(NOW.replace(day=10))  # within the session
    assert (await alice.put("/api/v1/me/profile", json=PROFILE)).json()[
        "contact_consent_at"
    ] == "2030-05-04T10:00:00Z"
    withdrawn = await alice.put("/api/v1/me/profile", json={**PROFILE, "contact_consent": False})
    assert (withdrawn.json()["contact_consent"], withdrawn.json()["contact_consent_at"]) == (False, None)
    assert (await account(app, world.alice.id)).contact_consent_at is None


async def test_api_profile_refuses_bad_values_naming_each_field_and_saves_nothing(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.put(
        "/api/v1/me/profile",
        json={**PROFILE, "display_name": "   ", "country": "XX", "timezone": "Mars/Olympus"},
    )
    assert_problem(
        r,
        422,
        errors=[
            {"field": "display_name", "message": "Enter your name."},
            {"field": "country", "message": "'XX' is not a country code (ISO 3166-1 alpha-2), e.g. BE."},
            {
                "field": "timezone",
                "message": "'Mars/Olympus' is not a known IANA time zone, e.g. Europe/Brussels.",
            },
        ],
    )
    for field, value, message in [
        ("occupation", "astronaut", "'astronaut' is not one of the allowed choices."),
        ("locale", "fr", "'fr' is not one of the allowed choices."),
        ("is_organizer", True, "Unknown field."),
    ]:
        r = await alice.put("/api/v1/me/profile", json={**PROFILE, field: value})
        assert_problem(r, 400, errors=[{"field": field, "message": message}])
    stored = await account(app, world.alice.id)
    assert (stored.display_name, stored.country, stored.timezone, stored.is_organizer) == (
        "Alice Participant",
        "PT",
        None,
        False,
    )


async def test_profile_page_shows_and_saves_the_form_keeping_the_time_zone(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    assert (await alice.submit("/me/timezone", {"timezone": "Asia/Tokyo"})).status_code == 302
    page = await alice.get("/me/profile")
    assert page.status_code == 200
    assert '<option value="PT" selected>Portugal</option>' in page.text
    assert '<option value="ZZ"' not in page.text and '<option value="EU"' not in page.text
    assert "Times are shown in Asia/Tokyo too." in page.text
    assert '<a href="/me/timezone">Change your time zone</a>' in page.text
    assert 'href="/api/v1/me/export"' in page.text and 'href="/me/delete"' in page.text

    form = {
        "display_name": "Alice Pereira",
        "country": "KE",
        "occupation": "student",
        "is_coder": "true",
        "locale": "en",
        "contact_consent": "on",
    }
    r = await alice.submit("/me/profile", form)
    assert r.status_code == 302 and r.headers["location"] == "/me/profile"
    saved = await alice.get("/me/profile")
    assert "Profile saved." in saved.text
    assert '<option value="student" selected>Student</option>' in saved.text
    stored = await account(app, world.alice.id)
    assert (stored.display_name, stored.country, stored.occupation, stored.is_coder, stored.timezone) == (
        "Alice Pereira",
        "KE",
        Occupation.STUDENT,
        True,
        "Asia/Tokyo",
    )
    assert stored.contact_consent_at is not None
    # "prefer not to say" and the consent box left unticked
    r = await alice.submit("/me/profile", {**form, "is_coder": "", "contact_consent": ""})
    assert r.status_code == 302
    stored = await account(app, world.alice.id)
    assert (stored.is_coder, stored.contact_consent_at, stored.timezone) == (None, None, "Asia/Tokyo")


async def test_profile_page_shows_each_error_next_to_its_field(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.submit("/me/profile", {"display_name": "x" * 101, "country": "PT"})
    assert r.status_code == 422
    assert field_error(r.text, "display_name") == "Must be at most 100 characters long."
    r = await alice.submit("/me/profile", {"display_name": "Alice", "country": "QQ"})
    assert r.status_code == 422
    assert (
        field_error(r.text, "country") == "&#39;QQ&#39; is not a country code (ISO 3166-1 alpha-2), e.g. BE."
    )
    assert (await account(app, world.alice.id)).display_name == "Alice Participant"
