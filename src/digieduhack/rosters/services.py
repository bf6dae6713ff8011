"""Rosters: who may export what, one streaming row source for every format (CSV, XLSX, JSON), cells safe for
spreadsheets, and an audit entry per export (who, what, which filters and columns, why, how many rows).

Scopes: a whole event (organizers), one host's challenges of an event (organizers, the host's members), one
challenge (organizers, its host's members). Memory stays flat whatever the number of rows: rows come from a
server-side cursor in batches, their answers are read per batch in a second session, and each format writes
as it goes (XLSX through xlsxwriter's constant-memory mode into a temporary file, streamed when complete).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

import msgspec
import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digieduhack.challenges.services import get_host, in_language, is_member
from digieduhack.clock import Clock
from digieduhack.errors import Forbidden, NotFound
from digieduhack.models import (
    Account,
    Answer,
    AuditEntry,
    Challenge,
    ChallengeStatus,
    Event,
    Host,
    Question,
    Registration,
    RegistrationStatus,
    Team,
    TeamMember,
)
from digieduhack.questions.schemas import AnswerOut, answer_text
from digieduhack.rosters.schemas import Column, Delimiter, FileType, RosterOptions, RosterStatus, Sheets

BATCH = 2000  # rows fetched, answered and written at a time
PREFETCH = 2  # batches read ahead of the writer
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARS = frozenset(FORMULA_START)
CONFIRMED, CHECKED_IN = RegistrationStatus.CONFIRMED.value, RosterStatus.CHECKED_IN.value
DELIMITERS = {Delimiter.COMMA: ",", Delimiter.SEMICOLON: ";", Delimiter.TAB: "\t"}
# characters (in characters) of each column in XLSX; a question's column gets QUESTION_WIDTH
WIDTHS = {Column.NAME: 28, Column.EMAIL: 32, Column.CHALLENGE: 36, Column.HOST: 28, Column.ANSWERS: 48}
DEFAULT_WIDTH = 18
QUESTION_WIDTH = 30


def safe_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ TAB or CR is prefixed with '."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return "'" + text if text[:1] in FORMULA_CHARS else text


# --- scope and authorisation ----------------------------------------------------------------------------
@dataclass
class Scope:
    """What is exported and under which name: `where` selects the registrations' challenges."""

    kind: str  # event, host, challenge
    target: str  # audit target: "event:2021", "host:leuven-lab@2021", "challenge:maps"
    filename: str  # without extension
    where: list[ColumnElement[bool]]  # on Challenge's columns for events and hosts
    # one challenge's questions (a column each); None when the scope spans several challenges
    questions: list[Question] | None = None


async def event_scope(actor: Account, event: Event) -> Scope:
    if not actor.is_organizer:
        raise Forbidden("Only organizers can export the roster of a whole event.")
    return Scope("event", f"event:{event.slug}", f"roster-{event.slug}", [Challenge.event_id == event.id])


async def host_scope(db: AsyncSession, actor: Account, host_slug: str, event: Event) -> Scope:
    host = await get_host(db, host_slug)
    if not (actor.is_organizer or is_member(actor, host.id)):
        raise Forbidden("Only organizers and members of this host can export its roster.")
    where = [Challenge.event_id == event.id, Challenge.host_id == host.id]
    return Scope("host", f"host:{host.slug}@{event.slug}", f"roster-{host.slug}-{event.slug}", where)


async def challenge_scope(db: AsyncSession, actor: Account, slug: str) -> Scope:
    challenge = await db.scalar(select(Challenge).where(Challenge.slug == slug))
    allowed = challenge is not None and (actor.is_organizer or is_member(actor, challenge.host_id))
    # another host's draft does not exist for this actor, as everywhere else (get_challenge)
    if challenge is None or (not allowed and challenge.status == ChallengeStatus.DRAFT):
        raise NotFound(f"There is no challenge '{slug}'.")
    if not allowed:
        raise Forbidden("Only organizers and members of this challenge's host can export its roster.")
    questions = list(
        await db.scalars(
            select(Question).where(Question.challenge_id == challenge.id).order_by(Question.position)
        )
    )
    where = [Registration.challenge_id == challenge.id]
    return Scope("challenge", f"challenge:{challenge.slug}", f"roster-{challenge.slug}", where, questions)


