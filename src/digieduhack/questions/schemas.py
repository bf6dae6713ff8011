"""Questions a host asks when people join, and the answers: one struct each for API and forms."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from digieduhack.models import Question, QuestionKind

MAX_QUESTIONS = 20
MAX_OPTIONS = 20
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000

Option = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# what a participant sends for one question: text (short or long text, single choice), the options chosen
# (multiple choice) or true/false (yes/no)
AnswerValue = (
    Annotated[str, msgspec.Meta(max_length=LONG_TEXT_MAX)]
    | Annotated[list[Option], msgspec.Meta(max_length=MAX_OPTIONS)]
    | bool
)
Answers = Annotated[
    dict[int, AnswerValue],
    msgspec.Meta(
        max_length=MAX_QUESTIONS,
        description="answers to the challenge's questions, by question id (GET /api/v1/challenges/{slug}/"
        "questions): text for short_text, long_text and single_choice (one of the options), a list of "
        "options for multiple_choice, true or false for yes_no. Errors name the field `answers.<id>`.",
    ),
]


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    prompt: Annotated[str, msgspec.Meta(min_length=3, max_length=300)]
    kind: QuestionKind
    required: bool = False
    # the choices, in order, for single_choice and multiple_choice (2 to 20); none for the other kinds
    options: Annotated[list[Option], msgspec.Meta(max_length=MAX_OPTIONS, extra={"form": "lines"})] = (
        msgspec.field(default_factory=list)
    )
    # where the question goes in the form (1 = first); omitted: last (new) or where it is (edit)
    position: Annotated[int, msgspec.Meta(ge=1, le=MAX_QUESTIONS)] | None = None


QUESTION_KIND_LABELS = {
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
    QuestionKind.SINGLE_CHOICE: "One choice",
    QuestionKind.MULTIPLE_CHOICE: "Several choices",
    QuestionKind.YES_NO: "Yes or no",
}


class QuestionOut(msgspec.Struct):
    id: int
    position: int
    kind: QuestionKind
    prompt: str
    required: bool
    options: list[str]
    answers: int | None = None  # how many registrations answered it (for the host only)

    @classmethod
    def from_model(cls, q: Question, answers: int | None = None) -> QuestionOut:
        return cls(q.id, q.position, q.kind, q.prompt, q.required, list(q.options), answers)


class AnswerOut(msgspec.Struct):
    question_id: int
    prompt: str
    value: str | list[str] | bool


def answer_text(value: Any) -> str:
    """An answer as one cell of a roster: options joined with '; ', yes/no as words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)
