"""The fields of a challenge beyond time and place (issue 4): themes from the edition's list, free tags,
who can join, a meeting link for participants only, a registration deadline, team sizes and a timed
agenda. The same rules through the API (problem details naming `field` paths like agenda[2].at_local)
and the page form (the message next to the field, 422, nothing saved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import (
    Account,
    AgendaItem,
    Challenge,
    ChallengeLabel,
    ChallengeStatus,
    RegistrationStatus,
)
from tests import factories
from tests.challenges.helpers import (
    YEAR,
    api_body,
    count,
    fetch_all,
    form_data,
    local,
    text_of,
    utc,
)
from tests.conftest import Client, ClientFactory

THEMES = ["Future of learning", "Digital inclusion", "AI in education", "Green & digital"]
CREATE = "/api/v1/hosts/leuven-lab/challenges"
NEW_PAGE = "/hosts/leuven-lab/challenges/new"


@pytest.fixture
async def themed(world: factories.World, db: AsyncSession) -> factories.World:
    """The usual cast, the current edition with a fixed list of themes."""
    world.event.themes = THEMES
    await db.commit()
    return world


@pytest.fixture
async def member(themed: factories.World, client_factory: ClientFactory) -> Client:
    return await client_factory(themed.member_a)


async def labels_of(app: Litestar, slug: str) -> list[tuple[str, str]]:
    rows = await fetch_all(
        app,
        select(ChallengeLabel.kind, ChallengeLabel.value)
        .join(Challenge, Challenge.id == ChallengeLabel.challenge_id)
        .where(Challenge.slug == slug)
        .order_by(ChallengeLabel.kind, ChallengeLabel.value),
    )
    return [(kind.value, value) for kind, value in rows]


async def agenda_of(app: Litestar, slug: str) -> list[tuple[datetime, str]]:
    rows = await fetch_all(
        app,
        select(AgendaItem.starts_at, AgendaItem.title)
        .join(Challenge, Challenge.id == AgendaItem.challenge_id)
        .where(Challenge.slug == slug)
        .order_by(AgendaItem.starts_at),
    )
    return [(at, title) for at, title in rows]


FULL = {
    "themes": ["ai in education", " Digital inclusion", "Digital inclusion"],
    "tags": [" Robotics ", "robotics", "Maths   Games", "STEM"],
    "audiences": ["educators", "students", "educators"],
    "meeting_url": "https://meet.example.org/room-42",
    "registration_deadline_local": f"{YEAR}-11-09T08:30:00",
    "min_team_size": 2,
    "max_team_size": 5,
    "agenda": [
        {"at_local": f"{YEAR}-11-09T16:30:00", "title": " Pitches "},
        {"at_local": f"{YEAR}-11-09T09:00:00", "title": "Kick-off"},
    ],
}


def expected_fields() -> dict[str, Any]:
    """What FULL comes back as: normalised, the agenda by time in UTC and in Brussels (UTC+1)."""
    return {
        "themes": ["AI in education", "Digital inclusion"],
        "tags": ["maths games", "robotics", "stem"],
        "audiences": ["students", "educators"],
        "meeting_url": "https://meet.example.org/room-42",
        "registration_deadline": utc(9, 7, 30),
        "registration_deadline_local": f"{YEAR}-11-09T08:30:00+01:00",
        "min_team_size": 2,
        "max_team_size": 5,
        "agenda": [
            {"starts_at": utc(9, 8), "starts_at_local": f"{YEAR}-11-09T09:00:00+01:00", "title": "Kick-off"},
            {
                "starts_at": utc(9, 15, 30),
                "starts_at_local": f"{YEAR}-11-09T16:30:00+01:00",
                "title": "Pitches",
            },
        ],
    }


STORED_LABELS = [
    ("audience", "educators"),
    ("audience", "students"),
    ("tag", "maths games"),
    ("tag", "robotics"),
    ("tag", "stem"),
    ("theme", "AI in education"),
    ("theme", "Digital inclusion"),
]
STORED_AGENDA = [
    (datetime(YEAR, 11, 9, 8, tzinfo=UTC), "Kick-off"),
    (datetime(YEAR, 11, 9, 15, 30, tzinfo=UTC), "Pitches"),
]


# --- allowed: through the API and the page, the same result -----------------------------------------
async def test_api_stores_the_fields_normalised_and_returns_them(
    themed: factories.World, member: Client, app: Litestar
) -> None:
    response = await member.post(CREATE, json=api_body(**FULL))

    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in expected_fields()} == expected_fields()
    assert await labels_of(app, body["slug"]) == STORED_LABELS
    assert await agenda_of(app, body["slug"]) == STORED_AGENDA
    shown = (await member.get(f"/api/v1/challenges/{body['slug']}")).json()
    assert {k: shown[k] for k in expected_fields()} == expected_fields()


FULL_FORM = {
    "themes": ["AI in education", "Digital inclusion"],  # checkboxes: repeated fields
    "tags": " Robotics , robotics,Maths   Games,, STEM ",  # one text field, commas between tags
    "audiences": ["educators", "students"],
    "meeting_url": "https://meet.example.org/room-42",
    "registration_deadline_local": local(9, 8, 30),
    "min_team_size": "2",
    "max_team_size": "5",
    # rows of the agenda: blank rows anywhere are left out
    "agenda[0].at_local": "",
    "agenda[0].title": "",
    "agenda[1].at_local": local(9, 16, 30),
    "agenda[1].title": " Pitches ",
    "agenda[2].at_local": "",
    "agenda[2].title": " ",
    "agenda[3].at_local": local(9, 9),
    "agenda[3].title": "Kick-off",
}


async def test_page_form_gives_the_same_challenge_as_the_api(
    themed: factories.World, member: Client, app: Litestar
) -> None:
    response = await member.submit(NEW_PAGE, {**form_data(), **FULL_FORM})

    assert response.status_code in (302, 303), response.text
    slug = response.headers["location"].removeprefix("/challenges/")
    assert await labels_of(app, slug) == STORED_LABELS
    assert await agenda_of(app, slug) == STORED_AGENDA
    shown = (await member.get(f"/api/v1/challenges/{slug}")).json()
    assert {k: shown[k] for k in expected_fields()} == expected_fields()


async def test_the_new_challenge_form_offers_the_editions_themes_and_the_audiences(
    themed: factories.World, member: Client
) -> None:
    page = (await member.get(NEW_PAGE)).text

    assert text_of(page, "f-themes") == (
        "Themes The themes of this edition your challenge is about. "
        "Future of learning Digital inclusion AI in education Green & digital"
    )
    assert text_of(page, "f-audiences") == (
        "Who can join None ticked: anyone. Students Teachers and educators Researchers Innovators "
        "Education professionals Anyone"
    )
    for name in ("tags", "meeting_url", "registration_deadline_local", "min_team_size", "max_team_size"):
        assert f'name="{name}"' in page, name
    # three empty agenda rows, each field labelled
    assert [f'<label for="f-agenda[{n}].title">Title of item {n + 1}</label>' in page for n in range(4)] == [
        True,
        True,
        True,
        False,
    ]


async def test_no_audience_given_means_anyone(themed: factories.World, member: Client, app: Litestar) -> None:
    api = await member.post(CREATE, json=api_body())
    page = await member.submit(NEW_PAGE, form_data())

    assert api.json()["audiences"] == ["anyone"]
    assert await labels_of(app, api.json()["slug"]) == [("audience", "anyone")]
    assert await labels_of(app, page.headers["location"].removeprefix("/challenges/")) == [
        ("audience", "anyone")
    ]


async def test_edit_replaces_labels_and_agenda(
    themed: factories.World, member: Client, app: Litestar
) -> None:
    slug = (await member.post(CREATE, json=api_body(**FULL))).json()["slug"]

    changed = {
        "themes": ["Digital inclusion", "Green & digital"],  # one kept, one dropped, one new
        "tags": ["robotics"],
        "audiences": ["anyone"],
        "agenda": [{"at_local": f"{YEAR}-11-09T12:00:00", "title": "Lunch with mentors"}],
    }
    response = await member.put(f"/api/v1/challenges/{slug}", json=api_body(**changed))

    assert response.status_code == 200, response.text
    assert await labels_of(app, slug) == [
        ("audience", "anyone"),
        ("tag", "robotics"),
        ("theme", "Digital inclusion"),
        ("theme", "Green & digital"),
    ]
    assert await agenda_of(app, slug) == [(datetime(YEAR, 11, 9, 11, tzinfo=UTC), "Lunch with mentors")]
    # the page form, sent without any label or agenda row, clears them (audience: anyone)
    page = await member.submit(f"/challenges/{slug}/edit", form_data())
    assert page.status_code in (302, 303), page.text
    assert await labels_of(app, slug) == [("audience", "anyone")]
    assert await agenda_of(app, slug) == []
    assert await count(app, AgendaItem) == 0


async def test_edit_form_shows_the_stored_fields(themed: factories.World, member: Client) -> None:
    slug = (await member.post(CREATE, json=api_body(**FULL))).json()["slug"]

    page = (await member.get(f"/challenges/{slug}/edit")).text

    for expected in (
        'name="themes" type="checkbox" value="AI in education" checked',
        'name="themes" type="checkbox" value="Future of learning">',
        'name="audiences" type="checkbox" value="students" checked',
        'name="audiences" type="checkbox" value="anyone">',
        'name="tags" type="text" value="maths games, robotics, stem"',
        'name="meeting_url" type="url" value="https://meet.example.org/room-42"',
        f'name="registration_deadline_local" type="datetime-local" value="{local(9, 8, 30)}"',
        'name="min_team_size" type="number" value="2"',
        'name="max_team_size" type="number" value="5"',
        f'name="agenda[0].at_local" type="datetime-local" value="{local(9, 9)}"',
        'name="agenda[0].title" type="text" value="Kick-off"',
        f'name="agenda[1].at_local" type="datetime-local" value="{local(9, 16, 30)}"',
        'name="agenda[1].title" type="text" value="Pitches"',
        'name="agenda[4].title" type="text" value=""',  # two rows, then three empty ones
    ):
        assert expected in page, expected
    assert 'name="agenda[5].title"' not in page


# --- refused: the message on the field, nothing saved -----------------------------------------------
ALLOWED = "The themes are: Future of learning; Digital inclusion; AI in education; Green & digital."
REFUSED = [  # (API changes, field, message)
    (
        {"themes": ["Digital inclusion", "Cooking"]},
        "themes",
        f"'Cooking' is not a theme of DigiEduHack {YEAR}. {ALLOWED}",
    ),
    ({"tags": ["ok", " x "]}, "tags", "'x' is too short: a tag has 2 to 40 characters."),
    ({"tags": ["a, b"]}, "tags", "'a, b' contains a comma: give each tag separately."),
    ({"tags": [f"t{n}" for n in range(11)]}, "tags", "Give at most 10 items."),
    ({"tags": ["x" * 41]}, "tags[0]", "Must be at most 40 characters long."),
    ({"audiences": ["students", "aliens"]}, "audiences[1]", "'aliens' is not one of the allowed choices."),
    (
        {"meeting_url": "ftp://files.example.org/x"},
        "meeting_url",
        "Enter a web link starting with https:// (or http://).",
    ),
    (
        {"meeting_url": "javascript:alert(1)"},
        "meeting_url",
        "Enter a web link starting with https:// (or http://).",
    ),
    ({"meeting_url": "https://"}, "meeting_url", "Enter a web link starting with https:// (or http://)."),
    ({"meeting_url": "https://x.org/" + "a" * 490}, "meeting_url", "Must be at most 500 characters long."),
    (
        {"registration_deadline_local": f"{YEAR}-11-09T17:00:00"},  # the end itself
        "registration_deadline_local",
        "The registration deadline must be before the end.",
    ),
    ({"min_team_size": 0}, "min_team_size", "Must be 1 or more."),
    ({"max_team_size": 51}, "max_team_size", "Must be 50 or less."),
    (
        {"min_team_size": 4, "max_team_size": 3},
        "max_team_size",
        "The largest team size must be at least the smallest (4).",
    ),
    (
        {
            "agenda": [
                {"at_local": f"{YEAR}-11-09T09:00:00", "title": "Kick-off"},
                {"at_local": f"{YEAR}-11-09T12:00:00", "title": "Lunch"},
                {"at_local": f"{YEAR}-11-09T17:01:00", "title": "Too late"},
            ]
        },
        "agenda[2].at_local",
        "The time must fall between the challenge's start and end.",
    ),
    (
        {"agenda": [{"at_local": f"{YEAR}-11-09T10:00:00", "title": "   "}]},
        "agenda[0].title",
        "Give this moment a title.",
    ),
    (
        {"agenda": [{"at_local": f"{YEAR}-11-09T10:00:00", "title": "t" * 121}]},
        "agenda[0].title",
        "Must be at most 120 characters long.",
    ),
    ({"agenda": [{"title": "When?"}]}, "agenda[0].at_local", "This field is required."),
    (
        {"agenda": [{"at_local": f"{YEAR}-11-09T10:00:00", "title": "x"}] * 31},
        "agenda",
        "Give at most 30 items.",
    ),
]


async def test_api_refuses_each_bad_field_naming_it_and_saves_nothing(
    themed: factories.World, member: Client, app: Litestar
) -> None:
    for changes, field, message in REFUSED:
        response = await member.post(CREATE, json=api_body(**changes))

        assert response.status_code in (400, 422), (field, response.text)
        assert response.json()["errors"] == [{"field": field, "message": message}], field
    assert await count(app, Challenge) == 0
    assert await count(app, ChallengeLabel) == 0


FORM_REFUSED = [  # (form changes, the field whose element holds the message, message)
    ({"themes": ["Digital inclusion", "Cooking"]}, "themes", REFUSED[0][2]),
    ({"tags": "ok, x"}, "tags", "'x' is too short: a tag has 2 to 40 characters."),
    ({"tags": ",".join(f"t{n}" for n in range(11))}, "tags", "Give at most 10 items."),
    ({"tags": "x" * 41}, "tags", "Must be at most 40 characters long."),
    (
        {"meeting_url": "javascript:alert(1)"},
        "meeting_url",
        "Enter a web link starting with https:// (or http://).",
    ),
    ({"registration_deadline_local": local(9, 18)}, "registration_deadline_local", REFUSED[10][2]),
    ({"max_team_size": "51"}, "max_team_size", "Must be 50 or less."),
    ({"min_team_size": "4", "max_team_size": "3"}, "max_team_size", REFUSED[13][2]),
    (
        # the second filled row (after a blank one) is shown as row 1, its message next to it
        {
            "agenda[0].at_local": local(9, 9),
            "agenda[0].title": "Kick-off",
            "agenda[1].at_local": "",
            "agenda[1].title": "",
            "agenda[2].at_local": local(9, 8, 59),
            "agenda[2].title": "Too early",
        },
        "agenda[1].at_local",
        "The time must fall between the challenge's start and end.",
    ),
    (
        {"agenda[0].at_local": local(9, 10), "agenda[0].title": " "},
        "agenda[0].title",
        "Give this moment a title.",
    ),
    ({"agenda[0].at_local": "", "agenda[0].title": "When?"}, "agenda[0].at_local", "This field is required."),
]


async def test_page_shows_each_bad_field_next_to_it_and_saves_nothing(
    themed: factories.World, member: Client, app: Litestar
) -> None:
    for changes, field, message in FORM_REFUSED:
        response = await member.submit(NEW_PAGE, {**form_data(), **changes})

        assert response.status_code == 422, field
        assert text_of(response.text, f"error-{field}") == message, field
    assert await count(app, Challenge) == 0


async def test_page_keeps_the_typed_rows_and_choices_after_an_error(
    themed: factories.World, member: Client
) -> None:
    response = await member.submit(
        NEW_PAGE,
        {
            **form_data(),
            "themes": "AI in education",  # a single box ticked: one value, not a list
            "audiences": ["students", "researchers"],
            "tags": "robotics, maths",
            "max_team_size": "99",
            "agenda[2].at_local": local(9, 10),
            "agenda[2].title": "Check-in",
        },
    )

    assert response.status_code == 422
    page = response.text
    assert 'value="AI in education" checked' in page
    assert 'value="Future of learning">' in page  # not ticked, though its name contains none of the other
    assert 'value="students" checked' in page and 'value="researchers" checked' in page
    assert 'name="tags" type="text" value="robotics, maths"' in page
    # the row moved up to the first place: the numbers are those the errors use
    assert f'name="agenda[0].at_local" type="datetime-local" value="{local(9, 10)}"' in page
    assert 'name="agenda[0].title" type="text" value="Check-in"' in page


# --- the challenge page -----------------------------------------------------------------------------
async def test_challenge_page_shows_the_fields_with_agenda_in_local_time_and_utc(
    themed: factories.World, member: Client, anon: Client
) -> None:
    slug = (await member.post(CREATE, json=api_body(**FULL))).json()["slug"]
    await member.post(f"/api/v1/challenges/{slug}/publish")

    page = (await anon.get(f"/challenges/{slug}")).text

    assert text_of(page, "themes") == "AI in education, Digital inclusion"
    assert text_of(page, "tags") == "maths games, robotics, stem"
    assert text_of(page, "audiences") == "Students, Teachers and educators"
    assert text_of(page, "team-sizes") == "2 to 5 people"
    day = datetime(YEAR, 11, 9).strftime("%a")
    assert text_of(page, "deadline") == (
        f"{day} 9 Nov {YEAR}, 08:30 Europe/Brussels, UTC+01:00 · {day} 9 Nov {YEAR}, 07:30 UTC"
    )
    assert text_of(page, "agenda") == (
        f"Agenda Local time (Europe/Brussels) UTC What "
        f"{day} 9 Nov {YEAR}, 09:00 {day} 9 Nov {YEAR}, 08:00 Kick-off "
        f"{day} 9 Nov {YEAR}, 16:30 {day} 9 Nov {YEAR}, 15:30 Pitches"
    )


async def test_joining_after_the_registration_deadline_is_refused(
    themed: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, themed.event, themed.host_a)
    c.registration_deadline = c.starts_at - timedelta(hours=1)
    await db.commit()
    # log in at the moved time, so the sessions have not expired by then
    app.state.clock = FixedClock(c.registration_deadline - timedelta(seconds=1))
    alice = await client_factory(themed.alice)
    bob = await client_factory(themed.bob)

    assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration")).status_code == 201
    app.state.clock = FixedClock(c.registration_deadline)
    api = await bob.post(f"/api/v1/challenges/{c.slug}/registration")
    page = await bob.submit(f"/challenges/{c.slug}/join")

    assert (api.status_code, api.json()["detail"]) == (
        409,
        "The registration deadline of this challenge has passed.",
    )
    assert page.status_code == 409
    assert "The registration deadline of this challenge has passed." in page.text


# --- the meeting link: confirmed participants, the host's members and organizers only ---------------
MEET = "https://meet.example.org/secret-room"


@pytest.fixture
async def meeting(themed: factories.World, db: AsyncSession) -> Challenge:
    """A published online challenge with a meeting link, capacity 1: alice confirmed, bob waitlisted."""
    c = await factories.challenge(db, themed.event, themed.host_a, capacity=1)
    c.meeting_url = MEET
    await db.commit()
    await factories.registration(db, c, themed.alice)
    await factories.registration(db, c, themed.bob, RegistrationStatus.WAITLISTED)
    return c


async def viewers(w: factories.World, db: AsyncSession, client_factory: ClientFactory) -> dict[str, Client]:
    stranger = await factories.account(db, "carol@example.org")
    cancelled = await factories.account(db, "dan@example.org")
    return {
        "anonymous": await client_factory(),
        "logged in, not registered": await client_factory(stranger),
        "waitlisted": await client_factory(w.bob),
        "confirmed": await client_factory(w.alice),
        "cancelled": await client_factory(cancelled),
        "member of the host": await client_factory(w.member_a),
        "member of another host": await client_factory(w.member_b),
        "organizer": await client_factory(w.organizer),
    }


SEES = {"confirmed", "member of the host", "organizer"}


async def test_meeting_link_is_shown_only_to_confirmed_participants_host_members_and_organizers(
    themed: factories.World, meeting: Challenge, db: AsyncSession, client_factory: ClientFactory
) -> None:
    clients = await viewers(themed, db, client_factory)
    cancelled = await db.scalar(select(Account).where(Account.email == "dan@example.org"))
    assert cancelled is not None
    await factories.registration(db, meeting, cancelled, RegistrationStatus.CANCELLED)

    for who, client in clients.items():
        api = (await client.get(f"/api/v1/challenges/{meeting.slug}")).json()
        listed = (await client.get("/api/v1/challenges")).json()["items"]
        page = (await client.get(f"/challenges/{meeting.slug}")).text
        expected = MEET if who in SEES else None

        assert api["meeting_url"] == expected, who
        assert [i["meeting_url"] for i in listed] == [expected], who
        assert (MEET in page) == (who in SEES), who
        assert text_of(page, "meeting") == (MEET if who in SEES else "Shown to confirmed participants."), who


async def test_meeting_link_in_the_hosts_own_lists(
    themed: factories.World, meeting: Challenge, client_factory: ClientFactory
) -> None:
    member = await client_factory(themed.member_a)
    mine = (await member.get("/api/v1/me/hosted-challenges")).json()
    public = (await member.get("/api/v1/hosts/leuven-lab/challenges")).json()

    assert [c["meeting_url"] for c in mine] == [MEET]
    assert [c["meeting_url"] for c in public] == [None]  # the host's public list shows no one the link


async def test_events_expose_their_themes(themed: factories.World, anon: Client) -> None:
    current = (await anon.get("/api/v1/events/current")).json()
    assert current["themes"] == THEMES
    assert [e["themes"] for e in (await anon.get("/api/v1/events")).json()] == [THEMES]


async def test_a_draft_with_fields_is_still_hidden_from_the_public(
    themed: factories.World, member: Client, anon: Client
) -> None:
    slug = (await member.post(CREATE, json=api_body(**FULL))).json()["slug"]
    assert (await anon.get(f"/api/v1/challenges/{slug}")).status_code == 404
    assert (await member.get(f"/api/v1/challenges/{slug}")).json()["status"] == ChallengeStatus.DRAFT.value
