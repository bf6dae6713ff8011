"""The host's page of a challenge's questions: the list (with how many answered each), add, edit, move up or
down, delete. The same QuestionIn and service functions as the API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.pages import Form
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors, NotFound
from digieduhack.models import Account, Question
from digieduhack.questions import services
from digieduhack.questions.api import QuestionId
from digieduhack.questions.schemas import QUESTION_KIND_LABELS, QuestionIn
from digieduhack.web import N_, parse_form, redirect, render

KIND_OPTIONS = [(kind.value, N_(label)) for kind, label in QUESTION_KIND_LABELS.items()]


def _values(q: Question) -> dict[str, Any]:
    required = "on" if q.required else ""
    return {"prompt": q.prompt, "kind": q.kind.value, "required": required, "options": "\n".join(q.options)}


async def _manage(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    editing: int | None = None,
    status_code: int = 200,
) -> Response[Any]:
    challenge, questions, counts = await services.own_questions(db, me, slug)
    if editing is not None and values is None:
        question = next((q for q in questions if q.id == editing), None)
        if question is None:
            raise NotFound(f"'{challenge.title}' has no question {editing}.")
        values = _values(question)
    context = {
        "challenge": challenge,
        "questions": questions,
        "counts": counts,
        "kinds": KIND_OPTIONS,
        "kind_labels": dict(KIND_OPTIONS),
        "values": values or {"kind": "short_text"},
        "errors": errors or {},
        "editing": editing,
    }
    return render(request, "questions/manage.html", context, status_code=status_code)


@get("/challenges/{slug:str}/questions", include_in_schema=False)
async def questions_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str
) -> Response[Any]:
    return await _manage(request, db, me, slug)


@post("/challenges/{slug:str}/questions", include_in_schema=False)
async def question_add(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, data: Form, clock: Clock
) -> Response[Any]:
    try:
        await services.create_question(db, me, slug, parse_form(QuestionIn, data), clock)
    except FieldErrors as exc:
        return await _manage(request, db, me, slug, values=data, errors=exc.errors, status_code=422)
    return redirect(f"/challenges/{slug}/questions", "question_added")


@get("/challenges/{slug:str}/questions/{question_id:int}/edit", include_in_schema=False)
async def question_edit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, slug: str, question_id: QuestionId
) -> Response[Any]:
    return await _manage(request, db, me, slug, editing=question_id)


@post("/challenges/{slug:str}/questions/{question_id:int}", include_in_schema=False)
async def question_save(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    slug: str,
    question_id: QuestionId,
    data: Form,
    clock: Clock,
) -> Response[Any]:
    try:
        await services.update_question(db, me, slug, question_id, parse_form(QuestionIn, data), clock)
    except FieldErrors as exc:
        return await _manage(
            request, db, me, slug, values=data, errors=exc.errors, editing=question_id, status_code=422
        )
    return redirect(f"/challenges/{slug}/questions", "question_saved")


@post("/challenges/{slug:str}/questions/{question_id:int}/move", include_in_schema=False)
async def question_move(
    db: AsyncSession, me: Account, slug: str, question_id: QuestionId, data: Form, clock: Clock
) -> Response[Any]:
    """Up or down one place: the question as it is, at its new position."""
    _, questions, _ = await services.own_questions(db, me, slug)
    question = next((q for q in questions if q.id == question_id), None)
    if question is None:
        raise NotFound(f"This challenge has no question {question_id}.")
    step = -1 if data.get("direction") == "up" else 1
    moved = {**_values(question), "position": str(max(question.position + step, 1))}
    await services.update_question(db, me, slug, question_id, parse_form(QuestionIn, moved), clock)
    return redirect(f"/challenges/{slug}/questions")


@post("/challenges/{slug:str}/questions/{question_id:int}/delete", include_in_schema=False)
async def question_remove(
    db: AsyncSession, me: Account, slug: str, question_id: QuestionId, clock: Clock
) -> Response[Any]:
    await services.delete_question(db, me, slug, question_id, clock)
    return redirect(f"/challenges/{slug}/questions", "question_deleted")


handlers = [questions_page, question_add, question_edit, question_save, question_move, question_remove]