# --- the rows -------------------------------------------------------------------------------------------
RosterSelect = Select[*tuple[Any, ...]]


# where each field of a Row comes from, in the Row's order
ROW_SOURCES: dict[str, Any] = {  # column expressions
    "registration_id": Registration.id,
    "challenge_id": Registration.challenge_id,
    "challenge": Challenge.title,
    "host": Host.name,
    "name": Account.display_name,
    "email": Account.email,
    "team": Team.name,
    "status": type_coerce(Registration.status, String),
    "registered_at": Registration.created_at,
    "checked_in_at": Registration.checked_in_at,
    "contact_consent_at": Account.contact_consent_at,
    "country": Account.country,
    "occupation": type_coerce(Account.occupation, String),
    "coder": Account.is_coder,
    "language": Account.locale,
}
ALWAYS = {"registration_id", "challenge_id", "challenge", "status"}  # order, sheets, the status filter
FIELDS = {
    Column.STATUS: {"checked_in_at"},
    Column.REGISTERED_AT: {"registered_at"},
    Column.CONTACT_CONSENT: {"contact_consent_at"},
    Column.CODER: {"coder"},
    Column.ANSWERS: set(),
}


def _fields(columns: Sequence[Column]) -> set[str]:
    """The Row fields the chosen columns read: only those are fetched (the others stay None), and the team
    is joined only when shown."""
    needed = set(ALWAYS)
    for column in columns:
        needed |= FIELDS.get(column, {column.value})
    return needed


def roster_query(scope: Scope, options: RosterOptions) -> RosterSelect:
    """Every registration of the scope matching the filters, ordered by challenge then registration."""
    columns, statuses = options.chosen()
    wanted: list[ColumnElement[bool]] = []
    plain = [RegistrationStatus(s.value) for s in statuses if s != RosterStatus.CHECKED_IN]
    if plain:
        wanted.append(Registration.status.in_(plain))
    if RosterStatus.CHECKED_IN in statuses:
        wanted.append(
            and_(Registration.status == RegistrationStatus.CONFIRMED, Registration.checked_in_at.is_not(None))
        )
    fields = _fields(columns)
    stmt: RosterSelect = (
        select(*(expr if name in fields else null() for name, expr in ROW_SOURCES.items()))
        .join(Registration.account)
        .join(Registration.challenge)
        .join(Challenge.host)
        .where(*scope.where)
        .where(or_(*wanted))
        .order_by(Challenge.title, Challenge.id, Registration.id)
    )
    if "team" in fields:
        stmt = stmt.outerjoin(
            TeamMember,
            and_(
                TeamMember.challenge_id == Registration.challenge_id,
                TeamMember.account_id == Registration.account_id,
            ),
        ).outerjoin(Team, Team.id == TeamMember.team_id)
    if options.country:
        stmt = stmt.where(Account.country == options.country.upper())
    if options.format:
        stmt = stmt.where(Challenge.format == options.format)
    if options.language:
        stmt = stmt.where(in_language(options.language))
    return stmt


@dataclass(slots=True)
class Row:
    """One registration with everything a column may show; `answers` by question id."""

    registration_id: int
    challenge_id: int
    challenge: str
    host: str
    name: str
    email: str
    team: str | None
    status: str  # a RegistrationStatus value
    registered_at: datetime
    checked_in_at: datetime | None
    contact_consent_at: datetime | None
    country: str | None
    occupation: str | None  # an Occupation value
    coder: bool | None
    language: str
    answers: dict[int, Any] = field(default_factory=dict)


async def roster_rows(
    maker: async_sessionmaker[AsyncSession], stmt: RosterSelect, with_answers: bool
) -> AsyncIterator[list[Row]]:
    """Batches of rows straight from a server-side cursor (Core rows, no ORM), in their own session (constant
    memory); with their answers, read per batch in a second session. The next batch is fetched while the
    writer handles this one (at most PREFETCH batches wait)."""
    queue: asyncio.Queue[list[Row] | Exception | None] = asyncio.Queue(maxsize=PREFETCH)

    async def produce() -> None:
        try:
            async with maker() as db, maker() as answers_db:
                conn = await db.connection()
                result = await conn.stream(stmt.execution_options(yield_per=BATCH))
                async for batch in result.partitions(BATCH):
                    rows = [Row(*values) for values in batch]
                    if with_answers:
                        answers = await _answers_of(answers_db, [r.registration_id for r in rows])
                        for r in rows:
                            r.answers = answers.get(r.registration_id, {})
                    await queue.put(rows)
            await queue.put(None)
        except Exception as exc:  # handed to the writer, which raises it
            await queue.put(exc)

    producer = asyncio.create_task(produce())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:  # done, failed, or the client went away: the cursor and sessions close
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer


async def _answers_of(db: AsyncSession, registration_ids: list[int]) -> dict[int, dict[int, Any]]:
    """{registration id: {question id: value}}, like questions.answers.answers_of, but the values are read
    as their JSON text and decoded by msgspec (several times faster than the driver's json.loads)."""
    found: dict[int, dict[int, Any]] = {}
    if db.get_bind().dialect.name == "postgresql":  # one array parameter, not thousands to render and bind
        wanted = Answer.registration_id == any_(bindparam("ids", registration_ids, type_=ARRAY(BigInteger)))
    else:
        wanted = Answer.registration_id.in_(registration_ids)
    rows = await db.execute(
        select(Answer.registration_id, Answer.question_id, cast(Answer.value, Text)).where(wanted)
    )
    decode = msgspec.json.decode
    for reg_id, question_id, value in rows.tuples():
        found.setdefault(reg_id, {})[question_id] = decode(value)
    return found


# --- columns --------------------------------------------------------------------------------------------
@dataclass
class Layout:
    """The header and how each cell is read from a row, for one table (a sheet or the whole file)."""

    header: list[str]
    cells: list[Callable[[Row], Any]]
    widths: list[int]


def roster_status(row: Row) -> str:
    """The status a roster shows (a RosterStatus value), the same in every format and the same words as the
    `status` filter: checked_in for the confirmed who were checked in (a cancelled one stays cancelled)."""
    if row.checked_in_at is not None and row.status == CONFIRMED:
        return CHECKED_IN
    return row.status


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _answer_cell(question_id: int) -> Callable[[Row], str]:
    return lambda row: answer_text(row.answers.get(question_id))


def _answers_text(questions: dict[int, Question]) -> Callable[[Row], str]:
    order = {qid: (q.challenge_id, q.position) for qid, q in questions.items()}
    prompts = {qid: q.prompt for qid, q in questions.items()}  # plain strings, read once

    def text(row: Row) -> str:
        answers = row.answers
        if not answers:
            return ""
        given = sorted((order[qid], qid) for qid in answers if qid in order)
        return "; ".join(f"{prompts[qid]}: {answer_text(answers[qid])}" for _, qid in given)

    return text


# a cell's value, made text by safe_cell (None: empty)
CELLS: dict[Column, Callable[[Row], Any]] = {
    Column.NAME: attrgetter("name"),
    Column.EMAIL: attrgetter("email"),
    Column.TEAM: attrgetter("team"),
    Column.STATUS: roster_status,
    Column.CHALLENGE: attrgetter("challenge"),
    Column.HOST: attrgetter("host"),
    Column.REGISTERED_AT: lambda r: _iso(r.registered_at),
    Column.CHECKED_IN_AT: lambda r: _iso(r.checked_in_at),
    Column.CONTACT_CONSENT: lambda r: "yes" if r.contact_consent_at else "no",
    Column.COUNTRY: attrgetter("country"),
    Column.OCCUPATION: attrgetter("occupation"),
    Column.CODER: lambda r: "" if r.coder is None else ("yes" if r.coder else "no"),
    Column.LANGUAGE: attrgetter("language"),
}


def layout(
    columns: Sequence[Column], questions: Sequence[Question] | None, all_questions: dict[int, Question]
) -> Layout:
    """`questions`: one challenge's, a column each in place of `answers`; None: every answer in one column."""
    out = Layout([], [], [])
    for column in columns:
        if column == Column.ANSWERS and questions is not None:
            for q in questions:
                out.header.append(q.prompt)
                out.cells.append(_answer_cell(q.id))
                out.widths.append(QUESTION_WIDTH)
            continue
        out.header.append(column.value)
        out.cells.append(_answers_text(all_questions) if column == Column.ANSWERS else CELLS[column])
        out.widths.append(WIDTHS.get(column, DEFAULT_WIDTH))
    return out


