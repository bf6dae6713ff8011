"""The catalog people search: filters, full-text search, sort and pages, the same on the page (/challenges)
and the API (/api/v1/challenges) with the same parameter names; bad values named; a constant number of
SQL queries whatever the number of challenges."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Challenge,
    ChallengeFormat,
    ChallengeLabel,
    ChallengeStatus,
    HostKind,
    LabelKind,
)
from tests import factories
from tests.challenges.helpers import YEAR, queries_for, text_of, visible_text
from tests.conftest import Client


@dataclasses.dataclass
class Shelf:
    """Five listed challenges of the current edition, each start, title and creation order different."""

    robots: Challenge  # online, en, university; "robots" in the title; 10:00
    maths: Challenge  # online, en, university; "fractions" in the summary; 09:00; 1 place left
    kenya: Challenge  # hybrid, sw, KE, NGO; unlimited; 11:00
    leitura: Challenge  # in person, pt-BR, PT, library; "robots" in the description; full; 12:00
    archive: Challenge  # in person, pt, BE, university; closed with places left; 13:00


async def described(
    db: AsyncSession,
    c: Challenge,
    *,
    summary: str,
    description: str = "",
    language: str = "en",
    country: str | None = None,
    created_minutes: int,
) -> Challenge:
    c.summary, c.description, c.language = summary, description, language
    if country:
        c.country, c.city = country, "Somewhere"
    c.created_at = factories.now() - timedelta(days=1) + timedelta(minutes=created_minutes)
    await db.commit()
    return c


@pytest.fixture
async def shelf(world: factories.World, db: AsyncSession) -> Shelf:
    ev, uni, ngo = world.event, world.host_a, world.host_b
    ngo.kind = HostKind.NGO
    library = await factories.host(db, slug="lisboa-books", name="Lisboa Books", country="PT")
    library.kind = HostKind.LIBRARY
    await db.commit()

    def make(host: Any, slug: str, title: str, hour: int, **kw: Any) -> Any:
        return factories.challenge(db, ev, host, slug=slug, title=title, start_hour=hour, **kw)

    robots = await described(
        db,
        await make(uni, "robots", "Robots in the classroom", 10),
        summary="Teach coding with small machines.",
        created_minutes=0,
    )
    maths = await described(
        db,
        await make(uni, "maths", "Maths games", 9, capacity=2),
        summary="Design a board game about fractions.",
        description="Cards, dice and **paper**.",
        created_minutes=1,
    )
    leitura = await described(
        db,
        await make(library, "leitura", "Leitura digital", 12, capacity=2, fmt=ChallengeFormat.IN_PERSON),
        summary="Bibliotecas e leitura no ecrã.",
        description="Crianças constroem robots de cartão.",
        language="pt-BR",
        country="PT",
        created_minutes=2,
    )
    kenya = await described(
        db,
        await make(ngo, "kenya", "Mobile learning in Nairobi", 11, capacity=None, fmt=ChallengeFormat.HYBRID),
        summary="Lessons by SMS for rural schools.",
        language="sw",
        country="KE",
        created_minutes=3,
    )
    archive = await described(
        db,
        await make(
            uni,
            "archive",
            "Archive of ideas",
            13,
            capacity=50,
            fmt=ChallengeFormat.IN_PERSON,
            status=ChallengeStatus.CLOSED,
        ),
        summary="Closed for registration, places left.",
        language="pt",
        country="BE",
        created_minutes=4,
    )
    # places taken: maths has one of two left, leitura is full
    await factories.registration(db, maths, world.alice)
    await factories.registration(db, leitura, await factories.account(db))
    await factories.registration(db, leitura, world.bob)
    # never listed in this edition's catalog, whatever the filters: a draft, a cancelled one, another edition
    await described(
        db,
        await factories.challenge(
            db, ev, uni, slug="draft", title="Robots draft", status=ChallengeStatus.DRAFT
        ),
        summary="Robots, not published.",
        language="de",
        country="DE",
        created_minutes=5,
    )
    await factories.challenge(
        db, ev, uni, slug="cancelled", title="Robots cancelled", status=ChallengeStatus.CANCELLED
    )
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    await described(
        db,
        await factories.challenge(db, past, uni, slug="robots-2021", title="Robots back in 2021"),
        summary="Robots of another edition.",
        language="fr",
        country="FR",
        created_minutes=6,
    )
    return Shelf(robots, maths, kenya, leitura, archive)


ALL = ["maths", "robots", "kenya", "leitura", "archive"]  # by start time
TITLES = {
    "robots": "Robots in the classroom",
    "maths": "Maths games",
    "kenya": "Mobile learning in Nairobi",
    "leitura": "Leitura digital",
    "archive": "Archive of ideas",
    "robots-2021": "Robots back in 2021",
}


async def api_slugs(client: Client, query: str) -> list[str]:
    response = await client.get(f"/api/v1/challenges?{query}")
    assert response.status_code == 200, (query, response.text)
    return [item["slug"] for item in response.json()["items"]]


def titles(page_html: str) -> list[str]:
    return [
        html.unescape(t) for t in re.findall(r'<h2><a href="/challenges/[^"]+">([^<]+)</a></h2>', page_html)
    ]


def links(page_html: str) -> dict[str, str]:
    return {
        rel: html.unescape(href)
        for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', page_html)
    }


async def page_titles(client: Client, query: str) -> list[str]:
    response = await client.get(f"/challenges?{query}")
    assert response.status_code == 200, (query, response.text)
    return titles(response.text)


async def assert_catalog(client: Client, query: str, expected: list[str]) -> None:
    """The API lists exactly these slugs in this order, and the page these challenges' titles."""
    assert await api_slugs(client, query) == expected, query
    assert await page_titles(client, query) == [TITLES[s] for s in expected], query


