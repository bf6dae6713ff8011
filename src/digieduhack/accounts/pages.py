from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts import privacy, services, tokens
from digieduhack.accounts.api import client_of
from digieduhack.accounts.auth import PUBLIC, browser_zone, session_cookie
from digieduhack.accounts.schemas import (
    LoginIn,
    PasswordConfirmIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    ProfileIn,
    SignupIn,
    TimezoneIn,
)
from digieduhack.clock import Clock
from digieduhack.errors import DomainError, FieldErrors
from digieduhack.models import Account, EmailTokenPurpose, Occupation
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import Settings
from digieduhack.timezones import zone_names
from digieduhack.web import N_, parse_form, redirect, render, safe_next

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _tokens_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    clock: Clock,
    *,
    created: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    context = {
        "tokens": await tokens.list_tokens(db, me),
        "now": clock.now(),
        "created": created,
        "allowed": tokens.may_hold_tokens(me),
        "values": values or {"scope": "read"},
        "errors": errors or {},
        "scopes": [("read", N_("Read only (GET)")), ("write", N_("Read and write"))],
    }
    return render(request, "accounts/tokens.html", context, status_code=status_code)


@get("/me/tokens", include_in_schema=False)
async def tokens_page(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, clock: Clock
) -> Response[Any]:
    return await _tokens_page(request, db, me, clock)


@post("/me/tokens", include_in_schema=False)
async def token_create_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form, clock: Clock
) -> Response[Any]:
    try:
        raw, _ = await tokens.create_token(db, me, request.auth, parse_form(tokens.ApiTokenIn, data), clock)
    except FieldErrors as exc:
        return await _tokens_page(request, db, me, clock, values=data, errors=exc.errors, status_code=422)
    # the token is shown in this answer only (no redirect: it is never stored in a cookie or a URL)
    return await _tokens_page(request, db, me, clock, created=raw, status_code=201)


@post("/me/tokens/{token_id:int}/revoke", include_in_schema=False)
async def token_revoke_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, token_id: tokens.TokenId, clock: Clock
) -> Response[Any]:
    await tokens.revoke_token(db, me, request.auth, token_id, clock)
    return redirect("/me/tokens", "token_revoked")


@get("/privacy", opt=PUBLIC, include_in_schema=False)
async def privacy_notice(request: Request[Any, Any, Any]) -> Response[Any]:
    """The terms of participation and privacy notice, with the version each consent records."""
    return render(request, "accounts/privacy.html", {"version": services.NOTICE_VERSION})


