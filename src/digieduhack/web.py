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
    "signed_up": N_(
        "Welcome! Your account is ready. We sent you an e-mail: follow its link to confirm your address, "
        "then you can join challenges."
    ),
    "email_verified": N_("Your email address is verified: you can join challenges."),
    "verification_sent": N_("We sent you a new link: it works once, within 48 hours."),
    "password_reset": N_(
        "Your password is changed and you are logged out everywhere: log in with the new one."
    ),
    "profile_saved": N_("Profile saved."),
    "account_deleted": N_("Your account is deleted: your registrations are cancelled and your data erased."),
    "logged_in": N_("You are logged in."),
    "logged_out": N_("You are logged out."),
    "joined": N_("You are registered. See you at the hackathon!"),
    "waitlisted": N_(
        "The challenge is full: you are on the waitlist and will be moved up when a place frees."
    ),
    "cancelled": N_("Your registration is cancelled."),
    "already_joined": N_("You are already registered for this challenge."),
    "participant_promoted": N_("Promoted: the person has a place now and was told by e-mail."),
    "participant_removed": N_("Removed: the person was told by e-mail; a freed place went to the waitlist."),
    "challenge_created": N_("Challenge saved as a draft. Publish it when it is ready."),
    "challenge_saved": N_("Changes saved."),
    "challenge_published": N_("Challenge published: participants can now find and join it."),
    "challenge_closed": N_("Registration closed: the challenge stays in the catalog, nobody can join it."),
    "challenge_cancelled": N_("Challenge cancelled: its page shows your message to the registrants."),
    "host_applied": N_("Thank you! Your application is pending: the organizers will review it soon."),
    "host_approved": N_("Host approved: its members can now publish challenges."),
    "timezone_saved": N_("Time zone saved: times are shown in it too."),
    "host_rejected": N_("Host application rejected; the applicant can read the reason on the host page."),
    "invitation_accepted": N_("Welcome to the team! You are now a member of this host."),
    "invitation_revoked": N_("Invitation withdrawn: its link no longer works."),
    "host_left": N_("You left the host."),
    "event_created": N_("Edition created: hosts can add challenges to it once it is the current one."),
    "event_saved": N_("Edition saved."),
    "token_revoked": N_("Token revoked: it no longer works."),
    "question_added": N_("Question added: people who join from now on answer it."),
    "question_saved": N_("Question saved."),
    "question_deleted": N_("Question deleted, with its answers."),
    "team_created": N_("Your team is created. Invite others with its link or code."),
    "team_joined": N_("Welcome to the team!"),
    "team_left": N_("You left the team."),
    "team_deleted": N_("You left the team; as its last member, the team is deleted."),
    "team_code_renewed": N_("New code: the old code and link no longer work."),
    "team_invitation_sent": N_("Invitation sent: we e-mailed them the team's link."),
    "reminder_sent": N_("Reminder sent: the host's members got an e-mail listing what is missing."),
    "announcement_sent": N_("Announcement sent: one e-mail per recipient is on its way through the outbox."),
}

FORMAT_LABELS = {"online": N_("Online"), "in_person": N_("In person"), "hybrid": N_("Hybrid")}
AUDIENCE_LABELS = {
    "students": N_("Students"),
    "educators": N_("Teachers and educators"),
    "researchers": N_("Researchers"),
    "innovators": N_("Innovators"),
    "education_professionals": N_("Education professionals"),
    "anyone": N_("Anyone"),
}
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


def _extra(tp: Any) -> dict[str, Any]:
    """The `extra` of the msgspec.Meta in an Annotated type, e.g. {"form": "comma_separated"}."""
    for meta in getattr(tp, "__metadata__", ()):
        if isinstance(meta, msgspec.Meta) and meta.extra:
            return dict(meta.extra)
    return {}


class _Blank(Exception):
    """A form value that stands for no value: leave the field out, so its default applies."""


def _form_value(hint: Any, raw: Any) -> Any:
    """One form value as msgspec.convert takes it: blanks None (or _Blank), checkboxes booleans,
    `datetime-local` values completed with seconds. Raises ValueError on a NUL character."""
    inner, optional = _base_type(hint)
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if inner is bool:
        return raw in ("on", "true", "1", "yes")
    if raw is None:
        raise _Blank
    value = str(raw).replace("\r\n", "\n")
    if "\x00" in value:
        raise ValueError("Contains characters that are not allowed.")
    if value.strip() == "" and (optional or inner is not str):
        if optional:
            return None
        raise _Blank
    if inner is datetime and _LOCAL_MINUTES.match(value.strip()):
        value = value.strip() + ":00"
    return value