async def test_without_filters_the_catalog_lists_the_listed_challenges_by_start_time(
    shelf: Shelf, anon: Client
) -> None:
    await assert_catalog(anon, "", ALL)
    await assert_catalog(anon, "sort=start", ALL)
    await assert_catalog(anon, "event=2021", ["robots-2021"])


async def assert_catalogs(client: Client, cases: list[tuple[str, list[str]]]) -> None:
    for query, expected in cases:
        await assert_catalog(client, query, expected)


async def test_country_filter_is_the_challenges_country(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("country=PT", ["leitura"]),
            ("country=pt", ["leitura"]),
            ("country=KE", ["kenya"]),
            ("country=BE", ["archive"]),  # not its host's: the online challenges of a Belgian host have none
            ("country=DE", []),  # only a draft is in Germany
        ],
    )


async def test_language_filter_finds_a_primary_language_with_its_variants(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("language=pt", ["leitura", "archive"]),  # pt-BR and pt
            ("language=pt-BR", ["leitura"]),
            ("language=PT-br", ["leitura"]),
            ("language=en", ["maths", "robots"]),
            ("language=sw", ["kenya"]),
            ("language=fr", []),  # only in another edition
        ],
    )


async def test_format_filter(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("format=online", ["maths", "robots"]),
            ("format=in_person", ["leitura", "archive"]),
            ("format=hybrid", ["kenya"]),
        ],
    )


async def test_host_kind_filter(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("host_kind=university", ["maths", "robots", "archive"]),
            ("host_kind=ngo", ["kenya"]),
            ("host_kind=library", ["leitura"]),
            ("host_kind=school", []),
        ],
    )


async def test_free_filter_keeps_only_challenges_one_can_still_join(shelf: Shelf, anon: Client) -> None:
    # not leitura (full), not archive (closed, though places are left); kenya has no limit
    await assert_catalogs(
        anon,
        [
            ("free=true", ["maths", "robots", "kenya"]),
            ("free=1", ["maths", "robots", "kenya"]),
            ("free=false", ALL),
        ],
    )


async def test_sort_by_start_title_or_newest(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("sort=start", ALL),
            ("sort=title", ["archive", "leitura", "maths", "kenya", "robots"]),
            ("sort=newest", ["archive", "kenya", "leitura", "maths", "robots"]),
        ],
    )


