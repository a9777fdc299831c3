"""One replay environment for the whole test session: the local Bot API server and the migrated
template on the suite's embedded PostgreSQL and Redis (every transcript still gets a fresh
database and Redis prefix of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.replay.environment import ReplayEnvironment
from config.settings import Settings
from storage.embedded import EmbeddedServices


@pytest.fixture(scope="session")
async def replay_env(settings: Settings, embedded: EmbeddedServices,
                     redis_url: str) -> AsyncIterator[ReplayEnvironment]:
    assert embedded.postgres is not None
    env = await ReplayEnvironment.open(settings, database_url=embedded.postgres.url("postgres"),
                                       redis_url=redis_url)
    yield env
    await env.close()
