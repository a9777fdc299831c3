"""Alembic environment: async, URL from settings, or a connection handed in by tests/scripts.

`config.attributes["connection"]` (a sync Connection, as `AsyncConnection.run_sync` gives) makes
the migration run inside the caller's transaction; otherwise the URL comes from the settings,
and with no DATABASE_URL the embedded server is started.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context
from config.settings import load_settings
from storage.embedded import EmbeddedServices
from storage.models import Base

config = context.config
target_metadata = Base.metadata


# Tables other tools left in the same database (the APScheduler job store of releases before
# the schedulers moved to memory stores): never ours to create or drop.
FOREIGN_TABLES = {"scheduler_jobs"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=False,
        include_object=include_object,
    )


def run_migrations_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_settings() -> None:
    settings = load_settings()
    services = EmbeddedServices(settings)
    url = settings.database.async_url()
    if url is None:
        url = (await services.start()).database_url
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations_on)
            await connection.commit()
    finally:
        await engine.dispose()
        services.stop()


def run_migrations_offline() -> None:
    settings = load_settings()
    context.configure(
        url=settings.database.async_url() or "postgresql+asyncpg://localhost/marketbot",
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_migrations_on(shared)
else:
    asyncio.run(_run_with_settings())