@get("/signup", opt=PUBLIC, name="signup", include_in_schema=False)
async def signup_form(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    return render(request, "accounts/signup.html", {"values": {}, "errors": {}, "next": safe_next(next)})


@post("/signup", opt=PUBLIC, include_in_schema=False)
async def signup_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: Form,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    target = safe_next(data.get("next"))
    try:
        account = await services.signup(
            db,
            parse_form(SignupIn, data),
            passwords=passwords,
            limiter=limiter,
            settings=settings,
            clock=clock,
            client=client_of(request),
        )
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, FieldErrors) else {"__all__": exc.detail}
        values = {k: v for k, v in data.items() if k != "password"}
        return render(
            request,
            "accounts/signup.html",
            {"values": values, "errors": errors, "next": target},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    response = redirect(target, "signed_up")
    response.set_cookie(session_cookie(settings, token))
    return response


@get("/login", opt=PUBLIC, name="login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    return render(request, "accounts/login.html", {"values": {}, "errors": {}, "next": safe_next(next)})


@post("/login", opt=PUBLIC, include_in_schema=False)
async def login_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: Form,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    target = safe_next(data.get("next"))
    try:
        account = await services.authenticate(
            db,
            parse_form(LoginIn, data),
            passwords=passwords,
            limiter=limiter,
            settings=settings,
            client=client_of(request),
        )
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, FieldErrors) else {"__all__": exc.detail}
        return render(
            request,
            "accounts/login.html",
            {"values": {"email": data.get("email", "")}, "errors": errors, "next": target},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    token = await services.start_session(db, account, settings=settings, clock=clock, old_token=request.auth)
    response = redirect(target, "logged_in")
    response.set_cookie(session_cookie(settings, token))
    return response


@post("/logout", include_in_schema=False)
async def logout_submit(
    request: Request[Any, Any, Any], db: AsyncSession, settings: Settings
) -> Response[Any]:
    if request.auth:
        await services.end_session(db, request.auth)
    response = redirect("/", "logged_out")
    response.set_cookie(session_cookie(settings, None))
    return response


def _timezone_page(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response[Any]:
    context = {
        "values": values,
        "errors": errors,
        "browser_zone": browser_zone(request),
        "zones": [(z, z) for z in sorted(zone_names())],
    }
    return render(request, "accounts/timezone.html", context, status_code=status_code)


@get("/me/timezone", include_in_schema=False)
async def timezone_form(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return _timezone_page(request, {"timezone": me.timezone or ""}, {})


@post("/me/timezone", include_in_schema=False)
async def timezone_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form
) -> Response[Any]:
    try:
        await services.set_timezone(db, me, parse_form(TimezoneIn, data))
    except FieldErrors as exc:
        return _timezone_page(request, data, exc.errors, status_code=422)
    return redirect("/me/timezone", "timezone_saved")


def _errors(exc: DomainError) -> dict[str, str]:
    return exc.errors if isinstance(exc, FieldErrors) else {"__all__": exc.detail}


def _form_again(
    request: Request[Any, Any, Any], template: str, values: dict[str, Any], exc: DomainError, **context: Any
) -> Response[Any]:
    """The form again, each message next to its field (a password is never sent back)."""
    values = {k: v for k, v in values.items() if k != "password"}
    return render(
        request,
        template,
        {"values": values, "errors": _errors(exc), **context},
        status_code=exc.status_code,
        headers=exc.headers,
    )


# --- verifying the e-mail address ---------------------------------------------------------------
@get("/verify-email/{token:str}", opt=PUBLIC, include_in_schema=False)
async def verify_email_form(
    request: Request[Any, Any, Any], db: AsyncSession, token: str, clock: Clock
) -> Response[Any]:
    # a button to press, not a change on GET: mail scanners follow links
    await services.check_link(db, token, EmailTokenPurpose.VERIFY_EMAIL, clock)
    return render(request, "accounts/verify_email.html", {"token": token})


@post("/verify-email/{token:str}", opt=PUBLIC, include_in_schema=False)
async def verify_email_submit(db: AsyncSession, token: str, clock: Clock) -> Response[Any]:
    await services.verify_email(db, token, clock=clock)
    return redirect("/", "email_verified")


@get("/me/verify-email", include_in_schema=False)
async def verification_page(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return render(request, "accounts/verification.html")


@post("/me/verify-email", include_in_schema=False)
async def verification_resend(
    db: AsyncSession, me: Account, limiter: RateLimiter, settings: Settings, clock: Clock
) -> Response[Any]:
    await services.resend_verification(db, me, limiter=limiter, settings=settings, clock=clock)
    return redirect("/me/verify-email", "verification_sent")


# --- password reset ---------------------------------------------------------------------------------
@get("/password-reset", opt=PUBLIC, include_in_schema=False)
async def reset_request_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(request, "accounts/reset_request.html", {"values": {}, "errors": {}})


@post("/password-reset", opt=PUBLIC, include_in_schema=False)
async def reset_request_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    data: Form,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    try:
        answer = await services.request_password_reset(
            db,
            parse_form(PasswordResetRequestIn, data),
            limiter=limiter,
            settings=settings,
            clock=clock,
            client=client_of(request),
        )
    except DomainError as exc:
        return _form_again(request, "accounts/reset_request.html", data, exc)
    return render(request, "accounts/reset_request.html", {"values": {}, "errors": {}, "answer": answer})


@get("/password-reset/{token:str}", opt=PUBLIC, include_in_schema=False)
async def reset_form(
    request: Request[Any, Any, Any], db: AsyncSession, token: str, clock: Clock
) -> Response[Any]:
    await services.check_link(db, token, EmailTokenPurpose.RESET_PASSWORD, clock)
    return render(request, "accounts/reset.html", {"token": token, "values": {}, "errors": {}})


@post("/password-reset/{token:str}", opt=PUBLIC, include_in_schema=False)
async def reset_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    token: str,
    data: Form,
    passwords: Passwords,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    try:
        new = parse_form(PasswordResetIn, data)
    except FieldErrors as exc:
        return _form_again(request, "accounts/reset.html", data, exc, token=token)
    await services.reset_password(db, token, new, passwords=passwords, clock=clock)
    response = redirect("/login", "password_reset")
    response.set_cookie(session_cookie(settings, None))
    return response


# --- profile ------------------------------------------------------------------------------------------
OCCUPATION_LABELS = {
    Occupation.STUDENT: N_("Student"),
    Occupation.TEACHER: N_("Teacher"),
    Occupation.DEVELOPER: N_("Developer"),
    Occupation.DESIGNER: N_("Designer"),
    Occupation.RESEARCHER: N_("Researcher"),
    Occupation.OTHER: N_("Other"),
}
CODER_CHOICES = [("", N_("Prefer not to say")), ("true", N_("I code")), ("false", N_("I don't code"))]


def _profile_values(a: Account) -> dict[str, Any]:
    return {
        "display_name": a.display_name,
        "country": a.country or "",
        "occupation": a.occupation.value if a.occupation else "",
        "is_coder": "" if a.is_coder is None else str(a.is_coder).lower(),
        "locale": a.locale,
        "contact_consent": a.contact_consent_at is not None,
    }


def _profile_page(
    request: Request[Any, Any, Any],
    me: Account,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response[Any]:
    context = {
        "values": values,
        "errors": errors,
        "account": me,
        "countries": [("", N_("Not given")), *services.country_choices()],
        "occupations": [("", N_("Not given")), *((o.value, label) for o, label in OCCUPATION_LABELS.items())],
        "coder_choices": CODER_CHOICES,
        "locales": [("en", "English")],
    }
    return render(request, "accounts/profile.html", context, status_code=status)


@get("/me/profile", include_in_schema=False)
async def profile_form(request: Request[Any, Any, Any], db: AsyncSession, me: Account) -> Response[Any]:
    return _profile_page(request, me, _profile_values(await db.get_one(Account, me.id)), {})


@post("/me/profile", include_in_schema=False)
async def profile_submit(
    request: Request[Any, Any, Any], db: AsyncSession, me: Account, data: Form, clock: Clock
) -> Response[Any]:
    # the zone is chosen on its own page (/me/timezone): this form keeps it as it is
    form = {**data, "timezone": me.timezone or ""}
    try:
        profile = parse_form(ProfileIn, form)
        if form.get("is_coder") not in ("true", "false"):  # "Prefer not to say"
            profile = msgspec.structs.replace(profile, is_coder=None)
        await services.update_profile(db, me, profile, clock=clock)
    except FieldErrors as exc:
        return _profile_page(request, me, data, exc.errors, status=422)
    return redirect("/me/profile", "profile_saved")


# --- deleting the account -------------------------------------------------------------------------
@get("/me/delete", include_in_schema=False)
async def delete_form(request: Request[Any, Any, Any], me: Account) -> Response[Any]:
    return render(request, "accounts/delete.html", {"values": {}, "errors": {}})


@post("/me/delete", include_in_schema=False)
async def delete_submit(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    me: Account,
    data: Form,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
) -> Response[Any]:
    try:
        await privacy.delete_account(
            db,
            me,
            parse_form(PasswordConfirmIn, data),
            passwords=passwords,
            limiter=limiter,
            settings=settings,
            clock=clock,
        )
    except DomainError as exc:
        await db.rollback()  # nothing of a refused deletion is kept
        return _form_again(request, "accounts/delete.html", {}, exc)
    response = redirect("/", "account_deleted")
    response.set_cookie(session_cookie(settings, None))
    return response


handlers = [
    tokens_page,
    token_create_submit,
    token_revoke_submit,
    privacy_notice,
    verify_email_form,
    verify_email_submit,
    verification_page,
    verification_resend,
    reset_request_form,
    reset_request_submit,
    reset_form,
    reset_submit,
    profile_form,
    profile_submit,
    delete_form,
    delete_submit,
    signup_form,
    signup_submit,
    login_form,
    login_submit,
    logout_submit,
    timezone_form,
    timezone_submit,
]
