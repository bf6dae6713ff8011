from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC, organizer_only
from digieduhack.accounts.pages import Form
from digieduhack.clock import Clock
from digieduhack.errors import FieldErrors
from digieduhack.hosts import services
from digieduhack.hosts.schemas import HostApplicationIn, HostDecisionIn
from digieduhack.models import Account
from digieduhack.web import HOST_KIND_LABELS, parse_form, redirect, render


def _apply_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "kinds": list(HOST_KIND_LABELS.items()),
    }


@get("/hosts/apply", include_in_schema=False)
async def apply_form(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return render(
        request, "hosts/apply.html", _apply_context({"contact_email": me.email, "kind": "university"}, {})
    )


@post("/hosts/apply", include_in_schema=False)
async def apply_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form, clock: Clock
) -> Response[Any]:
    try:
        host = await services.apply(db, me, parse_form(HostApplicationIn, data), clock)
    except FieldErrors as exc:
        return render(request, "hosts/apply.html", _apply_context(data, exc.errors), status_code=422)
    return redirect(f"/hosts/{host.slug}", "host_applied")


@get("/hosts/{host_slug:str}", opt=PUBLIC, include_in_schema=False)
async def host_page(
    request: Request[Any, Any, Any], db: AsyncSession, viewer: Account | None, host_slug: str
) -> Response[Any]:
    host = await services.visible_host(db, host_slug, viewer)
    challenges = await services.public_challenges(db, host)
    return render(
        request, "hosts/show.html", {"host": host, "challenges": challenges, "kinds": HOST_KIND_LABELS}
    )


@post("/hosts/{host_slug:str}/decision", guards=[organizer_only], include_in_schema=False)
async def decision_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, host_slug: str, data: Form, clock: Clock
) -> Response[Any]:
    try:
        host = await services.decide(db, me, host_slug, parse_form(HostDecisionIn, data), clock)
    except FieldErrors as exc:
        return render(
            request,
            "error.html",
            {"title": "Invalid input", "detail": " ".join(exc.errors.values())},
            status_code=422,
        )
    return redirect("/organizer", "host_approved" if host.status.value == "approved" else "host_rejected")


handlers = [apply_form, apply_submit, host_page, decision_submit]
