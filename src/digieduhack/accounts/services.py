"""Sign-up, log-in, server-side sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.accounts.schemas import LoginIn, SignupIn, TimezoneIn
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, DomainError, field_error
from digieduhack.models import Account, AuthSession, HostMember
from digieduhack.security import Passwords, RateLimiter, new_token, token_hash
from digieduhack.settings import Settings
from digieduhack.timezones import zone


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
        created_at=now,
    )
    db.add(account)
    await db.flush()
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
    account = await db.scalar(select(Account).where(Account.email == email))
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


async def set_timezone(db: AsyncSession, account: Account, data: TimezoneIn) -> Account:
    """The zone the account wants times shown in (None: the browser's)."""
    if data.timezone is not None and zone(data.timezone) is None:
        raise field_error(
            "timezone", f"'{data.timezone}' is not a known IANA time zone, e.g. Europe/Brussels."
        )
    row = await db.get_one(Account, account.id)  # `account` was loaded by the session middleware
    row.timezone = data.timezone
    await db.flush()
    return row
