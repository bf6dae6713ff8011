"""What the roster files hold, read back like their users would (CSV with the csv module, XLSX with openpyxl,
JSON parsed) and compared with the database: every filter, every file option, the column picker and the
purposes (recorded in the audit entry with filters and row count), formulas neutralised in CSV and XLSX, and
one status vocabulary in all three formats."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import openpyxl
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Account,
    Answer,
    AuditEntry,
    Challenge,
    ChallengeFormat,
    Occupation,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Team,
    TeamMember,
)
from tests import factories
from tests.challenges.helpers import YEAR, count, fetch_all, visible_text
from tests.conftest import ClientFactory

PREFIXES = ["/api/v1", ""]
CHECKED_IN_AT = factories.now().replace(microsecond=0) - timedelta(hours=1)


# --- reading the files back ------------------------------------------------------------------------------
def read_csv(response: httpx.Response, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""), delimiter=delimiter))


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_text(value: Any) -> str:
    """A cell's text as Excel shows it: OOXML writes control characters as _xHHHH_ (CR is _x000D_), which
    openpyxl leaves as they are."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), "" if value is None else str(value))


def read_xlsx(response: httpx.Response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.text
    return openpyxl.load_workbook(io.BytesIO(response.content))


def sheet_rows(book: openpyxl.Workbook) -> dict[str, list[list[str]]]:
    """Every sheet's cells as text, by sheet name, in the workbook's order."""
    out = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(
                cell.data_type == "s" for cell in row if cell.value is not None
            )  # text, never a formula
        out[ws.title] = [[ooxml_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
    return out


def column_widths(ws: Any) -> dict[int, float]:
    """Each column's width in characters, by number (1 = A), from <col> elements that may span several
    columns; stored with Excel's 5 pixels of padding (+0.7109375)."""
    out = {}
    for dim in ws.column_dimensions.values():
        for n in range(dim.min, dim.max + 1):
            out[n] = dim.width - 0.7109375
    return out


def read_json(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: list[dict[str, Any]] = response.json()
    return body


# --- the cast --------------------------------------------------------------------------------------------
@dataclass
class Cast:
    """Robots (host A, online, English, three questions) and Makers (host B, in person, pt-BR)."""

    robots: Challenge
    makers: Challenge
    questions: list[Question]
    people: dict[str, Account]
    registrations: dict[str, Registration]


async def add_team(db: AsyncSession, c: Challenge, name: str, *members: Account) -> None:
    team = Team(
        challenge_id=c.id,
        name=name,
        code=f"T{abs(hash(name)) % 10**9:09d}"[:16],
        member_count=len(members),
        created_at=factories.now(),
    )
    db.add(team)
    await db.flush()
    for a in members:
        db.add(TeamMember(team_id=team.id, account_id=a.id, challenge_id=c.id, joined_at=factories.now()))
    await db.commit()


async def add_questions(db: AsyncSession, c: Challenge) -> list[Question]:
    qs = [
        Question(
            challenge_id=c.id, position=1, kind=QuestionKind.SHORT_TEXT, prompt="Your school?", options=[]
        ),
        Question(
            challenge_id=c.id, position=2, kind=QuestionKind.YES_NO, prompt="Need a laptop?", options=[]
        ),
        Question(
            challenge_id=c.id,
            position=3,
            kind=QuestionKind.MULTIPLE_CHOICE,
            prompt="Tools?",
            options=["Scratch", "Python"],
        ),
    ]
    for q in qs:
        q.required = False
        q.created_at = factories.now()
    db.add_all(qs)
    await db.commit()
    return qs


async def answer(db: AsyncSession, r: Registration, values: dict[Question, Any]) -> None:
    db.add_all(Answer(registration_id=r.id, question_id=q.id, value=v) for q, v in values.items())
    await db.commit()


async def cast(db: AsyncSession, world: factories.World) -> Cast:
    world.event.max_challenges_per_participant = None
    robots = await factories.challenge(
        db, world.event, world.host_a, slug="robots", title="Robots in class", capacity=None
    )
    makers = await factories.challenge(
        db,
        world.event,
        world.host_b,
        slug="makers",
        title="Makers",
        capacity=None,
        fmt=ChallengeFormat.IN_PERSON,
    )
    makers.language = "pt-BR"
    alice, bob = world.alice, world.bob  # PT, KE
    alice.contact_consent_at = factories.now()
    carol = await factories.account(db, "carol@example.org", "Carol Participant")  # no country, no consent
    dan = await factories.account(db, "dan@example.org", "Dan Participant", country="PT")
    dan.contact_consent_at = factories.now()
    erin = await factories.account(db, "erin@example.org", "Erin Participant", country="BE")
    frank = await factories.account(db, "frank@example.org", "Frank Participant", country="KE")
    await db.commit()
    qs = await add_questions(db, robots)
    regs = {
        "alice": await factories.registration(db, robots, alice),
        "bob": await factories.registration(db, robots, bob, RegistrationStatus.WAITLISTED),
        "dan": await factories.registration(db, robots, dan, checked_in_at=CHECKED_IN_AT),
        "erin": await factories.registration(db, robots, erin, RegistrationStatus.CANCELLED),
        "carol": await factories.registration(db, makers, carol),
        "frank": await factories.registration(db, makers, frank, checked_in_at=CHECKED_IN_AT),
    }
    await answer(db, regs["alice"], {qs[0]: "Escola Sol", qs[1]: True, qs[2]: ["Scratch", "Python"]})
    await answer(db, regs["dan"], {qs[1]: False})
    await add_team(db, robots, "Red Team", alice, dan)
    people = {"alice": alice, "bob": bob, "carol": carol, "dan": dan, "erin": erin, "frank": frank}
    return Cast(robots, makers, qs, people, regs)


async def last_audit(app: Litestar) -> tuple[str, dict[str, Any]]:
    rows = await fetch_all(app, select(AuditEntry.target, AuditEntry.details).order_by(AuditEntry.id.desc()))
    target, details = rows[0]
    return target, details


# --- default columns, read back in three formats and compared with the database ---------------------------
async def database_rows(app: Litestar, challenge_id: int) -> list[dict[str, Any]]:
    """The challenge's confirmed and waitlisted registrations as the database holds them, in roster order."""
    rows = await fetch_all(
        app,
        select(Registration, Account, Team.name)
        .join(Account, Account.id == Registration.account_id)
        .outerjoin(
            TeamMember,
            (TeamMember.account_id == Account.id) & (TeamMember.challenge_id == Registration.challenge_id),
        )
        .outerjoin(Team, Team.id == TeamMember.team_id)
        .where(Registration.challenge_id == challenge_id)
        .where(Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]))
        .order_by(Registration.id),
    )
    answers = await fetch_all(app, select(Answer.registration_id, Answer.question_id, Answer.value))
    out = []
    for reg, acc, team in rows:
        status = reg.status.value
        if reg.status == RegistrationStatus.CONFIRMED and reg.checked_in_at is not None:
            status = "checked_in"
        out.append(
            {
                "registration_id": reg.id,
                "name": acc.display_name,
                "email": acc.email,
                "team": team,
                "status": status,
                "checked_in": reg.checked_in_at is not None,
                "answers": {qid: v for rid, qid, v in answers if rid == reg.id},
            }
        )
    return out


def answer_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else value


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_default_roster_of_a_challenge_is_the_same_in_csv_xlsx_and_json_and_matches_the_database(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    """Default columns (the minimum): name, email, team, status, then a column per question; the confirmed
    (checked in or not) and the waitlisted; the cancelled left out."""
    c = await cast(db, world)
    member = await client_factory(world.member_a)
    base = f"{prefix}/challenges/robots/roster"
    expected = await database_rows(app, c.robots.id)
    assert [r["name"] for r in expected] == ["Alice Participant", "Bob Participant", "Dan Participant"]
    header = ["name", "email", "team", "status", "Your school?", "Need a laptop?", "Tools?"]
    table = [header] + [
        [r["name"], r["email"], r["team"] or "", r["status"]]
        + [answer_cell(r["answers"].get(q.id)) for q in c.questions]
        for r in expected
    ]

    as_csv = read_csv(await member.get(f"{base}.csv"))
    as_xlsx = sheet_rows(read_xlsx(await member.get(f"{base}.xlsx")))
    as_json = read_json(await member.get(f"{base}.json"))

    assert as_csv == table
    assert as_csv[1:] == [
        [
            "Alice Participant",
            "alice@example.org",
            "Red Team",
            "confirmed",
            "Escola Sol",
            "yes",
            "Scratch; Python",
        ],
        ["Bob Participant", "bob@example.org", "", "waitlisted", "", "", ""],
        ["Dan Participant", "dan@example.org", "Red Team", "checked_in", "", "no", ""],
    ]
    assert as_xlsx == {"Robots in class": table}
    assert as_json == [
        {
            "registration_id": r["registration_id"],
            "name": r["name"],
            "email": r["email"],
            "team": r["team"],
            "status": r["status"],
            "checked_in": r["checked_in"],
            "answers": [
                {"question_id": q.id, "prompt": q.prompt, "value": r["answers"][q.id]}
                for q in c.questions
                if q.id in r["answers"]
            ],
        }
        for r in expected
    ]
    rows = await fetch_all(app, select(AuditEntry.details["rows"]).order_by(AuditEntry.id))
    assert [r[0] for r in rows] == [3, 3, 3]


async def test_event_roster_puts_all_answers_in_one_column_and_one_xlsx_sheet_per_challenge(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    organizer = await client_factory(world.organizer)

    as_csv = read_csv(await organizer.get(f"/api/v1/events/{YEAR}/roster.csv"))
    book = read_xlsx(await organizer.get(f"/api/v1/events/{YEAR}/roster.xlsx"))
    single = read_xlsx(await organizer.get(f"/api/v1/events/{YEAR}/roster.xlsx?sheets=single"))

    header = ["name", "email", "team", "status", "answers"]
    makers = [
        ["Carol Participant", "carol@example.org", "", "confirmed", ""],
        ["Frank Participant", "frank@example.org", "", "checked_in", ""],
    ]
    robots = [
        ["Alice Participant", "alice@example.org", "Red Team", "confirmed",
         "Your school?: Escola Sol; Need a laptop?: yes; Tools?: Scratch; Python"],
        ["Bob Participant", "bob@example.org", "", "waitlisted", ""],
        ["Dan Participant", "dan@example.org", "Red Team", "checked_in", "Need a laptop?: no"],
    ]  # fmt: skip
    assert as_csv == [header, *makers, *robots]  # ordered by challenge title
    assert sheet_rows(book) == {"Makers": [header, *makers], "Robots in class": [header, *robots]}
    assert sheet_rows(single) == {"Roster": [header, *makers, *robots]}
    for ws in [*book.worksheets, *single.worksheets]:
        assert ws.freeze_panes == "A2"  # the header stays in view
        assert [c.font.b for c in ws[1]] == [True] * 5  # bold
        assert column_widths(ws) == {1: 28, 2: 32, 3: 18, 4: 18, 5: 48}


# --- filters ---------------------------------------------------------------------------------------------
def names(rows: list[list[str]]) -> list[str]:
    return [r[0] for r in rows[1:]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Carol", "Frank", "Alice", "Bob", "Dan"]),
        ("status=confirmed", ["Carol", "Frank", "Alice", "Dan"]),
        ("status=waitlisted", ["Bob"]),
        ("status=cancelled", ["Erin"]),
        ("status=checked_in", ["Frank", "Dan"]),
        ("status=checked_in&status=waitlisted", ["Frank", "Bob", "Dan"]),
        (
            "status=confirmed&status=waitlisted&status=cancelled",
            ["Carol", "Frank", "Alice", "Bob", "Dan", "Erin"],
        ),
        ("country=PT", ["Alice", "Dan"]),
        ("country=pt", ["Alice", "Dan"]),  # any case
        ("country=ke&status=waitlisted&status=confirmed", ["Frank", "Bob"]),
        ("format=online", ["Alice", "Bob", "Dan"]),
        ("format=in_person", ["Carol", "Frank"]),
        ("format=hybrid", []),
        ("language=en", ["Alice", "Bob", "Dan"]),
        ("language=pt", ["Carol", "Frank"]),  # a primary language finds its variants
        ("language=PT-br", ["Carol", "Frank"]),
        ("language=pt-PT", []),
    ],
)
async def test_each_filter_of_the_event_roster(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    query: str,
    expected: list[str],
) -> None:
    await cast(db, world)
    organizer = await client_factory(world.organizer)
    for prefix in PREFIXES:
        rows = read_csv(await organizer.get(f"{prefix}/events/{YEAR}/roster.csv?columns=name&{query}"))
        assert names(rows) == [f"{n} Participant" for n in expected]
        as_json = read_json(await organizer.get(f"{prefix}/events/{YEAR}/roster.json?columns=name&{query}"))
        assert [r["name"] for r in as_json] == [f"{n} Participant" for n in expected]
    _, details = await last_audit(app)
    assert details["rows"] == len(expected)


async def test_scopes_hold_their_own_challenges_only(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await cast(db, world)
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, world.host_a, slug="old", title="Old")
    await factories.registration(db, old, c.people["carol"])
    organizer = await client_factory(world.organizer)

    def url(path: str) -> str:
        return f"/api/v1{path}?columns=name&columns=challenge"

    assert read_csv(await organizer.get(url("/hosts/leuven-lab/roster.csv")))[1:] == [
        ["Alice Participant", "Robots in class"],
        ["Bob Participant", "Robots in class"],
        ["Dan Participant", "Robots in class"],
    ]
    assert read_csv(await organizer.get(url("/hosts/nairobi-circle/roster.csv")))[1:] == [
        ["Carol Participant", "Makers"],
        ["Frank Participant", "Makers"],
    ]
    host_2021 = read_csv(await organizer.get(url("/hosts/leuven-lab/roster.csv") + "&event=2021"))
    assert host_2021[1:] == [["Carol Participant", "Old"]]
    assert read_csv(await organizer.get(url("/events/2021/roster.csv")))[1:] == [["Carol Participant", "Old"]]
    assert read_csv(await organizer.get(url("/challenges/makers/roster.csv")))[1:] == [
        ["Carol Participant", "Makers"],
        ["Frank Participant", "Makers"],
    ]


# --- columns, purposes and the audit entry ---------------------------------------------------------------
async def test_columns_come_in_the_order_picked_once_each_with_personal_details_only_when_picked(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await cast(db, world)
    people = c.people
    people["alice"].occupation = Occupation.TEACHER
    people["alice"].is_coder = False
    await db.commit()
    organizer = await client_factory(world.organizer)
    columns = ["email", "name", "email", "country", "occupation", "coder", "language", "contact_consent",
               "challenge", "host", "registered_at", "checked_in_at"]  # fmt: skip
    query = "&".join(f"columns={col}" for col in columns) + "&status=confirmed"

    rows = read_csv(await organizer.get(f"/api/v1/challenges/robots/roster.csv?{query}"))
    as_json = read_json(await organizer.get(f"/api/v1/challenges/robots/roster.json?{query}"))

    reg = c.registrations
    assert rows == [
        ["email", "name", "country", "occupation", "coder", "language", "contact_consent", "challenge",
         "host", "registered_at", "checked_in_at"],
        ["alice@example.org", "Alice Participant", "PT", "teacher", "no", "en", "yes", "Robots in class",
         "Leuven Lab", reg["alice"].created_at.isoformat(), ""],
        ["dan@example.org", "Dan Participant", "PT", "", "", "en", "yes", "Robots in class", "Leuven Lab",
         reg["dan"].created_at.isoformat(), CHECKED_IN_AT.isoformat()],
    ]  # fmt: skip
    assert as_json[1] == {
        "registration_id": reg["dan"].id,
        "email": "dan@example.org",
        "name": "Dan Participant",
        "country": "PT",
        "occupation": None,
        "coder": None,
        "language": "en",
        "contact_consent": True,
        "challenge": "Robots in class",
        "host": "Leuven Lab",
        "registered_at": reg["dan"].created_at.isoformat().replace("+00:00", "Z"),
        "checked_in_at": CHECKED_IN_AT.isoformat().replace("+00:00", "Z"),
    }
    _, details = await last_audit(app)
    assert details["columns"] == list(dict.fromkeys(columns))


@pytest.mark.parametrize(
    ("purpose", "header", "rows", "statuses"),
    [
        (
            "venue_access",
            ["name", "challenge", "team"],
            [["Carol Participant", "Makers", ""], ["Frank Participant", "Makers", ""],
             ["Alice Participant", "Robots in class", "Red Team"],
             ["Dan Participant", "Robots in class", "Red Team"]],
            ["confirmed"],
        ),
        (
            "certificates",
            ["name", "challenge", "checked_in_at"],
            [["Frank Participant", "Makers", CHECKED_IN_AT.isoformat()],
             ["Dan Participant", "Robots in class", CHECKED_IN_AT.isoformat()]],
            ["checked_in"],
        ),
        (
            "host_contact",
            ["name", "email", "challenge", "contact_consent"],
            [["Carol Participant", "carol@example.org", "Makers", "no"],
             ["Frank Participant", "frank@example.org", "Makers", "no"],
             ["Alice Participant", "alice@example.org", "Robots in class", "yes"],
             ["Bob Participant", "bob@example.org", "Robots in class", "no"],
             ["Dan Participant", "dan@example.org", "Robots in class", "yes"]],
            ["confirmed", "waitlisted"],
        ),
    ],
)  # fmt: skip
async def test_a_purpose_chooses_columns_and_people_and_is_recorded_in_the_audit_entry(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    purpose: str,
    header: list[str],
    rows: list[list[str]],
    statuses: list[str],
) -> None:
    """A purpose's preset wins over a column or status choice sent with it; the participants without consent
    to be contacted are marked "no" in the contact list."""
    await cast(db, world)
    organizer = await client_factory(world.organizer)

    response = await organizer.get(
        f"/events/{YEAR}/roster.csv?purpose={purpose}&columns=country&status=cancelled&country=&bom=true"
    )

    assert response.content.startswith(b"\xef\xbb\xbf")
    assert read_csv(response) == [["\ufeff" + header[0], *header[1:]], *rows]
    target, details = await last_audit(app)
    assert (target, details) == (
        f"event:{YEAR}",
        {
            "format": "csv",
            "purpose": purpose,
            "columns": header,
            "filters": {"status": statuses, "country": None, "format": None, "language": None},
            "rows": len(rows),
        },
    )


async def test_the_audit_entry_records_every_filter_and_the_row_count(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    organizer = await client_factory(world.organizer)
    response = await organizer.get(
        f"/api/v1/events/{YEAR}/roster.xlsx?status=checked_in&status=confirmed&country=pt&format=online"
        "&language=EN&columns=name&sheets=single"
    )
    assert sheet_rows(read_xlsx(response)) == {
        "Roster": [["name"], ["Alice Participant"], ["Dan Participant"]]
    }
    assert await last_audit(app) == (
        f"event:{YEAR}",
        {
            "format": "xlsx",
            "purpose": "custom",
            "columns": ["name"],
            "filters": {
                "status": ["checked_in", "confirmed"],
                "country": "PT",
                "format": "online",
                "language": "EN",
            },
            "rows": 2,
        },
    )
    rows = await fetch_all(app, select(AuditEntry.actor_id, AuditEntry.action))
    assert rows == [(world.organizer.id, "roster.export")]


# --- CSV options ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("delimiter", "char"), [("comma", ","), ("semicolon", ";"), ("tab", "\t")])
@pytest.mark.parametrize("bom", [None, "false", "true"])
async def test_csv_delimiter_and_byte_order_mark(
    world: factories.World,
    db: AsyncSession,
    client_factory: ClientFactory,
    delimiter: str,
    char: str,
    bom: str | None,
) -> None:
    c = await cast(db, world)
    c.people["alice"].display_name = "Alice; the, first\tone"
    await db.commit()
    organizer = await client_factory(world.organizer)
    query = f"delimiter={delimiter}&columns=name&columns=status&status=confirmed" + (
        f"&bom={bom}" if bom else ""
    )

    response = await organizer.get(f"/api/v1/challenges/robots/roster.csv?{query}")

    raw = response.content
    if bom == "true":
        assert raw.startswith(b"\xef\xbb\xbf")
        raw = raw[3:]
    else:
        assert raw.startswith(b"name")
    assert raw.decode().split("\r\n") == [
        f"name{char}status",
        f'"Alice; the, first\tone"{char}confirmed',
        f"Dan Participant{char}checked_in",
        "",
    ]
    text = raw.decode()
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=char)) == [
        ["name", "status"],
        ["Alice; the, first\tone", "confirmed"],
        ["Dan Participant", "checked_in"],
    ]


# --- formulas --------------------------------------------------------------------------------------------
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
NEUTRALISED = ["'" + v for v in HOSTILE]
HARMLESS = ["Ana-Maria = ok", "1+1", "x=1"]


async def hostile_cast(db: AsyncSession, world: factories.World) -> Challenge:
    """A challenge whose title, question prompt, participants' names, answers and team names all try to run as
    formulas."""
    world.event.max_challenges_per_participant = None
    c = await factories.challenge(
        db, world.event, world.host_a, slug="hostile", title="-Minus", capacity=None
    )
    q = Question(
        challenge_id=c.id,
        position=1,
        kind=QuestionKind.SHORT_TEXT,
        prompt="@prompt",
        options=[],
        required=False,
    )
    q.created_at = factories.now()
    db.add(q)
    await db.commit()
    for n, value in enumerate(HOSTILE + HARMLESS):
        a = await factories.account(db, f"p{n}@example.org", value)
        r = await factories.registration(db, c, a)
        await answer(db, r, {q: value})
        await add_team(db, c, value, a)
    return c


def expected_hostile_rows() -> list[list[str]]:
    return [[v, v, v, "'-Minus", "'=cmd"] for v in NEUTRALISED + HARMLESS]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_csv_and_xlsx_neutralise_formulas_in_names_answers_teams_and_titles(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, prefix: str
) -> None:
    """A cell starting with = + - @ TAB or CR gets a leading apostrophe (the spreadsheet shows the text, runs
    nothing); other cells stay as they are. The JSON roster is data, not a spreadsheet: values as they are."""
    world.host_a.name = "=cmd"
    await db.commit()
    await hostile_cast(db, world)
    organizer = await client_factory(world.organizer)
    query = "columns=name&columns=team&columns=answers&columns=challenge&columns=host"

    for scope in ("challenges/hostile", f"events/{YEAR}"):
        as_csv = read_csv(await organizer.get(f"{prefix}/{scope}/roster.csv?{query}"))
        book = sheet_rows(read_xlsx(await organizer.get(f"{prefix}/{scope}/roster.xlsx?{query}")))
        as_json = read_json(await organizer.get(f"{prefix}/{scope}/roster.json?{query}"))

        one = scope.startswith("challenges")
        header = ["name", "team", "'@prompt" if one else "answers", "challenge", "host"]
        rows = expected_hostile_rows()
        if not one:  # all answers in one column: "prompt: answer", which starts with the prompt
            rows = [
                [r[0], r[1], f"@prompt: {v}", *r[3:]] for r, v in zip(rows, HOSTILE + HARMLESS, strict=True)
            ]
            rows = [[*r[:2], "'" + r[2], *r[3:]] for r in rows]
        assert as_csv == [header, *rows]
        assert book == {"-Minus": [header, *rows]}  # the sheet's name is not a cell
        assert [r["name"] for r in as_json] == HOSTILE + HARMLESS
        assert {r["host"] for r in as_json} == {"=cmd"}


# --- the known gaps, fixed --------------------------------------------------------------------------------
async def test_status_and_checked_in_are_the_same_in_every_format(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    """The status column speaks the filter's words: checked_in for the confirmed who were checked in; a
    cancelled registration with a check-in time stays cancelled. JSON adds checked_in (true or false)."""
    c = await cast(db, world)
    c.registrations["erin"].checked_in_at = CHECKED_IN_AT  # checked in, then cancelled
    await db.commit()
    organizer = await client_factory(world.organizer)
    query = "columns=name&columns=status&status=confirmed&status=waitlisted&status=cancelled"

    as_csv = read_csv(await organizer.get(f"/api/v1/challenges/robots/roster.csv?{query}"))
    as_xlsx = sheet_rows(read_xlsx(await organizer.get(f"/api/v1/challenges/robots/roster.xlsx?{query}")))
    as_json = read_json(await organizer.get(f"/api/v1/challenges/robots/roster.json?{query}"))

    expected = [
        ["Alice Participant", "confirmed"],
        ["Bob Participant", "waitlisted"],
        ["Dan Participant", "checked_in"],
        ["Erin Participant", "cancelled"],
    ]
    assert as_csv[1:] == expected
    assert as_xlsx["Robots in class"][1:] == expected
    assert [[r["name"], r["status"]] for r in as_json] == expected
    assert [r["checked_in"] for r in as_json] == [False, False, True, True]
    # without the status column, neither status nor checked_in
    bare = read_json(await organizer.get("/api/v1/challenges/robots/roster.json?columns=name"))
    assert set(bare[0]) == {"registration_id", "name"}


@pytest.mark.parametrize(
    "sheets",
    [
        {"Robots " + "🤖" * 20: "Robots " + "🤖" * 12},  # 31 UTF-16 units: 7 + 12 × 2
        {"'Quoted' challenge": "Quoted' challenge"},
        {"x" * 30 + "'s end": "x" * 30},  # cut after the apostrophe, which cannot end a name
        # in roster order (by title): the same 31 characters once cut
        {"x" * 40: "x" * 31, "x" * 40 + " again": "x" * 27 + " (2)", "x" * 31 + "yz": "x" * 27 + " (3)"},
        {"Why? [draft]: a/b\\c*": "Why   draft   a b c", "History": "History (1)"},
        {"\tTabbed\rtitle": "Tabbed title", "'''": "Roster"},
    ],
)
async def test_xlsx_sheet_names_are_valid_for_excel_and_unique(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, sheets: dict[str, str]
) -> None:
    world.event.max_challenges_per_participant = None
    for n, title in enumerate(sheets):
        c = await factories.challenge(db, world.event, world.host_a, slug=f"c{n}", title=title)
        await factories.registration(db, c, world.alice)
    organizer = await client_factory(world.organizer)

    book = read_xlsx(await organizer.get(f"/api/v1/events/{YEAR}/roster.xlsx?columns=name&columns=challenge"))

    # each sheet holds its challenge's rows: its name, by the challenge's title (neutralised: "'" + title)
    named = {}
    for ws in book.worksheets:
        title = ooxml_text(ws["B2"].value)
        named[title[1:] if title[1:] in sheets else title] = ws.title
    assert named == sheets
    assert [ooxml_text(ws["A2"].value) for ws in book.worksheets] == ["Alice Participant"] * len(sheets)


async def test_xlsx_sheet_names_differ_whatever_the_case(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    world.event.max_challenges_per_participant = None
    for n, title in enumerate(["Robots", "ROBOTS"]):
        c = await factories.challenge(db, world.event, world.host_a, slug=f"c{n}", title=title)
        await factories.registration(db, c, world.alice)
    organizer = await client_factory(world.organizer)
    book = read_xlsx(await organizer.get(f"/api/v1/events/{YEAR}/roster.xlsx?columns=challenge"))
    first, second = (ooxml_text(ws["A2"].value) for ws in book.worksheets)  # in the database's order
    assert book.sheetnames == [first, f"{second} (2)"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "'bogus' is not one of the allowed choices."),
        ("status=confirmed&status=x", "status", "'x' is not one of the allowed choices."),
        ("columns=password_hash", "columns", "'password_hash' is not one of the allowed choices."),
        ("purpose=marketing", "purpose", "'marketing' is not one of the allowed choices."),
        ("delimiter=pipe", "delimiter", "'pipe' is not one of the allowed choices."),
        ("bom=maybe", "bom", "Enter true or false."),
        ("sheets=many", "sheets", "'many' is not one of the allowed choices."),
        ("format=zoom", "format", "'zoom' is not one of the allowed choices."),
        ("country=P1", "country", "Contains characters that are not allowed."),
        ("country=PRT", "country", "Must be at most 2 characters long."),
        ("language=e", "language", "Must be at least 2 characters long."),
        ("language=en_GB", "language", "Contains characters that are not allowed."),
        ("colums=email", "colums", "Unknown parameter."),
        ("event=2021", "event", "Unknown parameter."),  # only the host's roster has an edition to choose
    ],
)
async def test_an_invalid_query_parameter_is_a_400_naming_it(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    prefix: str,
    query: str,
    field: str,
    message: str,
) -> None:
    await factories.challenge(db, world.event, world.host_a, slug="robots")
    organizer = await client_factory(world.organizer)

    for path in (f"/events/{YEAR}/roster", "/challenges/robots/roster"):
        for file_type in ("csv", "xlsx", "json"):
            response = await organizer.get(f"{prefix}{path}.{file_type}?{query}")
            assert response.status_code == 400, (path, response.text)
            if prefix:
                assert response.json() == {
                    "type": "about:blank",
                    "title": "Bad request",
                    "status": 400,
                    "detail": f"{field}: {message}",
                    "errors": [{"field": field, "message": message}],
                }
            else:
                assert f"Bad request {field}: {message}" in visible_text(response.text)
    assert await count(app, AuditEntry) == 0


async def test_the_host_roster_takes_an_edition_and_names_a_bad_one(
    world: factories.World, client_factory: ClientFactory
) -> None:
    organizer = await client_factory(world.organizer)
    too_long = await organizer.get("/api/v1/hosts/leuven-lab/roster.csv?event=" + "x" * 41)
    unknown = await organizer.get("/api/v1/hosts/leuven-lab/roster.csv?event=1999")
    assert (too_long.status_code, too_long.json()["errors"]) == (
        400,
        [{"field": "event", "message": "Must be at most 40 characters long."}],
    )
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "There is no event '1999'.")


async def test_the_export_form_offers_every_option_and_the_default_minimum(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    page = await (await client_factory(world.organizer)).get(f"/events/{YEAR}/roster")
    html = page.text
    checked = re.findall(r'name="columns" value="(\w+)" checked', html)
    assert checked == ["name", "email", "team", "status", "answers"]
    assert re.findall(r'name="status" value="(\w+)" checked', html) == ["confirmed", "waitlisted"]
    for value in ("comma", "semicolon", "tab"):
        assert f'<option value="{value}">' in html
    assert 'name="bom" value="true"' in html
    assert 'name="sheets" value="per_challenge" checked' in html
    assert 'name="sheets" value="single"' in html
    for purpose in ("custom", "venue_access", "certificates", "host_contact"):
        assert f'name="purpose" value="{purpose}"' in html


async def test_xlsx_is_a_well_formed_package_and_keeps_any_text_exactly(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    """Markup, entities, control characters and text that looks like Excel's own _xHHHH_ escapes come back as
    they were; a cell longer than Excel's 32,767 characters is cut there; every part of the zip is XML."""
    c = await factories.challenge(db, world.event, world.host_a, slug="robots", title="R&D <b>")
    tricky = [
        "<b>bold</b> & &amp; \"q\" 'a'",
        "_x0041_ stays",
        "bell\x07 esc\x1b vt\x0b",
        "é 🤖 ü",
        "x" * 40000,
    ]
    for n, name in enumerate(tricky):
        await factories.registration(db, c, await factories.account(db, f"t{n}@example.org", name[:100]))
    answer_q = Question(
        challenge_id=c.id, position=1, kind=QuestionKind.LONG_TEXT, prompt="Long?", options=[], required=False
    )
    answer_q.created_at = factories.now()
    db.add(answer_q)
    await db.commit()
    regs = list(await db.scalars(select(Registration.id).order_by(Registration.id)))
    for reg_id, value in zip(regs, tricky, strict=True):
        db.add(Answer(registration_id=reg_id, question_id=answer_q.id, value=value))
    await db.commit()
    organizer = await client_factory(world.organizer)

    response = await organizer.get("/api/v1/challenges/robots/roster.xlsx?columns=name&columns=answers")

    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        assert package.testzip() is None
        for part in package.namelist():
            ElementTree.fromstring(package.read(part))  # well-formed
        assert "xl/worksheets/sheet1.xml" in package.namelist()
    rows = sheet_rows(read_xlsx(response))["R&D <b>"]
    assert rows[0] == ["name", "Long?"]
    assert [r[1] for r in rows[1:]] == [*tricky[:4], "x" * 32767]
    assert [r[0] for r in rows[1:]] == [t[:100] for t in tricky]


@pytest.mark.parametrize("sheets", ["per_challenge", "single"])
async def test_an_empty_xlsx_roster_is_one_sheet_with_the_header(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, sheets: str
) -> None:
    await factories.challenge(db, world.event, world.host_a, slug="robots", title="Nobody came")
    organizer = await client_factory(world.organizer)
    for path in (f"/api/v1/events/{YEAR}/roster.xlsx", "/api/v1/challenges/robots/roster.xlsx"):
        book = read_xlsx(await organizer.get(f"{path}?sheets={sheets}&columns=name&columns=team"))
        assert sheet_rows(book) == {"Roster": [["name", "team"]]}
        assert book.worksheets[0].freeze_panes == "A2"
