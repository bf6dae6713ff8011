"""Passwords (argon2, off the event loop), session tokens, signed link tokens and throttling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from digieduhack.errors import RateLimited


class Passwords:
    def __init__(self, time_cost: int, memory_cost: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        # verified against when the email is unknown, so both answers take the same time
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return bool(self._hasher.verify(password_hash or self._dummy, password)) and bool(
                    password_hash
                )
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(secret: str, purpose: str, value: str) -> str:
    """A token for a link that carries `value` (no dot in it), e.g. "42.<HMAC-SHA256 of purpose and 42>":
    only the holder of the secret can make one, and one made for a purpose is good for no other."""
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: str, purpose: str, token: str) -> str | None:
    """The value a token made by sign() carries, or None when it was not made with this secret and purpose."""
    value, dot, mac = token.rpartition(".")
    if not dot or not value or len(token) > 200:
        return None
    return value if hmac.compare_digest(mac.encode(), _mac(secret, purpose, value).encode()) else None


class RateLimiter:
    """Sliding window per key, in process memory (one app process; see README for several)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int, *, record: bool = True) -> None:
        """Raise RateLimited when `key` already had `limit` hits in `window` seconds, else count this one."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                raise RateLimited(max(1, math.ceil(hits[0] + window - now)))
            if record:
                hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under a flood of distinct keys
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - window}

    def check(self, key: str, limit: int, window: int) -> None:
        """Raise RateLimited like hit(), without counting."""
        self.hit(key, limit, window, record=False)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
