"""The questions of a challenge: its host's members add, edit, order and delete them; everyone who can see
the challenge reads them (the answers are in answers.py).

An answered question keeps its meaning: its kind can't change and an option someone chose can't go (add a
new question or option instead); deleting a question deletes its answers, which the page says first.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.challenges.services import get_challenge, get_own_challenge, is_member
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, NotFound
from digieduhack.events.services import require_open_edition
from digieduhack.models import Account, Answer, Challenge, Question, QuestionKind
from digieduhack.questions.answers import questions_of
from digieduhack.questions.schemas import MAX_QUESTIONS, QuestionIn

CHOICES = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


async def answer_counts(db: AsyncSession, challenge_id: int) -> dict[int, int]:
    rows = await db.execute(
        select(Answer.question_id, func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(Question.challenge_id == challenge_id)
        .group_by(Answer.question_id)
    )
    return {qid: n for qid, n in rows.tuples()}


async def public_questions(db: AsyncSession, viewer: Account | None, slug: str) -> list[Question]:
    """What anyone who can see the challenge will be asked when joining."""
    challenge = await get_challenge(db, slug, viewer)
    return await questions_of(db, challenge.id)


async def answer_counts_for(
    db: AsyncSession, viewer: Account | None, questions: list[Question]
) -> dict[int, int] | None:
    """How many answered each question, for the challenge host's members and organizers; None for others."""
    if not questions or viewer is None:
        return None
    challenge = await db.get_one(Challenge, questions[0].challenge_id)
    if not (viewer.is_organizer or is_member(viewer, challenge.host_id)):
        return None
    return await answer_counts(db, challenge.id)


async def own_questions(
    db: AsyncSession, actor: Account, slug: str
) -> tuple[Challenge, list[Question], dict[int, int]]:
    """For the host's members: the questions with how many answered each."""
    challenge = await get_own_challenge(db, actor, slug)
    return challenge, await questions_of(db, challenge.id), await answer_counts(db, challenge.id)


def _check(data: QuestionIn) -> list[str]:
    """The options as they will be stored (trimmed), or FieldErrors."""
    options = [o.strip() for o in data.options]
    errors: dict[str, str] = {}
    if not data.prompt.strip():
        errors["prompt"] = "Write the question."
    if data.kind in CHOICES:
        if len(options) < 2 or any(not o for o in options):
            errors["options"] = "Give at least two choices, one per line."
        elif len({o.casefold() for o in options}) < len(options):
            errors["options"] = "Each choice can appear only once."
    elif options:
        errors["options"] = "Only single and multiple choice questions have choices: leave this empty."
    if errors:
        raise FieldErrors(errors)
    return options


async def _writable(db: AsyncSession, actor: Account, slug: str, clock: Clock) -> Challenge:
    challenge = await get_own_challenge(db, actor, slug)
    require_open_edition(challenge.event, clock)
    return challenge


def _place(questions: list[Question], question: Question, position: int | None) -> None:
    """Put `question` at `position` (1-based; None: where it is, or last) and number them all 1..n."""
    ordered = [q for q in questions if q is not question]
    index = len(ordered) if position is None else min(position - 1, len(ordered))
    if position is None and question in questions:
        index = questions.index(question)
    ordered.insert(index, question)
    for number, q in enumerate(ordered, start=1):
        q.position = number


async def create_question(
    db: AsyncSession, actor: Account, slug: str, data: QuestionIn, clock: Clock
) -> Question:
    challenge = await _writable(db, actor, slug, clock)
    options = _check(data)
    questions = await questions_of(db, challenge.id)
    if len(questions) >= MAX_QUESTIONS:
        raise Conflict(f"A challenge can ask at most {MAX_QUESTIONS} questions.")
    question = Question(
        challenge_id=challenge.id,
        kind=data.kind,
        prompt=data.prompt.strip(),
        required=data.required,
        options=options,
        created_at=clock.now(),
    )
    _place(questions, question, data.position)
    db.add(question)
    await db.flush()
    return question


async def _own_question(
    db: AsyncSession, actor: Account, slug: str, question_id: int, clock: Clock
) -> tuple[Challenge, list[Question], Question]:
    challenge = await _writable(db, actor, slug, clock)
    questions = await questions_of(db, challenge.id)
    question = next((q for q in questions if q.id == question_id), None)
    if question is None:
        raise NotFound(f"'{challenge.title}' has no question {question_id}.")
    return challenge, questions, question


async def update_question(
    db: AsyncSession, actor: Account, slug: str, question_id: int, data: QuestionIn, clock: Clock
) -> Question:
    _, questions, question = await _own_question(db, actor, slug, question_id, clock)
    options = _check(data)
    answers = list(await db.scalars(select(Answer.value).where(Answer.question_id == question.id)))
    if answers and data.kind != question.kind:
        raise Conflict(
            f"{len(answers)} participants answered this question, so its kind can't change: add a new "
            "question instead."
        )
    if answers and data.kind in CHOICES:
        chosen = {v for value in answers for v in (value if isinstance(value, list) else [value])}
        gone = [o for o in question.options if o in chosen and o not in options]
        if gone:
            raise FieldErrors(
                {"options": f"Participants chose {', '.join(repr(o) for o in gone)}: keep these choices."}
            )
    question.kind = data.kind
    question.prompt = data.prompt.strip()
    question.required = data.required
    question.options = options
    _place(questions, question, data.position)
    await db.flush()
    return question


async def delete_question(
    db: AsyncSession, actor: Account, slug: str, question_id: int, clock: Clock
) -> None:
    """Delete a question and its answers; the others move up."""
    _, questions, question = await _own_question(db, actor, slug, question_id, clock)
    await db.delete(question)
    questions.remove(question)
    for number, q in enumerate(questions, start=1):
        q.position = number
    await db.flush()
