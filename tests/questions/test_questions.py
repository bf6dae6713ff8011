"""Questions a host asks when people join: managed by the host's members (page and API), answered in the
join form or the join body, checked before anything changes, shown in the roster and its CSV, part of the
person's own data."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Answer, Challenge, OutboxMessage, Question, Registration
from tests import factories
from tests.challenges.helpers import count, fetch_all, registrations_of, text_of, visible_text
from tests.conftest import Client, ClientFactory

QUESTIONS: list[dict[str, Any]] = [
    {"prompt": "Which school are you from?", "kind": "short_text", "required": True},
    {"prompt": "What would you like to build?", "kind": "long_text"},
    {"prompt": "Your level", "kind": "single_choice", "options": ["Beginner", "Expert"], "required": True},
    {"prompt": "Tools you bring", "kind": "multiple_choice", "options": ["Laptop", "Tablet", "Pen"]},
    {"prompt": "Do you need a meal?", "kind": "yes_no"},
]


async def asked(client: Client, c: Challenge, questions: list[dict[str, Any]] = QUESTIONS) -> list[int]:
    ids = []
    for body in questions:
        r = await client.post(f"/api/v1/challenges/{c.slug}/questions", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def answer_rows(app: Litestar) -> list[tuple[int, int, Any]]:
    rows = await fetch_all(
        app, select(Answer.registration_id, Answer.question_id, Answer.value).order_by(Answer.question_id)
    )
    return [tuple(row) for row in rows]


async def nothing_written(app: Litestar, c: Challenge) -> tuple[Any, ...]:
    return (
        await registrations_of(app, c.id),
        await count(app, Answer),
        await count(app, OutboxMessage),
        tuple((await fetch_all(app, select(Challenge.confirmed_count).where(Challenge.id == c.id)))[0]),
    )


async def test_host_member_adds_questions_of_every_kind_and_everyone_reads_them_in_order(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    ids = await asked(host, c)

    expected = [
        {
            "id": qid,
            "position": n,
            "kind": body["kind"],
            "prompt": body["prompt"],
            "required": body.get("required", False),
            "options": body.get("options", []),
        }
        for n, (qid, body) in enumerate(zip(ids, QUESTIONS, strict=True), start=1)
    ]
    public = await anon.get(f"/api/v1/challenges/{c.slug}/questions")
    assert public.status_code == 200
    assert public.json() == [{**q, "answers": None} for q in expected]
    # the host's members also see how many answered each
    mine = await host.get(f"/api/v1/challenges/{c.slug}/questions")
    assert mine.json() == [{**q, "answers": 0} for q in expected]


async def test_only_members_of_the_challenges_host_manage_its_questions(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    (qid,) = await asked(await client_factory(world.member_a), c, QUESTIONS[:1])
    body = {"prompt": "Sneaky question?", "kind": "yes_no"}
    for who, expected in [
        (await client_factory(world.member_b), 403),
        (await client_factory(world.alice), 403),
        (anon, 401),
    ]:
        assert (await who.post(f"/api/v1/challenges/{c.slug}/questions", json=body)).status_code == expected
        put = await who.put(f"/api/v1/challenges/{c.slug}/questions/{qid}", json=body)
        assert put.status_code == expected
        assert (await who.delete(f"/api/v1/challenges/{c.slug}/questions/{qid}")).status_code == expected
        page = await who.get(f"/challenges/{c.slug}/questions")
        assert page.status_code == (302 if expected == 401 else 403)
    rows = await fetch_all(app, select(Question.prompt))
    assert [r[0] for r in rows] == [QUESTIONS[0]["prompt"]]


async def test_a_draft_challenges_questions_are_hidden_like_the_challenge(
    world: factories.World, db: AsyncSession, anon: Client, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="draft", status="draft")  # type: ignore[arg-type]
    await asked(await client_factory(world.member_a), c, QUESTIONS[:1])
    r = await anon.get(f"/api/v1/challenges/{c.slug}/questions")
    assert (r.status_code, r.json()["detail"]) == (404, "There is no challenge 'draft'.")


async def test_bad_questions_are_refused_naming_the_field(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    cases = [
        (
            {"prompt": "Pick one", "kind": "single_choice", "options": ["Only"]},
            422,
            "options: Give at least two choices, one per line.",
        ),
        (
            {"prompt": "Pick one", "kind": "single_choice", "options": ["Yes", "yes"]},
            422,
            "options: Each choice can appear only once.",
        ),
        (
            {"prompt": "Your name", "kind": "short_text", "options": ["A", "B"]},
            422,
            "options: Only single and multiple choice questions have choices: leave this empty.",
        ),
        ({"prompt": "x" * 301, "kind": "short_text"}, 400, "prompt: Must be at most 300 characters long."),
        ({"prompt": "Your name", "kind": "essay"}, 400, None),
        ({"prompt": "Your name", "kind": "short_text", "status": "x"}, 400, None),
    ]
    for body, status, detail in cases:
        r = await host.post(f"/api/v1/challenges/{c.slug}/questions", json=body)
        assert r.status_code == status, (body, r.text)
        if detail:
            assert r.json()["detail"] == detail
    assert await count(app, Question) == 0


async def test_joining_stores_the_answers_and_the_roster_shows_them_in_the_questions_order(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    school, build, level, tools, meal = await asked(host, c)
    alice = await client_factory(world.alice)
    answers = {
        str(meal): False,
        str(tools): ["Pen", "Laptop", "Pen"],  # kept in the question's order, once each
        str(level): "Expert",
        str(school): "  Escola Secundária de Camões  ",
        str(build): "",  # not required: an empty answer is no answer
    }
    r = await alice.post(f"/api/v1/challenges/{c.slug}/registration", json={"answers": answers})
    assert r.status_code == 201, r.text
    reg = r.json()["id"]
    assert await answer_rows(app) == [
        (reg, school, "Escola Secundária de Camões"),
        (reg, level, "Expert"),
        (reg, tools, ["Laptop", "Pen"]),
        (reg, meal, False),
    ]
    roster = (await host.get(f"/api/v1/challenges/{c.slug}/registrations")).json()
    assert roster[0]["answers"] == [
        {
            "question_id": school,
            "prompt": "Which school are you from?",
            "value": "Escola Secundária de Camões",
        },
        {"question_id": level, "prompt": "Your level", "value": "Expert"},
        {"question_id": tools, "prompt": "Tools you bring", "value": ["Laptop", "Pen"]},
        {"question_id": meal, "prompt": "Do you need a meal?", "value": False},
    ]
    counts = (await host.get(f"/api/v1/challenges/{c.slug}/questions")).json()
    assert [q["answers"] for q in counts] == [1, 0, 1, 1, 1]
    page = await host.get(f"/challenges/{c.slug}/participants")
    row = text_of(page.text, f"registration-{reg}")
    assert row is not None and "Escola Secundária de Camões" in row and "Laptop; Pen" in row and "No" in row


async def test_wrong_or_missing_answers_are_refused_by_field_and_change_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    school, build, level, tools, meal = await asked(await client_factory(world.member_a), c)
    alice = await client_factory(world.alice)
    before = await nothing_written(app, c)
    cases: list[tuple[Any, list[dict[str, str]]]] = [
        (
            None,
            [
                {"field": f"answers.{school}", "message": "This question needs an answer."},
                {"field": f"answers.{level}", "message": "This question needs an answer."},
            ],
        ),
        (
            {"answers": {str(school): "   ", str(level): "Expert"}},
            [{"field": f"answers.{school}", "message": "This question needs an answer."}],
        ),
        (
            {"answers": {str(school): "A", str(level): "Guru"}},
            [{"field": f"answers.{level}", "message": "'Guru' is not one of the choices."}],
        ),
        (
            {"answers": {str(school): "A", str(level): "Expert", str(tools): ["Laptop", "Phone"]}},
            [{"field": f"answers.{tools}", "message": "'Phone' is not one of the choices."}],
        ),
        (
            {"answers": {str(school): "A", str(level): "Expert", str(meal): "yes"}},
            [{"field": f"answers.{meal}", "message": "Answer yes or no (true or false)."}],
        ),
        (
            {"answers": {str(school): ["A"], str(level): "Expert"}},
            [{"field": f"answers.{school}", "message": "Answer with text."}],
        ),
        (
            {"answers": {str(school): "x" * 201, str(level): "Expert"}},
            [{"field": f"answers.{school}", "message": "Keep the answer to 200 characters (it has 201)."}],
        ),
        (
            {"answers": {str(school): "A", str(level): "Expert", "999999": "?"}},
            [{"field": "answers.999999", "message": "This challenge has no question 999999."}],
        ),
    ]
    for body, errors in cases:
        r = await alice.post(f"/api/v1/challenges/{c.slug}/registration", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"] == errors
    assert await nothing_written(app, c) == before
    assert build  # answered by nobody: not required


async def test_the_join_form_asks_the_questions_and_keeps_the_answers_when_one_is_missing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps", title="Maps for all")
    school, build, level, tools, meal = await asked(await client_factory(world.member_a), c)
    alice = await client_factory(world.alice)
    page = await alice.get(f"/challenges/{c.slug}")
    form = text_of(page.text, "join-form")
    assert form is not None
    for q in QUESTIONS:
        assert q["prompt"] in form
    before = await nothing_written(app, c)

    typed = {
        f"answer_{build}": "A map of <b>accessible</b> schools",
        f"answer_{tools}": ["Tablet", "Pen"],
        f"answer_{meal}": "yes",
    }
    refused = await alice.submit(f"/challenges/{c.slug}/join", typed)
    assert refused.status_code == 422
    assert text_of(refused.text, f"error-answer_{school}") == "This question needs an answer."
    assert text_of(refused.text, f"error-answer_{level}") == "This question needs an answer."
    # what was typed is still there (escaped), the boxes still ticked, the radio still chosen
    assert "A map of &lt;b&gt;accessible&lt;/b&gt; schools</textarea>" in refused.text
    assert 'value="Tablet" checked' in refused.text and 'value="Pen" checked' in refused.text
    assert 'value="Laptop">' in refused.text
    assert 'value="yes" checked' in refused.text
    assert await nothing_written(app, c) == before

    ok = await alice.submit(
        f"/challenges/{c.slug}/join", {**typed, f"answer_{school}": "Camões", f"answer_{level}": "Beginner"}
    )
    assert (ok.status_code, ok.headers["location"]) == (302, f"/challenges/{c.slug}")
    (reg,) = [r[0] for r in await fetch_all(app, select(Registration.id))]
    assert await answer_rows(app) == [
        (reg, school, "Camões"),
        (reg, build, "A map of <b>accessible</b> schools"),
        (reg, level, "Beginner"),
        (reg, tools, ["Tablet", "Pen"]),
        (reg, meal, True),
    ]


async def test_a_challenge_without_questions_is_joined_with_one_click(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    alice = await client_factory(world.alice)
    page = await alice.get(f"/challenges/{c.slug}")
    assert text_of(page.text, "join-form") is None
    assert (await alice.submit(f"/challenges/{c.slug}/join")).status_code == 302
    r = await (await client_factory(world.bob)).post(f"/api/v1/challenges/{c.slug}/registration")
    assert r.status_code == 201


async def test_moving_answers_the_new_challenges_questions_or_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    old = await factories.challenge(db, world.event, world.host_b, slug="old")
    new = await factories.challenge(db, world.event, world.host_a, slug="new")
    (school,) = await asked(await client_factory(world.member_a), new, QUESTIONS[:1])
    alice = await client_factory(world.alice)
    assert (await alice.post(f"/api/v1/challenges/{old.slug}/registration")).status_code == 201
    before = (await registrations_of(app, old.id), await registrations_of(app, new.id))

    r = await alice.post(f"/api/v1/challenges/{new.slug}/registration/move", json={"from_challenge": "old"})
    assert (r.status_code, r.json()["errors"]) == (
        422,
        [{"field": f"answers.{school}", "message": "This question needs an answer."}],
    )
    assert (await registrations_of(app, old.id), await registrations_of(app, new.id)) == before

    # on the page, the refused join offers the move and carries the answers along
    join = await alice.submit(f"/challenges/{new.slug}/join", {f"answer_{school}": "Camões"})
    assert join.status_code == 409
    assert f'name="answer_{school}" value="Camões"' in join.text
    moved = await alice.submit(
        f"/challenges/{new.slug}/move", {"from_challenge": "old", f"answer_{school}": "Camões"}
    )
    assert moved.status_code == 302
    assert [status for _, status in await registrations_of(app, old.id)] == ["cancelled"]
    assert [status for _, status in await registrations_of(app, new.id)] == ["confirmed"]
    assert [(q, v) for _, q, v in await answer_rows(app)] == [(school, "Camões")]


async def test_an_answered_question_keeps_its_kind_and_the_choices_people_made(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    (level,) = await asked(host, c, [QUESTIONS[2]])
    alice = await client_factory(world.alice)
    join = await alice.post(
        f"/api/v1/challenges/{c.slug}/registration", json={"answers": {str(level): "Expert"}}
    )
    assert join.status_code == 201
    url = f"/api/v1/challenges/{c.slug}/questions/{level}"

    r = await host.put(url, json={"prompt": "Your level", "kind": "short_text"})
    assert (r.status_code, r.json()["detail"]) == (
        409,
        "1 participants answered this question, so its kind can't change: add a new question instead.",
    )
    r = await host.put(url, json={"prompt": "Level", "kind": "single_choice", "options": ["Beginner", "Pro"]})
    assert (r.status_code, r.json()["detail"]) == (
        422,
        "options: Participants chose 'Expert': keep these choices.",
    )
    # rewording and adding a choice are fine
    r = await host.put(
        url,
        json={
            "prompt": "Your level today",
            "kind": "single_choice",
            "options": ["Beginner", "Expert", "Guru"],
        },
    )
    assert r.status_code == 200
    assert (r.json()["prompt"], r.json()["options"], r.json()["answers"]) == (
        "Your level today",
        ["Beginner", "Expert", "Guru"],
        1,
    )


async def test_questions_are_ordered_moved_and_deleted_with_their_answers(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    first, second, third = await asked(host, c, [QUESTIONS[1], QUESTIONS[3], QUESTIONS[4]])
    alice = await client_factory(world.alice)
    body = {"answers": {str(first): "A quiz", str(third): True}}
    assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration", json=body)).status_code == 201

    async def order() -> list[int]:
        return [q["id"] for q in (await host.get(f"/api/v1/challenges/{c.slug}/questions")).json()]

    # a new question at position 1 goes first
    (zero,) = await asked(host, c, [{"prompt": "Your name tag?", "kind": "short_text", "position": 1}])
    assert await order() == [zero, first, second, third]
    # the page's buttons move one place
    assert (
        await host.submit(f"/challenges/{c.slug}/questions/{third}/move", {"direction": "up"})
    ).status_code == 302
    assert await order() == [zero, first, third, second]
    assert (
        await host.submit(f"/challenges/{c.slug}/questions/{zero}/move", {"direction": "down"})
    ).status_code == 302
    assert await order() == [first, zero, third, second]

    page = await host.get(f"/challenges/{c.slug}/questions")
    assert "Delete question 1 and its 1 answers" in visible_text(page.text)
    assert (await host.delete(f"/api/v1/challenges/{c.slug}/questions/{first}")).status_code == 204
    assert await order() == [zero, third, second]
    positions = await fetch_all(app, select(Question.position).order_by(Question.position))
    assert [p[0] for p in positions] == [1, 2, 3]
    assert [(q, v) for _, q, v in await answer_rows(app)] == [(third, True)]
    deleted = await host.submit(f"/challenges/{c.slug}/questions/{third}/delete")
    assert deleted.status_code == 302
    assert await answer_rows(app) == []


async def test_the_questions_page_adds_and_edits_with_errors_next_to_the_field(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    empty = await host.get(f"/challenges/{c.slug}/questions")
    assert text_of(empty.text, "no-questions") == "No questions yet: people join with one click."

    bad = {"prompt": "Pick your track", "kind": "single_choice", "options": "Design\n", "required": "on"}
    r = await host.submit(f"/challenges/{c.slug}/questions", bad)
    assert r.status_code == 422
    assert text_of(r.text, "error-options") == "Give at least two choices, one per line."
    assert 'value="Pick your track"' in r.text
    assert await count(app, Question) == 0

    good = {**bad, "options": "Design\r\n  Code \r\n\r\nResearch"}
    r = await host.submit(f"/challenges/{c.slug}/questions", good)
    assert (r.status_code, r.headers["location"]) == (302, f"/challenges/{c.slug}/questions")
    ((q,),) = await fetch_all(app, select(Question))
    assert (q.prompt, q.kind.value, q.required, q.options) == (
        "Pick your track",
        "single_choice",
        True,
        ["Design", "Code", "Research"],
    )
    edit = await host.get(f"/challenges/{c.slug}/questions/{q.id}/edit")
    assert "Design\nCode\nResearch</textarea>" in edit.text
    saved = await host.submit(
        f"/challenges/{c.slug}/questions/{q.id}", {"prompt": "Track", "kind": "yes_no", "options": ""}
    )
    assert saved.status_code == 302
    ((q,),) = await fetch_all(app, select(Question))
    assert (q.prompt, q.kind.value, q.required, q.options) == ("Track", "yes_no", False, [])


async def test_the_challenge_csv_has_a_column_per_question_safe_for_spreadsheets(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    host = await client_factory(world.member_a)
    school, _build, level, tools, meal = await asked(host, c)
    answers = {
        str(school): '=HYPERLINK("http://evil.example","click")',
        str(level): "Beginner",
        str(tools): ["Laptop", "Pen"],
        str(meal): True,
    }
    alice = await client_factory(world.alice)
    assert (
        await alice.post(f"/api/v1/challenges/{c.slug}/registration", json={"answers": answers})
    ).status_code == 201
    await factories.registration(db, c, world.bob)  # joined before the questions: no answers

    r = await host.get(f"/challenges/{c.slug}/roster.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["name", "email", "team", "status", *(q["prompt"] for q in QUESTIONS)]
    assert rows[1][0] == "Alice Participant"
    assert rows[1][4:] == [
        '\'=HYPERLINK("http://evil.example","click")',
        "",
        "Beginner",
        "Laptop; Pen",
        "yes",
    ]
    assert rows[2][0] == "Bob Participant"
    assert rows[2][4:] == ["", "", "", "", ""]


async def test_answers_are_in_the_persons_data_and_erased_with_the_account(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="maps")
    (school,) = await asked(await client_factory(world.member_a), c, QUESTIONS[:1])
    alice = await client_factory(world.alice)
    body = {"answers": {str(school): "Camões"}}
    assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration", json=body)).status_code == 201

    export = (await alice.get("/api/v1/me/export")).json()
    assert export["registrations"][0]["answers"] == [
        {"question_id": school, "prompt": "Which school are you from?", "value": "Camões"}
    ]
    r = await alice.request("DELETE", "/api/v1/me", json={"password": factories.PASSWORD})
    assert r.status_code == 204, r.text
    assert await count(app, Answer) == 0


async def test_questions_of_a_past_edition_are_an_archive(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    c = await factories.challenge(db, past, world.host_a, slug="old")
    r = await (await client_factory(world.member_a)).post(
        f"/api/v1/challenges/{c.slug}/questions", json=QUESTIONS[0]
    )
    assert r.status_code == 409
    assert r.json()["detail"].endswith("its challenges are an archive and can't be changed.")
    assert await count(app, Question) == 0
