"""Personal API tokens: organizers and host members create them (named, read or write, optional expiry),
see them once, revoke them; `Authorization: Bearer <token>` then works on every /api/v1 endpoint with the
owner's rights, GET only for a read token. The table keeps the token's SHA-256 and its first characters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.services import load_account
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, Forbidden, NotFound, field_error
from digieduhack.models import Account, ApiToken, TokenScope
from digieduhack.security import new_token, token_hash

TokenId = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The token's id")]
PREFIX = "deh_"
MAX_TOKENS = 20  # active ones per account
# last_used_at is written at most this often per token: a busy script does not write on every request
TOUCH_EVERY = timedelta(minutes=1)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiTokenIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="what the token is for")]
    scope: TokenScope = TokenScope.READ
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = None  # none: until revoked


class ApiTokenOut(msgspec.Struct):
    id: int
    name: str
    scope: TokenScope
    prefix: str  # the token's first characters, to recognise it
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @classmethod
    def from_model(cls, t: ApiToken, now: datetime) -> ApiTokenOut:
        return cls(
            t.id, t.name, t.scope, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
            is_active(t, now),
        )  # fmt: skip


class ApiTokenCreatedOut(msgspec.Struct):
    token: str  # shown this once: keep it like a password
    details: ApiTokenOut


@dataclass(frozen=True)
class TokenAuth:
    """How a request authenticated with a token: `connection.auth` (a session's is its cookie string)."""

    token_id: int
    scope: TokenScope


def is_active(t: ApiToken, now: datetime) -> bool:
    return t.revoked_at is None and (t.expires_at is None or now < t.expires_at)


def may_hold_tokens(actor: Account) -> bool:
    return actor.is_organizer or bool(actor.memberships)


def require_session(auth: object) -> None:
    """Tokens are managed from a logged-in session, never with a token (a leaked token cannot make more)."""
    if isinstance(auth, TokenAuth):
        raise Forbidden("API tokens are managed from a logged-in session, not with a token.")


async def list_tokens(db: AsyncSession, actor: Account) -> list[ApiToken]:
    rows = await db.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == actor.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    return list(rows)


async def create_token(
    db: AsyncSession, actor: Account, auth: object, data: ApiTokenIn, clock: Clock
) -> tuple[str, ApiToken]:
    require_session(auth)
    if not may_hold_tokens(actor):
        raise Forbidden("API tokens are for organizers and members of a host.")
    name = data.name.strip()
    if not name:
        raise field_error("name", "Name the token (what it is for).")
    now = clock.now()
    if sum(is_active(t, now) for t in await list_tokens(db, actor)) >= MAX_TOKENS:
        raise Conflict(f"You have {MAX_TOKENS} active tokens: revoke one you no longer use first.")
    raw = PREFIX + new_token()
    token = ApiToken(
        account_id=actor.id,
        name=name,
        scope=data.scope,
        token_hash=token_hash(raw),
        prefix=raw[:10],
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
    )
    db.add(token)
    await db.flush()
    return raw, token


async def revoke_token(
    db: AsyncSession, actor: Account, auth: object, token_id: int, clock: Clock
) -> ApiToken:
    require_session(auth)
    token = await db.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.account_id == actor.id))
    if token is None:
        raise NotFound(f"You have no API token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        await db.flush()
    return token


async def account_for_api_token(db: AsyncSession, raw: str, clock: Clock) -> tuple[Account, ApiToken] | None:
    """The owner of an active token (with their hosts, like a session's) and the token, its last use recorded
    at most once a minute; None for an unknown, revoked or expired token, or a deleted owner."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = await db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    now = clock.now()
    if token is None or not is_active(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        await db.commit()
    account = await load_account(db, token.account_id)
    return (account, token) if account.deleted_at is None else None