async def test_filters_combine(shelf: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("country=PT&language=pt&format=in_person&host_kind=library", ["leitura"]),
            ("country=PT&language=pt&format=in_person&host_kind=library&free=true", []),
            ("q=robots&format=online", ["robots"]),
            ("q=robots&country=PT", ["leitura"]),
            ("language=pt&sort=newest", ["archive", "leitura"]),
            ("format=in_person&sort=title", ["archive", "leitura"]),
            ("host_kind=university&free=true&sort=title", ["maths", "robots"]),
            ("language=en&sort=newest&free=true&format=online", ["maths", "robots"]),
            ("event=2021&q=robots", ["robots-2021"]),
            ("event=2021&language=fr&country=FR", ["robots-2021"]),
        ],
    )


async def search(client: Client, cases: list[tuple[str, list[str]]]) -> None:
    await assert_catalogs(client, [(urlencode({"q": q}), expected) for q, expected in cases])


async def test_search_finds_words_in_title_summary_or_description(shelf: Shelf, anon: Client) -> None:
    await search(
        anon,
        [
            ("robots", ["robots", "leitura"]),  # in a title; in a description (never the draft's)
            ("fractions", ["maths"]),  # in a summary
            ("dice", ["maths"]),  # in a description written in Markdown
            ("nairobi", ["kenya"]),
            ("ecrã", ["leitura"]),  # words outside ASCII
            ("quantum", []),
        ],
    )


async def test_search_needs_every_word_whatever_the_case_or_word_ending(shelf: Shelf, anon: Client) -> None:
    await search(
        anon,
        [
            ("ROBOTS", ["robots", "leitura"]),
            ("robot", ["robots", "leitura"]),  # the start of a word finds it
            ("game fractions", ["maths"]),
            ("fractions game", ["maths"]),  # in any order
            ("board dice", ["maths"]),  # one in the summary, one in the description
            ("crianças cartão", ["leitura"]),
            ("robots fractions", []),  # each word is in another challenge
            ("   ", ALL),  # blank: no search
        ],
    )


async def test_search_text_is_only_words_never_syntax(shelf: Shelf, anon: Client) -> None:
    await search(
        anon,
        [
            ("robots!", ["robots", "leitura"]),
            ("robots' OR 1=1 --", []),  # the words robots, or, 1, 1: no challenge has them all
            ("robots & !classroom:*", ["robots"]),  # the words robots, classroom
            ("%", ALL),  # no word at all
            ("-- _ *", ALL),
        ],
    )


async def test_blank_parameters_of_a_submitted_form_are_ignored(shelf: Shelf, anon: Client) -> None:
    query = f"event={YEAR}&q=&country=&language=&format=&host_kind=&sort=&page=&per_page=&free="
    await assert_catalog(anon, query, ALL)


async def test_api_pages_keep_the_filters_and_count_only_matching_challenges(
    shelf: Shelf, anon: Client
) -> None:
    pages = []
    for page in (1, 2, 3, 4):
        body = (await anon.get(f"/api/v1/challenges?free=true&sort=title&per_page=1&page={page}")).json()
        pages.append(([i["slug"] for i in body["items"]], body["page"], body["per_page"], body["total"]))
    assert pages == [
        (["maths"], 1, 1, 3),
        (["kenya"], 2, 1, 3),
        (["robots"], 3, 1, 3),
        ([], 4, 1, 3),
    ]


async def test_page_pager_links_keep_the_filters(shelf: Shelf, anon: Client) -> None:
    first = await anon.get("/challenges?language=pt&sort=newest&per_page=1&q=&country=")

    assert titles(first.text) == ["Archive of ideas"]
    assert "Page 1 of 2" in visible_text(first.text)
    assert links(first.text) == {
        "next": f"/challenges?event={YEAR}&language=pt&sort=newest&per_page=1&page=2"
    }
    second = await anon.get(links(first.text)["next"])
    assert titles(second.text) == ["Leitura digital"]
    assert links(second.text) == {
        "prev": f"/challenges?event={YEAR}&language=pt&sort=newest&per_page=1&page=1"
    }
    assert 'hx-get="/challenges?event=' in second.text


async def test_page_size_setting_applies_to_filtered_pages(shelf: Shelf, app: Litestar, anon: Client) -> None:
    app.state.settings = dataclasses.replace(app.state.settings, page_size=2)

    first = await anon.get("/challenges?free=true")
    second = await anon.get(links(first.text)["next"])

    assert titles(first.text) == ["Maths games", "Robots in the classroom"]
    assert links(first.text) == {"next": f"/challenges?event={YEAR}&free=true&page=2"}
    assert titles(second.text) == ["Mobile learning in Nairobi"]
    assert links(second.text) == {"prev": f"/challenges?event={YEAR}&free=true&page=1"}