async def questions_in(db: AsyncSession, scope: Scope) -> dict[int, Question]:
    """Every question of the scope's challenges, by id (for the answers column of several challenges)."""
    if scope.questions is not None:
        return {q.id: q for q in scope.questions}
    stmt = select(Question).join(Challenge, Challenge.id == Question.challenge_id).where(*scope.where)
    return {q.id: q for q in await db.scalars(stmt)}


# --- the export ------------------------------------------------------------------------------------------
@dataclass
class Export:
    """A prepared export: the query, its layout and what the writers need."""

    scope: Scope
    options: RosterOptions
    file_type: FileType
    columns: tuple[Column, ...]
    stmt: RosterSelect
    questions: dict[int, Question]
    audit_id: int

    @property
    def filename(self) -> str:
        return f"{self.scope.filename}.{self.file_type.value}"


async def prepare(
    db: AsyncSession, actor: Account, scope: Scope, options: RosterOptions, file_type: FileType, clock: Clock
) -> Export:
    """Check nothing more (the scope was authorised), record the export, and set it up."""
    columns, statuses = options.chosen()
    entry = AuditEntry(
        actor_id=actor.id,
        action="roster.export",
        target=scope.target,
        details={
            "format": file_type.value,
            "purpose": options.purpose.value,
            "columns": [c.value for c in columns],
            "filters": {
                "status": [s.value for s in statuses],
                "country": options.country,
                "format": options.format.value if options.format else None,
                "language": options.language,
            },
            "rows": None,  # written when the download completes
        },
        created_at=clock.now(),
    )
    db.add(entry)
    await db.flush()
    questions = await questions_in(db, scope) if Column.ANSWERS in columns else {}
    stmt = roster_query(scope, options)
    return Export(scope, options, file_type, columns, stmt, questions, entry.id)


async def _count_rows(maker: async_sessionmaker[AsyncSession], audit_id: int, rows: int) -> None:
    async with maker() as db, db.begin():
        entry = await db.get(AuditEntry, audit_id)
        if entry is not None:
            entry.details = {**entry.details, "rows": rows}


async def stream(export: Export, maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[bytes]:
    """The file's bytes as they are written; the audit entry gets the row count once all are sent."""
    writer = {FileType.CSV: _csv, FileType.XLSX: _xlsx, FileType.JSON: _json}[export.file_type]
    counter = [0]
    async for chunk in writer(export, roster_rows(maker, export.stmt, bool(export.questions)), counter):
        yield chunk
    await _count_rows(maker, export.audit_id, counter[0])


async def _csv(export: Export, batches: AsyncIterator[list[Row]], counter: list[int]) -> AsyncIterator[bytes]:
    table = layout(export.columns, export.scope.questions, export.questions)
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=DELIMITERS[export.options.delimiter], lineterminator="\r\n")
    out.writerow([safe_cell(h) for h in table.header])
    yield (("\ufeff" if export.options.bom else "") + buffer.getvalue()).encode()
    async for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            out.writerow([safe_cell(cell(row)) for cell in table.cells])
        counter[0] += len(rows)
        yield buffer.getvalue().encode()


async def _json(
    export: Export, batches: AsyncIterator[list[Row]], counter: list[int]
) -> AsyncIterator[bytes]:
    """A JSON array of RosterRowOut objects with the chosen columns (and registration_id) only: one encoding
    per batch, each field read by a getter chosen once."""
    encoder = msgspec.json.Encoder()
    fields: list[tuple[str, Callable[[Row], Any]]] = []
    for column in export.columns:
        fields.append((column.value, _json_cell(column, export.questions)))
        if column == Column.STATUS:
            fields.append(("checked_in", lambda r: r.checked_in_at is not None))
    yield b"["
    first = True
    async for rows in batches:
        items = []
        for row in rows:
            item: dict[str, Any] = {"registration_id": row.registration_id}
            for key, get in fields:
                item[key] = get(row)
            items.append(item)
        if items:
            yield (b"" if first else b",") + encoder.encode(items)[1:-1]
            first = False
        counter[0] += len(rows)
    yield b"]"


