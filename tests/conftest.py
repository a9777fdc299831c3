"""Test setup: the embedded PostgreSQL and Redis, started once per session.

Every test is isolated: database work runs inside one outer transaction that is rolled back
(sessions join it with savepoints, so code under test may commit freely), and Redis keys carry a
prefix of their own that is deleted afterwards. `fresh_database` gives a whole migrated database
(a copy of a template) for code that must open its own connections, such as scripts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from config.settings import Settings, load_settings
from storage.database import create_engine, create_session_factory
from storage.embedded import EmbeddedServices
from storage.migrations import upgrade
from storage.redis_client import create_redis

# One template per test session: parallel sessions on one machine never share it.
TEMPLATE_DB = f"marketbot_test_template_{os.getpid()}"

os.environ.setdefault("LLM_PROVIDER", "offline")

# structlog's defaults as the bot runs them (config/logging.py): plain tracebacks. Its default
# rich tracebacks render every frame's locals; a few failures under a fault test took minutes.
structlog.configure(processors=[*structlog.get_config()["processors"][:-1],
                                structlog.dev.ConsoleRenderer(
                                    exception_formatter=structlog.dev.plain_traceback)])


@pytest.fixture(scope="session")
def settings() -> Settings:
    # The suite always runs on the embedded servers, whatever the developer's environment says.
    for key in ("DATABASE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "GOOGLE_API_KEY"):
        os.environ.pop(key, None)
    return load_settings()


@pytest.fixture(scope="session")
async def embedded(settings: Settings) -> AsyncIterator[EmbeddedServices]:
    services = EmbeddedServices(settings)
    await services.start()
    yield services
    services.stop()


async def _admin_execute(services: EmbeddedServices, *statements: str) -> None:
    import asyncpg

    assert services.postgres is not None
    conn = await asyncpg.connect(services.postgres._server.get_uri("postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_database(embedded: EmbeddedServices) -> AsyncIterator[str]:
    """A migrated database that `fresh_database` copies; rebuilt once per test session."""
    await _admin_execute(
        embedded, f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{TEMPLATE_DB}"',
    )
    assert embedded.postgres is not None
    engine = create_engine(embedded.postgres.url(TEMPLATE_DB))
    async with engine.connect() as conn:
        await upgrade(conn)
        await conn.commit()
    await engine.dispose()
    yield TEMPLATE_DB
    await _admin_execute(embedded, f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def create_database(
    embedded: EmbeddedServices, template_database: str
) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Factory: a new migrated database (copied from the template); returns its URL."""
    created: list[str] = []

    async def factory() -> str:
        name = f"marketbot_t_{uuid.uuid4().hex[:10]}"
        await _admin_execute(embedded, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        created.append(name)
        assert embedded.postgres is not None
        return embedded.postgres.url(name)

    yield factory
    await _admin_execute(
        embedded, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in created)
    )


@pytest.fixture
async def fresh_database(create_database: Callable[[], Awaitable[str]]) -> str:
    """URL of a migrated database of this test's own."""
    return await create_database()


@pytest.fixture(scope="session")
async def engine(create_database: Callable[[], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await create_database())
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test, rolled back at the end."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def session_factory(db_connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(db_connection, join_transaction=True)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
async def redis_url(embedded: EmbeddedServices) -> str:
    assert embedded.redis is not None
    return f"unix://{embedded.redis._server.socket_file}"


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: aioredis.Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture
async def sql(db_connection: AsyncConnection) -> Callable[..., Awaitable[object]]:
    """Run raw SQL in the test's transaction: `await sql("SELECT ...", key=value)`."""

    async def run(statement: str, **params: object) -> object:
        return await db_connection.execute(text(statement), params)

    return run


@pytest.fixture
async def gemini_double():
    """The local Gemini API double on a free port, answering as the offline model."""
    from agents.llm.models.double_brain import OfflineBrain
    from integrations.gemini_local import start_gemini_double

    runner, _, double = await start_gemini_double(OfflineBrain())
    yield double
    await runner.cleanup()


def gemini_settings(settings: Settings, base_url: str, **llm: object) -> Settings:
    """`settings` with the real Gemini client pointed at `base_url` (the double)."""
    from pydantic import SecretStr

    changes = {"provider": "gemini", "google_api_key": SecretStr("any"),
               "gemini_base_url": base_url, **llm}
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=changes)})