BAD = [  # (query, parameter, its label on the page, message)
    ("country=BEL", "country", "Country", "Must be at most 2 characters long."),
    ("country=B1", "country", "Country", "Contains characters that are not allowed."),
    ("language=p", "language", "Language", "Must be at least 2 characters long."),
    ("language=pt_BR", "language", "Language", "Contains characters that are not allowed."),
    ("format=virtual", "format", "Format", "'virtual' is not one of the allowed choices."),
    ("host_kind=castle", "host_kind", "Host", "'castle' is not one of the allowed choices."),
    ("free=maybe", "free", "Places", "Enter true or false."),
    ("sort=popular", "sort", "Sort by", "'popular' is not one of the allowed choices."),
    ("page=0", "page", "Page", "Must be 1 or more."),
    ("page=two", "page", "Page", "Enter a whole number."),
    ("per_page=101", "per_page", "Per page", "Must be 100 or less."),
    ("q=" + "w" * 201, "q", "Search", "Must be at most 200 characters long."),
    ("event=" + "e" * 41, "event", "Edition", "Must be at most 40 characters long."),
]


async def test_api_refuses_each_bad_parameter_with_400_naming_it(shelf: Shelf, anon: Client) -> None:
    for query, field, _label, message in BAD:
        response = await anon.get(f"/api/v1/challenges?{query}")

        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json() == {
            "type": "about:blank",
            "title": "Bad request",
            "status": 400,
            "detail": f"{field}: {message}",
            "errors": [{"field": field, "message": message}],
        }, query


async def test_api_names_every_bad_parameter_at_once(shelf: Shelf, anon: Client) -> None:
    response = await anon.get("/api/v1/challenges?format=virtual&q=robots&per_page=0&sort=popular")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "format", "message": "'virtual' is not one of the allowed choices."},
        {"field": "sort", "message": "'popular' is not one of the allowed choices."},
        {"field": "per_page", "message": "Must be 1 or more."},
    ]


async def test_page_with_a_bad_parameter_still_renders_naming_it(shelf: Shelf, anon: Client) -> None:
    for query, field, label, message in BAD:
        # only the bad parameter is left out: another filter still applies
        other, expected = ("format=online", ["maths", "robots"])
        if field == "format":
            other, expected = ("host_kind=university", ["maths", "robots", "archive"])

        response = await anon.get(f"/challenges?{query}&{other}")

        assert response.status_code == 400, query
        assert response.text.lstrip().startswith("<!doctype html>")
        assert text_of(response.text, "catalog-errors") == (
            f"These filters were ignored: {label} ({field}): {message}"
        ), query
        assert titles(response.text) == [TITLES[s] for s in expected], query


async def test_page_without_bad_parameters_shows_no_alert(shelf: Shelf, anon: Client) -> None:
    response = await anon.get("/challenges?format=online")
    assert response.status_code == 200
    assert 'role="alert"' not in response.text


async def test_unknown_event_is_not_found_on_page_and_api(shelf: Shelf, anon: Client) -> None:
    api = await anon.get("/api/v1/challenges?event=1999&q=robots")
    page = await anon.get("/challenges?event=1999&q=robots")
    assert (api.status_code, api.json()["detail"]) == (404, "There is no event '1999'.")
    assert page.status_code == 404


