"""The answers a participant gives when joining: checked against the challenge's questions, stored with the
registration (in the join's transaction), read back for rosters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.errors import FieldErrors
from digieduhack.models import Answer, Question, QuestionKind, Registration
from digieduhack.questions.schemas import LONG_TEXT_MAX, SHORT_TEXT_MAX

NEEDS_ANSWER = "This question needs an answer."


async def questions_of(db: AsyncSession, challenge_id: int) -> list[Question]:
    return list(
        await db.scalars(
            select(Question).where(Question.challenge_id == challenge_id).order_by(Question.position)
        )
    )


def _answer(question: Question, value: Any) -> tuple[Any, str | None]:
    """(the value to store, None) or (None, the message); an empty value is (None, None)."""
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value, None
        return None, "Answer yes or no (true or false)."
    if kind == QuestionKind.MULTIPLE_CHOICE:
        if not isinstance(value, list):
            return None, "Give the chosen options as a list."
        unknown = [v for v in value if v not in question.options]
        if unknown:
            return None, f"{unknown[0]!r} is not one of the choices."
        chosen = [o for o in question.options if o in value]  # in the question's order, once each
        return (chosen or None), None
    if not isinstance(value, str):
        return None, "Answer with text."
    text = value.strip()
    if kind == QuestionKind.SINGLE_CHOICE:
        if text and text not in question.options:
            return None, f"{text!r} is not one of the choices."
        return (text or None), None
    limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    if len(text) > limit:
        return None, f"Keep the answer to {limit} characters (it has {len(text)})."
    return (text or None), None


def check_answers(questions: Sequence[Question], answers: dict[int, Any]) -> dict[int, Any]:
    """The answers to store, by question id; FieldErrors naming `answers.<id>` for each wrong, missing
    required or unknown one. Nothing is stored unless all are right."""
    by_id = {q.id: q for q in questions}
    errors: dict[str, str] = {}
    kept: dict[int, Any] = {}
    for question_id in answers:
        if question_id not in by_id:
            errors[f"answers.{question_id}"] = f"This challenge has no question {question_id}."
    for q in questions:
        value, message = _answer(q, answers[q.id]) if q.id in answers else (None, None)
        if message is None and value is None and q.required:
            message = NEEDS_ANSWER
        if message is not None:
            errors[f"answers.{q.id}"] = message
        elif value is not None:
            kept[q.id] = value
    if errors:
        raise FieldErrors(errors)
    return kept


async def save_answers(db: AsyncSession, reg: Registration, answers: dict[int, Any]) -> None:
    db.add_all(Answer(registration_id=reg.id, question_id=qid, value=v) for qid, v in answers.items())
    await db.flush()


async def answers_of(db: AsyncSession, registration_ids: Sequence[int]) -> dict[int, dict[int, Any]]:
    """{registration id: {question id: value}} for these registrations, in one query."""
    found: dict[int, dict[int, Any]] = {}
    if not registration_ids:
        return found
    rows = await db.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value).where(
            Answer.registration_id.in_(registration_ids)
        )
    )
    for reg_id, question_id, value in rows.tuples():
        found.setdefault(reg_id, {})[question_id] = value
    return found


def form_answers(questions: Sequence[Question], form: dict[str, Any]) -> dict[int, Any]:
    """The answers in a join form's fields `answer_<id>` (a checkbox list for multiple choice, yes/no radio
    buttons), as the API takes them; the checks are check_answers'."""
    answers: dict[int, Any] = {}
    for q in questions:
        raw = form.get(f"answer_{q.id}")
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            answers[q.id] = [str(v) for v in values]
        elif q.kind == QuestionKind.YES_NO:
            if raw in ("yes", "no"):
                answers[q.id] = raw == "yes"
        elif raw is not None:
            answers[q.id] = str(raw)
    return answers