def _form_list(name: str, hint: Any, form: dict[str, Any], errors: dict[str, str]) -> list[Any]:
    """A list field: rows of a struct (inputs `name[0].field`, blank rows left out), or values of
    repeated inputs (checkboxes) or, with Meta(extra={"form": "comma_separated"} or {"form": "lines"}), of
    one text input or textarea."""
    item = get_args(_base_type(hint)[0])[0]
    item_type = _base_type(item)[0]
    if isinstance(item_type, type) and issubclass(item_type, msgspec.Struct):
        item_hints = get_type_hints(item_type, include_extras=True)
        rows: list[dict[str, Any]] = []
        for n, raw_row in enumerate(form_rows(form, name)):
            row: dict[str, Any] = {}
            for field in item_type.__struct_fields__:
                try:
                    row[field] = _form_value(item_hints[field], raw_row.get(field))
                except _Blank:
                    continue
                except ValueError as exc:
                    errors[f"{name}[{n}].{field}"] = str(exc)
            rows.append(row)
        return rows
    raw = form.get(name)
    values = [str(v) for v in (raw if isinstance(raw, list) else [raw] if raw is not None else [])]
    if _extra(hint).get("form") == "comma_separated":
        values = [part for v in values for part in v.split(",")]
    elif _extra(hint).get("form") == "lines":  # a textarea, one item per line
        values = [part for v in values for part in v.splitlines()]
    for value in values:
        if "\x00" in value:
            errors[name] = "Contains characters that are not allowed."
    return [v.strip() for v in values if v.strip()]


_ROW_KEY = re.compile(r"^(\w+)\[(\d{1,3})\]\.(\w+)$")


def form_rows(form: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of inputs named `name[<n>].<field>`, by n, the blank ones left out."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        if (m := _ROW_KEY.match(key)) and m.group(1) == name:
            rows.setdefault(int(m.group(2)), {})[m.group(3)] = value[-1] if isinstance(value, list) else value
    return [row for _, row in sorted(rows.items()) if any(str(v or "").strip() for v in row.values())]


def compact_rows(form: dict[str, Any], name: str) -> dict[str, Any]:
    """The form with the rows of `name` renumbered from 0, blank ones dropped: the numbers then match
    the list positions that errors name (agenda[1].title is the second row shown)."""
    kept = {k: v for k, v in form.items() if not ((m := _ROW_KEY.match(k)) and m.group(1) == name)}
    for n, row in enumerate(form_rows(form, name)):
        kept.update({f"{name}[{n}].{field}": value for field, value in row.items()})
    return kept


def parse_form(struct: type[T], form: dict[str, Any]) -> T:
    """Convert url-encoded form data to `struct`, or raise FieldErrors naming each bad field.

    Blank fields become None (or are left out, so defaults apply); checkboxes become booleans;
    `datetime-local` values without seconds are accepted; list fields come from repeated inputs or
    rows of inputs (_form_list). Unknown fields (the CSRF token, buttons) are ignored here, unlike in
    JSON, because browsers send them.
    """
    hints = get_type_hints(struct, include_extras=True)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in struct.__struct_fields__:
        if get_origin(_base_type(hints[name])[0]) is list:
            data[name] = _form_list(name, hints[name], form, errors)
            continue
        try:
            data[name] = _form_value(hints[name], form.get(name))
        except _Blank:
            continue
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise FieldErrors(errors)
    try:
        return msgspec.convert(data, struct, strict=False)
    except msgspec.ValidationError as exc:
        field, message = humanize(str(exc))
        # an item of a list sent as one input (tags[3]) is that input's error
        field = re.sub(r"\[\d+\]$", "", field)
        raise FieldErrors({field or "__all__": message}) from exc


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
    """Only same-site paths are accepted as a redirect target after log-in.

    Browsers read `//host` and `/\\host` as another site, and drop tabs and line breaks from a URL
    (so `/<TAB>/host` becomes `//host`): any backslash, whitespace or control character is refused.
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(c.isspace() or not c.isprintable() for c in target)
    ):
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
