"""What a roster export can hold: its columns (a minimal default, extra personal ones chosen explicitly, or a
preset for a stated purpose), its filters and its file options. One struct for the download URLs of the API
and the export form of the pages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import msgspec

from digieduhack.accounts.schemas import Country
from digieduhack.models import ChallengeFormat
from digieduhack.questions.schemas import AnswerOut


class RosterStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"  # confirmed and checked in on the day


class Column(enum.StrEnum):
    NAME = "name"
    EMAIL = "email"
    TEAM = "team"
    STATUS = "status"
    ANSWERS = "answers"  # one challenge: a column per question; several: one column "prompt: answer; ..."
    CHALLENGE = "challenge"
    HOST = "host"
    REGISTERED_AT = "registered_at"
    CHECKED_IN_AT = "checked_in_at"
    CONTACT_CONSENT = "contact_consent"  # "yes" or "no": whether the host may contact the person
    # personal details beyond what a host needs: only when chosen
    COUNTRY = "country"
    OCCUPATION = "occupation"
    CODER = "coder"
    LANGUAGE = "language"


class Purpose(enum.StrEnum):
    """Why the roster is exported; a preset chooses the columns and statuses, `custom` lets the exporter."""

    CUSTOM = "custom"
    VENUE_ACCESS = "venue_access"  # who may enter: the confirmed, by challenge
    CERTIFICATES = "certificates"  # who came: the checked in, by challenge
    HOST_CONTACT = "host_contact"  # whom the host may write to, and who withheld consent


class FileType(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class Delimiter(enum.StrEnum):
    COMMA = "comma"
    SEMICOLON = "semicolon"  # what Excel expects where the decimal separator is a comma
    TAB = "tab"


class Sheets(enum.StrEnum):
    PER_CHALLENGE = "per_challenge"
    SINGLE = "single"


DEFAULT_COLUMNS = (Column.NAME, Column.EMAIL, Column.TEAM, Column.STATUS, Column.ANSWERS)
DEFAULT_STATUSES = (RosterStatus.CONFIRMED, RosterStatus.WAITLISTED)
PERSONAL = (Column.COUNTRY, Column.OCCUPATION, Column.CODER, Column.LANGUAGE)
PRESETS: dict[Purpose, tuple[tuple[Column, ...], tuple[RosterStatus, ...]]] = {
    Purpose.VENUE_ACCESS: ((Column.NAME, Column.CHALLENGE, Column.TEAM), (RosterStatus.CONFIRMED,)),
    Purpose.CERTIFICATES: ((Column.NAME, Column.CHALLENGE, Column.CHECKED_IN_AT), (RosterStatus.CHECKED_IN,)),
    Purpose.HOST_CONTACT: (
        (Column.NAME, Column.EMAIL, Column.CHALLENGE, Column.CONTACT_CONSENT),
        (RosterStatus.CONFIRMED, RosterStatus.WAITLISTED),
    ),
}
COLUMN_LABELS = {
    Column.NAME: "Name",
    Column.EMAIL: "E-mail",
    Column.TEAM: "Team",
    Column.STATUS: "Status",
    Column.ANSWERS: "Answers to the questions",
    Column.CHALLENGE: "Challenge",
    Column.HOST: "Host",
    Column.REGISTERED_AT: "Registered at (UTC)",
    Column.CHECKED_IN_AT: "Checked in at (UTC)",
    Column.CONTACT_CONSENT: "Agrees to be contacted by the host",
    Column.COUNTRY: "Country",
    Column.OCCUPATION: "What they do",
    Column.CODER: "Coder",
    Column.LANGUAGE: "Preferred language",
}
PURPOSE_LABELS = {
    Purpose.CUSTOM: "My own choice of columns",
    Purpose.VENUE_ACCESS: "Venue access list (the confirmed: name, challenge, team)",
    Purpose.CERTIFICATES: "Certificates (the checked in: name, challenge, time of check-in)",
    Purpose.HOST_CONTACT: "Contact list for the host (name, e-mail, consent to be contacted)",
}
STATUS_LABELS = {
    RosterStatus.CONFIRMED: "Confirmed",
    RosterStatus.WAITLISTED: "On the waitlist",
    RosterStatus.CANCELLED: "Cancelled",
    RosterStatus.CHECKED_IN: "Checked in",
}
Language = Annotated[
    str, msgspec.Meta(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
]


class RosterOptions(msgspec.Struct, forbid_unknown_fields=True):
    """Filters, columns and file options of an export. Statuses default to the confirmed and the waitlisted;
    columns to the minimum a host needs (name, e-mail, team, status, answers)."""

    status: list[RosterStatus] = msgspec.field(default_factory=list)
    country: Country | None = None  # the participant's
    format: ChallengeFormat | None = None  # the challenge's
    language: Language | None = None  # the challenge's (a primary language also finds its variants)
    columns: list[Column] = msgspec.field(default_factory=list)
    purpose: Purpose = Purpose.CUSTOM
    delimiter: Delimiter = Delimiter.COMMA  # CSV
    bom: bool = False  # CSV: a byte order mark, so that Excel reads UTF-8
    sheets: Sheets = Sheets.PER_CHALLENGE  # XLSX

    def chosen(self) -> tuple[tuple[Column, ...], tuple[RosterStatus, ...]]:
        """The columns and statuses exported: the purpose's preset, else the choice, else the defaults."""
        if self.purpose != Purpose.CUSTOM:
            return PRESETS[self.purpose]
        columns = tuple(dict.fromkeys(self.columns)) or DEFAULT_COLUMNS
        return columns, tuple(dict.fromkeys(self.status)) or DEFAULT_STATUSES


class RosterRowOut(msgspec.Struct):
    """One registration in a JSON roster: `registration_id` and the chosen columns only. With the `status`
    column come `status` (as in CSV and XLSX: checked_in for the confirmed who were checked in) and
    `checked_in`."""

    registration_id: int
    name: str | None = None
    email: str | None = None
    team: str | None = None
    status: RosterStatus | None = None
    checked_in: bool | None = None
    answers: list[AnswerOut] | None = None
    challenge: str | None = None
    host: str | None = None
    registered_at: datetime | None = None
    checked_in_at: datetime | None = None
    contact_consent: bool | None = None
    country: str | None = None
    occupation: str | None = None
    coder: bool | None = None
    language: str | None = None