async def test_htmx_request_with_filters_returns_only_the_results_fragment(
    shelf: Shelf, anon: Client
) -> None:
    response = await anon.get(
        f"/challenges?event={YEAR}&q=robots&country=&language=&format=&host_kind=&sort=title",
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="catalog-results">')
    assert response.text.rstrip().endswith("</div>")
    assert "<html" not in response.text
    assert 'role="search"' not in response.text
    assert titles(response.text) == ["Leitura digital", "Robots in the classroom"]


async def test_htmx_history_restore_gets_the_whole_page(shelf: Shelf, anon: Client) -> None:
    # Back after in-place updates: htmx asks for the URL again and replaces the whole body with the answer
    response = await anon.get(
        "/challenges?format=online",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<!doctype html>")
    assert 'name="format"' in form_of(response.text)
    assert titles(response.text) == ["Maths games", "Robots in the classroom"]


def form_of(page_html: str) -> str:
    found = re.findall(r'<form method="get" action="/challenges" class="filters".*?</form>', page_html, re.S)
    assert len(found) == 1
    return found[0]


def options(form: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of the select named `name`."""
    select = re.search(rf'<select id="[^"]+" name="{name}">(.*?)</select>', form, re.S)
    assert select is not None, name
    return [
        (html.unescape(value), html.unescape(text), bool(selected))
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


async def test_filter_form_works_without_javascript_and_updates_results_in_place_with_htmx(
    shelf: Shelf, anon: Client
) -> None:
    form = form_of((await anon.get("/challenges")).text)

    # a GET form: submitting it loads /challenges with the fields in the query string
    assert 'method="get" action="/challenges"' in form
    assert f'<input type="hidden" name="event" value="{YEAR}">' in form
    assert '<button type="submit"' in form
    # htmx: a change fetches /challenges with the form's fields, swaps the results, pushes the URL
    assert 'hx-get="/challenges"' in form
    assert 'hx-target="#catalog-results"' in form
    assert 'hx-push-url="true"' in form
    # Back reloads the page from the server, so the form shows the filters of the URL it goes back to
    assert 'hx-history="false"' in form
    # every field has a label
    ids = re.findall(r'<(?:input|select) id="([^"]+)"', form)
    assert ids == [
        "filter-q",
        "filter-country",
        "filter-language",
        "filter-format",
        "filter-host-kind",
        "filter-audience",  # and filter-theme before it when the edition has themes (test_label_filters...)
        "filter-sort",
        "filter-free",
    ]
    for field_id in ids:
        assert f'<label for="{field_id}">' in form, field_id
    assert "Clear filters" not in form


async def test_country_and_language_choices_are_those_of_the_listed_challenges_by_name(
    shelf: Shelf, anon: Client
) -> None:
    form = form_of((await anon.get("/challenges")).text)

    # not Germany or German (a draft), not France or French (another edition)
    assert options(form, "country") == [
        ("", "Any country", False),
        ("BE", "Belgium", False),
        ("KE", "Kenya", False),
        ("PT", "Portugal", False),
    ]
    assert options(form, "language") == [
        ("", "Any language", False),
        ("en", "English", False),
        ("pt", "Portuguese", False),
        ("pt-BR", "Portuguese (Brazil)", False),
        ("sw", "Swahili", False),
    ]
    old = form_of((await anon.get("/challenges?event=2021")).text)
    assert options(old, "country") == [("", "Any country", False), ("FR", "France", False)]
    assert options(old, "language") == [("", "Any language", False), ("fr", "French", False)]


async def test_filter_form_shows_the_current_filters(shelf: Shelf, anon: Client) -> None:
    page = await anon.get(
        "/challenges?q=robots+%26+co&country=pt&language=pt-br&format=in_person"
        "&host_kind=library&free=true&sort=title"
    )
    form = form_of(page.text)

    assert 'name="q" value="robots &amp; co"' in form
    assert ("PT", "Portugal", True) in options(form, "country")
    assert ("pt-BR", "Portuguese (Brazil)", True) in options(form, "language")
    assert [o for o in options(form, "format") if o[2]] == [("in_person", "In person", True)]
    assert [o for o in options(form, "host_kind") if o[2]] == [("library", "Library", True)]
    assert [o for o in options(form, "sort") if o[2]] == [("title", "Title", True)]
    assert 'name="free" value="true" checked' in form
    assert f'<a href="/challenges?event={YEAR}">Clear filters</a>' in form


async def test_a_filter_value_no_challenge_has_stays_selected(shelf: Shelf, anon: Client) -> None:
    form = form_of((await anon.get("/challenges?country=JP&language=ja")).text)

    assert [o for o in options(form, "country") if o[2]] == [("JP", "Japan", True)]
    assert [o for o in options(form, "language") if o[2]] == [("ja", "Japanese", True)]


async def test_empty_result_names_the_active_filters_with_a_clear_link(shelf: Shelf, anon: Client) -> None:
    response = await anon.get(
        "/challenges?q=quantum+robots&country=JP&language=ja&format=hybrid&host_kind=school&free=true"
    )

    assert response.status_code == 200
    assert titles(response.text) == []
    results = text_of(response.text, "catalog-results")
    assert results == (
        "No challenges match these filters: Search: “quantum robots” Country: Japan Language: Japanese "
        "Format: Hybrid Host: School Places: only with free places Clear filters"
    )
    assert f'<a href="/challenges?event={YEAR}">Clear filters</a>' in response.text


async def test_empty_event_without_filters_says_nothing_is_published_yet(
    world: factories.World, anon: Client
) -> None:
    results = text_of((await anon.get("/challenges")).text, "catalog-results")
    assert results == "No challenges are published for this event yet. Come back soon!"


async def test_a_page_past_the_last_says_so_and_links_to_the_first(shelf: Shelf, anon: Client) -> None:
    response = await anon.get("/challenges?format=online&page=3")

    assert response.status_code == 200
    assert text_of(response.text, "catalog-results") == (
        "There is no page 3: the results end on page 1. First page"
    )
    assert f'<a href="/challenges?event={YEAR}&amp;format=online&amp;page=1">First page</a>' in response.text


# --- a constant number of SQL queries ---------------------------------------------------------------
CATALOG_URLS = [
    "/challenges",
    "/challenges?q=challenge&language=en&sort=title&free=true",
    "/challenges?theme=AI+in+education&audience=students",
    "/api/v1/challenges",
    "/api/v1/challenges?q=challenge&host_kind=university&sort=newest&per_page=100",
]


async def test_catalog_costs_the_same_number_of_queries_for_3_or_30_challenges(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    anon = await client_factory()
    logged_in = await client_factory(world.alice)
    counts: dict[int, list[int]] = {}
    made = 0
    for total in (3, 30):
        while made < total:
            host = world.host_a if made % 2 else world.host_b
            c = await factories.challenge(db, world.event, host, start_hour=8 + made % 10)
            await factories.registration(db, c, await factories.account(db))
            made += 1
        counts[total] = [
            await queries_for(app, client, url) for url in CATALOG_URLS for client in (anon, logged_in)
        ]

    assert counts[3] == counts[30]
    # one query more on the page (the cards' labels: themes, tags, audiences, by selectinload) and two
    # more in the API (labels and agenda items, which ChallengeOut carries). Page and API, anonymous and
    # logged in (the session and its account): 6/7 and 5/6 on PostgreSQL, 7/9 and 6/8 on SQLite
    assert max(counts[30]) <= 9, counts


# --- themes and audiences (issue 4) -------------------------------------------------------------------
THEMES = ["Future of learning", "Digital inclusion", "AI in education", "Green & digital"]


@pytest.fixture
async def labelled(shelf: Shelf, world: factories.World, db: AsyncSession) -> Shelf:
    """The shelf with the edition's themes, and themes and audiences on its challenges."""
    world.event.themes = THEMES
    labels = {
        "robots": (["AI in education"], ["robotics"], ["students"]),
        "maths": (["Future of learning"], ["games"], ["students", "educators"]),
        "kenya": (["Digital inclusion", "Future of learning"], [], ["anyone"]),
        "leitura": (["Digital inclusion"], ["leitura"], ["educators"]),
        "archive": ([], [], ["researchers"]),
        "draft": (["AI in education"], [], ["students"]),  # never listed
    }
    ids = dict((await db.execute(select(Challenge.slug, Challenge.id))).tuples().all())
    for slug, (themes, tags, audiences) in labels.items():
        for kind, values in (
            (LabelKind.THEME, themes),
            (LabelKind.TAG, tags),
            (LabelKind.AUDIENCE, audiences),
        ):
            db.add_all(ChallengeLabel(challenge_id=ids[slug], kind=kind, value=v) for v in values)
    await db.commit()
    return shelf


async def test_theme_filter_finds_the_challenges_with_that_theme_whatever_the_case(
    labelled: Shelf, anon: Client
) -> None:
    await assert_catalogs(
        anon,
        [
            (urlencode({"theme": "Future of learning"}), ["maths", "kenya"]),
            (urlencode({"theme": "future OF learning"}), ["maths", "kenya"]),
            (urlencode({"theme": "Digital inclusion"}), ["kenya", "leitura"]),
            (urlencode({"theme": "AI in education"}), ["robots"]),  # not the draft
            (urlencode({"theme": "Green & digital"}), []),
            (urlencode({"theme": "robotics"}), []),  # a tag is not a theme
        ],
    )


async def test_audience_filter_includes_challenges_open_to_anyone(labelled: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            ("audience=students", ["maths", "robots", "kenya"]),
            ("audience=educators", ["maths", "kenya", "leitura"]),
            ("audience=researchers", ["kenya", "archive"]),
            ("audience=innovators", ["kenya"]),
            ("audience=anyone", ["kenya"]),
        ],
    )


async def test_theme_and_audience_combine_with_the_other_filters(labelled: Shelf, anon: Client) -> None:
    await assert_catalogs(
        anon,
        [
            (urlencode({"theme": "Digital inclusion", "audience": "educators"}), ["kenya", "leitura"]),
            (urlencode({"theme": "Digital inclusion", "audience": "educators", "free": "true"}), ["kenya"]),
            (urlencode({"theme": "Future of learning", "format": "online", "sort": "title"}), ["maths"]),
            (urlencode({"audience": "students", "q": "robots"}), ["robots"]),
        ],
    )


async def test_bad_theme_or_audience_is_named_on_api_and_page(labelled: Shelf, anon: Client) -> None:
    cases = [
        ("audience=aliens", "audience", "Who can join", "'aliens' is not one of the allowed choices."),
        ("theme=" + "t" * 41, "theme", "Theme", "Must be at most 40 characters long."),
    ]
    for query, field, label, message in cases:
        api = await anon.get(f"/api/v1/challenges?{query}")
        page = await anon.get(f"/challenges?{query}")

        assert (api.status_code, api.json()["errors"]) == (400, [{"field": field, "message": message}])
        assert page.status_code == 400
        assert (
            text_of(page.text, "catalog-errors")
            == f"These filters were ignored: {label} ({field}): {message}"
        )


async def test_filter_form_offers_the_editions_themes_and_the_audiences(
    labelled: Shelf, anon: Client
) -> None:
    form = form_of((await anon.get("/challenges?theme=digital+inclusion&audience=educators")).text)

    assert options(form, "theme") == [
        ("", "Any theme", False),
        ("Future of learning", "Future of learning", False),
        ("Digital inclusion", "Digital inclusion", True),
        ("AI in education", "AI in education", False),
        ("Green & digital", "Green & digital", False),
    ]
    assert options(form, "audience") == [
        ("", "Any audience", False),
        ("students", "Students", False),
        ("educators", "Teachers and educators", True),
        ("researchers", "Researchers", False),
        ("innovators", "Innovators", False),
        ("education_professionals", "Education professionals", False),
        ("anyone", "Anyone", False),
    ]
    ids = re.findall(r'<(?:input|select) id="([^"]+)"', form)
    assert ids[4:7] == ["filter-host-kind", "filter-theme", "filter-audience"]
    assert '<label for="filter-theme">Theme</label>' in form
    assert '<label for="filter-audience">Who can join</label>' in form


async def test_cards_show_themes_tags_and_audiences(labelled: Shelf, anon: Client) -> None:
    page = (await anon.get("/challenges")).text

    assert text_of(page, "labels-kenya") == "Digital inclusion Future of learning For: Anyone"
    assert text_of(page, "labels-maths") == "Future of learning #games For: Students, Teachers and educators"
    assert text_of(page, "labels-archive") == "For: Researchers"


async def test_empty_result_and_pager_keep_theme_and_audience(labelled: Shelf, anon: Client) -> None:
    empty = await anon.get("/challenges?theme=Green+%26+digital&audience=students")
    assert text_of(empty.text, "catalog-results") == (
        "No challenges match these filters: Theme: Green & digital Who can join: Students Clear filters"
    )

    first = await anon.get("/challenges?theme=Digital+inclusion&audience=educators&per_page=1")
    assert titles(first.text) == ["Mobile learning in Nairobi"]
    assert links(first.text) == {
        "next": f"/challenges?event={YEAR}&theme=Digital+inclusion&audience=educators&per_page=1&page=2"
    }
    assert titles((await anon.get(links(first.text)["next"])).text) == ["Leitura digital"]