JSON_CELLS: dict[Column, Callable[[Row], Any]] = {
    Column.NAME: lambda r: r.name,
    Column.EMAIL: lambda r: r.email,
    Column.TEAM: lambda r: r.team,
    Column.STATUS: roster_status,
    Column.CHALLENGE: lambda r: r.challenge,
    Column.HOST: lambda r: r.host,
    Column.REGISTERED_AT: lambda r: r.registered_at,
    Column.CHECKED_IN_AT: lambda r: r.checked_in_at,
    Column.CONTACT_CONSENT: lambda r: r.contact_consent_at is not None,
    Column.COUNTRY: lambda r: r.country,
    Column.OCCUPATION: attrgetter("occupation"),
    Column.CODER: lambda r: r.coder,
    Column.LANGUAGE: lambda r: r.language,
}


def _json_cell(column: Column, questions: dict[int, Question]) -> Callable[[Row], Any]:
    if column != Column.ANSWERS:
        return JSON_CELLS[column]
    position = {qid: q.position for qid, q in questions.items()}
    prompts = {qid: q.prompt for qid, q in questions.items()}

    def answers(row: Row) -> list[AnswerOut]:
        given = sorted((position[qid], qid) for qid in row.answers if qid in position)
        return [AnswerOut(qid, prompts[qid], row.answers[qid]) for _, qid in given]

    return answers


SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
SHEET_NAME_MAX = 31  # UTF-16 code units, as Excel counts them: an emoji outside the BMP takes two
RESERVED_SHEET_NAMES = {"history"}  # Excel keeps it for its change tracking


def _utf16_cut(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 code units (never half an emoji)."""
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def _trim(name: str) -> str:
    """No space or apostrophe at either end (Excel refuses an apostrophe there)."""
    return name.strip(" '")


def sheet_name(title: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 UTF-16 units, none of []:*?/\\ or control characters, no
    apostrophe at either end, not "History", unique whatever the case (a duplicate gets " (2)", " (3)"...)."""
    base = _trim(_utf16_cut(_trim(SHEET_NAME_BAD.sub(" ", title)), SHEET_NAME_MAX)) or "Roster"
    if base.lower() in RESERVED_SHEET_NAMES:
        base = f"{base} (1)"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = _trim(_utf16_cut(base, SHEET_NAME_MAX - len(suffix))) + suffix, n + 1
    used.add(name.lower())
    return name


async def _xlsx(
    export: Export, batches: AsyncIterator[list[Row]], counter: list[int]
) -> AsyncIterator[bytes]:
    """One sheet per challenge (or one in all), header row bold and frozen, widths set; every cell written as
    text, so nothing in it runs as a formula, and neutralised like in CSV (the same text in both: a cell
    edited in Excel, or the sheet saved as CSV, stays harmless). xlsxwriter in constant-memory mode writes
    each row to a temporary file as it comes; the zip is only complete when the workbook is closed, so the
    file is streamed from disk then (its first byte comes at the end, memory stays flat)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        bold = book.add_format({"bold": True})
        per_challenge = export.options.sheets == Sheets.PER_CHALLENGE
        table = layout(export.columns, export.scope.questions, export.questions)
        header = [safe_cell(h) for h in table.header]
        used: set[str] = set()
        state: dict[str, Any] = {"sheet": None, "challenge": None, "row": 0}

        def new_sheet(title: str) -> None:
            sheet = book.add_worksheet(sheet_name(title, used))
            for col, (head, width) in enumerate(zip(header, table.widths, strict=True)):
                sheet.set_column(col, col, width)
                sheet.write_string(0, col, head, bold)
            sheet.freeze_panes(1, 0)
            state.update(sheet=sheet, row=1)

        def write(rows: list[Row]) -> None:
            for row in rows:
                if state["sheet"] is None or (per_challenge and row.challenge_id != state["challenge"]):
                    new_sheet(row.challenge if per_challenge else "Roster")
                    state["challenge"] = row.challenge_id
                sheet, n = state["sheet"], state["row"]
                for col, cell in enumerate(table.cells):
                    sheet.write_string(n, col, safe_cell(cell(row)))
                state["row"] = n + 1

        async for rows in batches:
            await asyncio.to_thread(write, rows)
            counter[0] += len(rows)
        if state["sheet"] is None:
            new_sheet("Roster")  # an empty roster is a header without rows
        await asyncio.to_thread(book.close)
        with open(path, "rb") as handle:  # noqa: ASYNC230 (a local temporary file, read in chunks)
            while chunk := handle.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)
