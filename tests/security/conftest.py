from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from digieduhack.settings import Settings
from tests.security.support import AppFactory


@pytest.fixture
async def apps(settings: Settings, db_clean: None) -> AsyncIterator[AppFactory]:
    """`apps.app(login_attempts=3)` is an app with those settings on the emptied test database;
    `apps.client(app, ip=..., https=...)` a client of it."""
    factory = AppFactory(settings)
    yield factory
    await factory.close()
