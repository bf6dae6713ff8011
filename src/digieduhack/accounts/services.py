"""Sign-up, log-in, server-side sessions; verified e-mail addresses and password resets by e-mailed
single-use links; the profile; a person's own data (export, deletion)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.accounts.schemas import (
    LoginIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    ProfileIn,
    SignupIn,
    TimezoneIn,
)
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, DomainError, FieldErrors, Forbidden, Gone, NotFound, field_error
from digieduhack.models import (
    Account,
    AuditEntry,
    AuthSession,
    EmailToken,
    EmailTokenPurpose,
    HostMember,
)
from digieduhack.outbox.services import enqueue
from digieduhack.security import Passwords, RateLimiter, new_token, token_hash
from digieduhack.settings import Settings
from digieduhack.timezones import babel_locale, zone

# the version of the terms of participation and privacy notice (templates/accounts/privacy.html): a new text
# gets a new version; each consent records the one it was given to
NOTICE_VERSION = "2026-11-23"


class BadCredentials(DomainError):
    status_code = 401
    title = "Log-in failed"


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def signup(
    db: AsyncSession,
    data: SignupIn,
    *,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
    client: str,
) -> Account:
    email = normalize_email(data.email)
    limiter.hit(f"signup:client:{client}", settings.signup_attempts, settings.rate_limit_window)
    if not data.accept_terms:
        raise field_error("accept_terms", "Please accept the terms and the privacy notice to sign up.")
    if len(email) > 254:  # lower() can lengthen text ("İ" becomes two characters): the column holds 254
        raise field_error("email", "Must be at most 254 characters long.")
    name = data.display_name.strip()
    if not name:
        raise field_error("display_name", "Enter your name.")
    if await db.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Conflict("An account with this email already exists. Log in instead.")
    now = clock.now()
    account = Account(
        email=email,
        display_name=name,
        password_hash=await passwords.hash(data.password),
        locale="en",
        is_organizer=False,
        country=data.country.upper() if data.country else None,
        terms_accepted_at=now,
        terms_version=NOTICE_VERSION,
        created_at=now,
    )
    db.add(account)
    await db.flush()
    await send_verification(db, account, settings=settings, clock=clock)
    return await load_account(db, account.id)


async def authenticate(
    db: AsyncSession,
    data: LoginIn,
    *,
    passwords: Passwords,
    limiter: RateLimiter,
    settings: Settings,
    client: str,
) -> Account:
    email = normalize_email(data.email)
    # failed attempts are counted, per client and per email: a room of people behind one address
    # logging in successfully is never locked out
    keys = (f"login:client:{client}", f"login:email:{email}")
    for key in keys:
        limiter.check(key, settings.login_attempts, settings.rate_limit_window)
    account = await active_account(db, email)
    # the same answer, after the same work, for an unknown email and a wrong password
    ok = await passwords.verify(account.password_hash if account else None, data.password)
    if account is None or not ok:
        for key in keys:
            limiter.hit(key, settings.login_attempts, settings.rate_limit_window)
        raise BadCredentials("Email or password is incorrect.")
    return await load_account(db, account.id)


def _account_with_hosts() -> Select[Account]:
    # one round trip: the account, its memberships and their hosts (joined, not a query each)
    return select(Account).options(joinedload(Account.memberships).joinedload(HostMember.host))


async def load_account(db: AsyncSession, account_id: int) -> Account:
    result = await db.execute(
        _account_with_hosts().where(Account.id == account_id).execution_options(populate_existing=True)
    )
    return result.unique().scalar_one()


async def start_session(
    db: AsyncSession, account: Account, *, settings: Settings, clock: Clock, old_token: str | None
) -> str:
    """A fresh token at every log-in; the previous session of this browser is ended."""
    if old_token:
        await end_session(db, old_token)
    token = new_token()
    now = clock.now()
    db.add(
        AuthSession(
            token_hash=token_hash(token),
            account_id=account.id,
            created_at=now,
            expires_at=now + timedelta(days=settings.session_days),
        )
    )
    await db.flush()
    return token


async def end_session(db: AsyncSession, token: str) -> None:
    await db.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))


async def account_for_token(db: AsyncSession, token: str, clock: Clock) -> Account | None:
    result = await db.execute(
        _account_with_hosts()
        .join(AuthSession, AuthSession.account_id == Account.id)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.expires_at > clock.now())
    )
    return result.unique().scalar_one_or_none()


def timezone_error(name: str | None) -> str | None:
    """The message for a zone that is not an IANA one (None: a known zone, or none chosen)."""
    if name is not None and zone(name) is None:
        return f"'{name}' is not a known IANA time zone, e.g. Europe/Brussels."
    return None


async def set_timezone(db: AsyncSession, account: Account, data: TimezoneIn) -> Account:
    """The zone the account wants times shown in (None: the browser's)."""
    if message := timezone_error(data.timezone):
        raise field_error("timezone", message)
    row = await db.get_one(Account, account.id)  # `account` was loaded by the session middleware
    row.timezone = data.timezone
    await db.flush()
    return row


async def active_account(db: AsyncSession, email: str) -> Account | None:
    """The account of an email address; a deleted account has none (it logs in like an unknown one)."""
    account: Account | None = await db.scalar(
        select(Account).where(Account.email == email, Account.deleted_at.is_(None))
    )
    return account


# --- single-use links sent by e-mail ----------------------------------------------------------------
VERIFY_LIFETIME = timedelta(hours=48)
RESET_LIFETIME = timedelta(hours=1)


def _link(settings: Settings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}{path}"


def _issue(
    db: AsyncSession, account: Account, purpose: EmailTokenPurpose, lifetime: timedelta, clock: Clock
) -> str:
    """A new link token; the table keeps only its SHA-256."""
    token = new_token()
    now = clock.now()
    db.add(
        EmailToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


async def _usable_token(db: AsyncSession, token: str, purpose: EmailTokenPurpose, clock: Clock) -> EmailToken:
    """The token's row, locked, while it is unused and unexpired; else why the link does not work."""
    row = None
    if len(token) <= 100:
        row = await db.scalar(
            select(EmailToken)
            .where(EmailToken.token_hash == token_hash(token), EmailToken.purpose == purpose)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if row is None:
        raise NotFound("This link is not valid: check that you copied all of it, or ask for a new one.")
    if row.used_at is not None or row.expires_at <= clock.now():
        raise Gone("This link has expired or was already used: ask for a new one.")
    return row


async def check_link(db: AsyncSession, token: str, purpose: EmailTokenPurpose, clock: Clock) -> None:
    """Raises NotFound or Gone when the link can't be used (shown before asking to confirm)."""
    await _usable_token(db, token, purpose, clock)


async def send_verification(db: AsyncSession, account: Account, *, settings: Settings, clock: Clock) -> None:
    token = _issue(db, account, EmailTokenPurpose.VERIFY_EMAIL, VERIFY_LIFETIME, clock)
    await enqueue(
        db,
        settings,
        clock,
        kind="verify_email",
        to=account.email,
        account_id=account.id,
        context={
            "name": account.display_name,
            "link": _link(settings, f"/verify-email/{token}"),
            "hours": int(VERIFY_LIFETIME.total_seconds() // 3600),
        },
    )


class EmailNotVerified(Forbidden):
    title = "Email not verified"


def require_verified_email(account: Account) -> None:
    """Joining a challenge needs an address that was shown to work."""
    if account.email_verified_at is None:
        raise EmailNotVerified(
            "Verify your email address before joining a challenge: follow the link we sent to "
            f"{account.email}. No e-mail? Ask for a new link at /me/verify-email."
        )


async def resend_verification(
    db: AsyncSession, account: Account, *, limiter: RateLimiter, settings: Settings, clock: Clock
) -> str:
    if account.email_verified_at is not None:
        raise Conflict("Your email address is already verified.")
    limiter.hit(f"verify:account:{account.id}", settings.verify_resend_attempts, settings.rate_limit_window)
    await send_verification(db, account, settings=settings, clock=clock)
    return f"We sent a new link to {account.email}. It works once, within 48 hours."


async def verify_email(db: AsyncSession, token: str, *, clock: Clock) -> Account:
    row = await _usable_token(db, token, EmailTokenPurpose.VERIFY_EMAIL, clock)
    now = clock.now()
    row.used_at = now
    account = await db.get_one(Account, row.account_id)
    account.email_verified_at = account.email_verified_at or now
    await db.flush()
    return account


def reset_answer(email: str) -> str:
    return (
        f"If an account exists for {email}, we sent a link to it to choose a new password. "
        "The link works once, within an hour."
    )


async def request_password_reset(
    db: AsyncSession,
    data: PasswordResetRequestIn,
    *,
    limiter: RateLimiter,
    settings: Settings,
    clock: Clock,
    client: str,
) -> str:
    """The same answer whether or not the address has an account; a link is sent only if it has."""
    email = normalize_email(data.email)
    keys = (f"reset:client:{client}", f"reset:email:{email}")
    for key in keys:
        limiter.check(key, settings.reset_attempts, settings.rate_limit_window)
    for key in keys:
        limiter.hit(key, settings.reset_attempts, settings.rate_limit_window)
    account = await active_account(db, email)
    if account is not None:
        token = _issue(db, account, EmailTokenPurpose.RESET_PASSWORD, RESET_LIFETIME, clock)
        await enqueue(
            db,
            settings,
            clock,
            kind="reset_password",
            to=account.email,
            account_id=account.id,
            context={
                "name": account.display_name,
                "link": _link(settings, f"/password-reset/{token}"),
                "minutes": int(RESET_LIFETIME.total_seconds() // 60),
            },
        )
    return reset_answer(email)


async def reset_password(
    db: AsyncSession, token: str, data: PasswordResetIn, *, passwords: Passwords, clock: Clock
) -> Account:
    """A new password from a reset link: every link of the account stops working, every session ends."""
    row = await _usable_token(db, token, EmailTokenPurpose.RESET_PASSWORD, clock)
    now = clock.now()
    account = await db.get_one(Account, row.account_id)
    account.password_hash = await passwords.hash(data.password)
    # the link reached its owner through the address: that proves it works
    account.email_verified_at = account.email_verified_at or now
    await db.execute(
        update(EmailToken)
        .where(
            EmailToken.account_id == account.id,
            EmailToken.purpose == EmailTokenPurpose.RESET_PASSWORD,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    await db.execute(delete(AuthSession).where(AuthSession.account_id == account.id))
    db.add(
        AuditEntry(
            actor_id=account.id,
            action="account.password_reset",
            target=f"account:{account.id}",
            details={},
            created_at=now,
        )
    )
    await db.flush()
    return account


# --- profile ----------------------------------------------------------------------------------------
# Babel's territories that are not countries (regions, groupings, pseudo-territories)
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2 code, English name), by name."""
    territories = babel_locale("en").territories
    codes = [c for c in map(str, territories) if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    return sorted(((c, str(territories[c])) for c in codes), key=lambda c: c[1])


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in country_choices())


async def update_profile(db: AsyncSession, account: Account, data: ProfileIn, *, clock: Clock) -> Account:
    errors: dict[str, str] = {}
    name = data.display_name.strip()
    if not name:
        errors["display_name"] = "Enter your name."
    country = data.country.upper() if data.country else None
    if country is not None and country not in _country_codes():
        errors["country"] = f"'{data.country}' is not a country code (ISO 3166-1 alpha-2), e.g. BE."
    if message := timezone_error(data.timezone):
        errors["timezone"] = message
    if errors:
        raise FieldErrors(errors)
    row = await db.get_one(Account, account.id)
    row.display_name = name
    row.country = country
    row.occupation = data.occupation
    row.is_coder = data.is_coder
    row.locale = data.locale
    row.timezone = data.timezone
    if data.contact_consent != (row.contact_consent_at is not None):
        row.contact_consent_at = clock.now() if data.contact_consent else None
        row.contact_consent_version = NOTICE_VERSION if data.contact_consent else None
    await db.flush()
    return row
