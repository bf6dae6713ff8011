"""Page helpers: turn a form into the same msgspec struct the API takes, render templates, flash."""

from __future__ import annotations

import re
import types
from datetime import datetime
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import msgspec
import nh3
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from markdown_it import MarkdownIt
from markupsafe import Markup

from digieduhack.errors import FieldErrors, humanize

T = TypeVar("T", bound=msgspec.Struct)
_LOCAL_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

FLASH_COOKIE = "flash"


def N_(message: str) -> str:
    """Mark a string for translation; templates translate it when shown."""
    return message


# flash messages are keys, never free text: a cookie set by someone else can only pick one of these
FLASH_MESSAGES = {
    "signed_up": N_("Welcome! Your account is ready."),
    "logged_in": N_("You are logged in."),
    "logged_out": N_("You are logged out."),
    "joined": N_("You are registered. See you at the hackathon!"),
    "waitlisted": N_(
        "The challenge is full: you are on the waitlist and will be moved up when a place frees."
    ),
    "cancelled": N_("Your registration is cancelled."),
    "already_joined": N_("You are already registered for this challenge."),
    "challenge_created": N_("Challenge saved as a draft. Publish it when it is ready."),
    "challenge_saved": N_("Changes saved."),
    "challenge_published": N_("Challenge published: participants can now find and join it."),
    "challenge_closed": N_("Registration closed: the challenge stays in the catalog, nobody can join it."),
    "challenge_cancelled": N_("Challenge cancelled: its page shows your message to the registrants."),
    "host_applied": N_("Thank you! Your application is pending: the organizers will review it soon."),
    "host_approved": N_("Host approved: its members can now publish challenges."),
    "timezone_saved": N_("Time zone saved: times are shown in it too."),
    "host_rejected": N_("Host application rejected; the applicant can read the reason on the host page."),
}

FORMAT_LABELS = {"online": N_("Online"), "in_person": N_("In person"), "hybrid": N_("Hybrid")}
HOST_KIND_LABELS = {
    "university": N_("University"),
    "school": N_("School"),
    "library": N_("Library"),
    "ngo": N_("NGO"),
    "startup": N_("Startup"),
    "citizens": N_("Citizens' group"),
    "company": N_("Company"),
    "other": N_("Other"),
}


def _base_type(tp: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for annotations like `int | None` or `Annotated[int, Meta] | None`."""
    optional = False
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        optional = len(args) < len(get_args(tp))
        tp = args[0] if len(args) == 1 else tp
    if hasattr(tp, "__metadata__"):
        tp = get_args(tp)[0]
    return tp, optional


def parse_form(struct: type[T], form: dict[str, Any]) -> T:
    """Convert url-encoded form data to `struct`, or raise FieldErrors naming each bad field.

    Blank fields become None (or are left out, so defaults apply); checkboxes become booleans;
    `datetime-local` values without seconds are accepted. Unknown fields (the CSRF token, buttons)
    are ignored here, unlike in JSON, because browsers send them.
    """
    hints = get_type_hints(struct, include_extras=True)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in struct.__struct_fields__:
        inner, optional = _base_type(hints[name])
        raw = form.get(name)
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if inner is bool:
            data[name] = raw in ("on", "true", "1", "yes")
            continue
        if raw is None:
            continue
        value = str(raw).replace("\r\n", "\n")
        if "\x00" in value:
            errors[name] = "Contains characters that are not allowed."
            continue
        if inner is not str and value.strip() == "":
            if optional:
                data[name] = None
            continue
        if inner is datetime and _LOCAL_MINUTES.match(value.strip()):
            value = value.strip() + ":00"
        if inner is str and value.strip() == "" and optional:
            data[name] = None
            continue
        data[name] = value
    if errors:
        raise FieldErrors(errors)
    try:
        return msgspec.convert(data, struct, strict=False)
    except msgspec.ValidationError as exc:
        field, message = humanize(str(exc))
        raise FieldErrors({field.split(".")[0] or "__all__": message}) from exc


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """Render a full page, or the partial `_<name>` when the request comes from htmx and one exists."""
    ctx = dict(context or {})
    ctx.setdefault("me", request.scope.get("user"))  # unset when no route matched (404, 405)
    flash = request.cookies.get(FLASH_COOKIE)
    ctx["flash"] = FLASH_MESSAGES.get(flash or "")
    cookies = [Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/")] if flash else []
    name = template
    # a history restore (the Back button, htmx's cache missed) replaces the whole body: it needs the page
    if (
        request.headers.get("hx-request") == "true"
        and not request.headers.get("hx-boosted")
        and not request.headers.get("hx-history-restore-request")
    ):
        folder, _, base = template.rpartition("/")
        partial = f"{folder}/_{base}" if folder else f"_{base}"
        if partial in request.app.state.template_names:
            name = partial
    return Template(name, context=ctx, status_code=status_code, headers=headers, cookies=cookies)


def redirect(path: str, flash: str | None = None) -> Redirect:
    cookies = (
        [Cookie(key=FLASH_COOKIE, value=flash, path="/", httponly=True, samesite="lax")] if flash else []
    )
    return Redirect(path, cookies=cookies)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are accepted as a redirect target after log-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# CommonMark without raw HTML, then sanitised: no script, no event handlers, links made safe
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str | None) -> Markup:
    """A challenge description as safe HTML (headings start at h3: the page owns h1 and h2)."""
    if not text:
        return Markup("")
    html = _markdown.render(text)
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)
