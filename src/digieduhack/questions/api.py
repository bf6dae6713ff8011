from __future__ import annotations

from typing import Annotated

from litestar import delete, get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.clock import Clock
from digieduhack.errors import problems
from digieduhack.hosts.api import NO_CONTENT
from digieduhack.models import Account
from digieduhack.questions import services
from digieduhack.questions.schemas import QuestionIn, QuestionOut

QuestionId = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The question's id")]


@get(
    "/challenges/{slug:str}/questions",
    opt=PUBLIC,
    tags=["questions"],
    summary="The questions asked when joining this challenge, in order",
    description="Answer them in the body of `POST /challenges/{slug}/registration` (`answers`, by id). "
    "Host members also see how many registrations answered each (`answers`).",
    responses=problems(400, 404),
)
async def questions_index(db: AsyncSession, viewer: Account | None, slug: str) -> list[QuestionOut]:
    questions = await services.public_questions(db, viewer, slug)
    counts = await services.answer_counts_for(db, viewer, questions)
    return [QuestionOut.from_model(q, counts.get(q.id, 0) if counts is not None else None) for q in questions]


@post(
    "/challenges/{slug:str}/questions",
    tags=["questions"],
    status_code=HTTP_201_CREATED,
    summary="Add a question (members of the challenge's host); at most 20",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def question_create(
    db: AsyncSession, me: Account, slug: str, data: QuestionIn, clock: Clock
) -> QuestionOut:
    return QuestionOut.from_model(await services.create_question(db, me, slug, data, clock), 0)


@put(
    "/challenges/{slug:str}/questions/{question_id:int}",
    tags=["questions"],
    summary="Change a question (members of the challenge's host)",
    description="Once answered, its kind can't change (409) and a choice someone picked can't go (422).",
    responses=problems(400, 401, 403, 404, 409, 415, 422),
)
async def question_update(
    db: AsyncSession, me: Account, slug: str, question_id: QuestionId, data: QuestionIn, clock: Clock
) -> QuestionOut:
    question = await services.update_question(db, me, slug, question_id, data, clock)
    counts = await services.answer_counts(db, question.challenge_id)
    return QuestionOut.from_model(question, counts.get(question.id, 0))


@delete(
    "/challenges/{slug:str}/questions/{question_id:int}",
    tags=["questions"],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete a question and its answers (members of the challenge's host)",
    responses=problems(400, 401, 403, 404, 409) | NO_CONTENT,
)
async def question_delete(
    db: AsyncSession, me: Account, slug: str, question_id: QuestionId, clock: Clock
) -> None:
    await services.delete_question(db, me, slug, question_id, clock)


handlers = [questions_index, question_create, question_update, question_delete]
