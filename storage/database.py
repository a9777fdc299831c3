"""Async engine and session factory, built from settings; the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from config.settings import DatabaseSettings

# The transaction-local setting the audit triggers read the actor from (storage/schema_sql.py).
AUDIT_ACTOR_SETTING = "marketbot.actor"
# Connections older than this are replaced at checkout (server-side idle timeouts, failovers).
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: str, settings: DatabaseSettings | None = None) -> AsyncEngine:
    """An asyncpg engine; `url` is already in `postgresql+asyncpg://` form.

    No pre-ping: it costs a round trip at every checkout, several per message. A connection
    the server closed is noticed by asyncpg itself (the socket's end), so the checkout hook
    below swaps it for a new one without asking the server; one that dies in use fails that
    transaction, and the pool then drops it.
    """
    settings = settings or DatabaseSettings()
    engine = create_async_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_recycle=POOL_RECYCLE_SECONDS,
        echo=settings.echo,
    )
    event.listen(engine.sync_engine.pool, "checkout", _drop_closed_connection)
    return engine


def _drop_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    connection = getattr(dbapi_connection, "_connection", None)
    is_closed = getattr(connection, "is_closed", None)
    if is_closed is not None and is_closed():
        raise DisconnectionError("the server closed this connection")  # the pool retries


def create_session_factory(
    bind: AsyncEngine | AsyncConnection, *, join_transaction: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects usable after commit.

    With `join_transaction` (tests), sessions ride on the caller's connection and turn their
    commits into savepoints, so the outer transaction can roll everything back.
    """
    kwargs = {"join_transaction_mode": "create_savepoint"} if join_transaction else {}
    return async_sessionmaker(bind, expire_on_commit=False, **kwargs)


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, actor: str | None = None
) -> AsyncIterator[AsyncSession]:
    """One transaction: commits on success, rolls back on error.

    `actor` is recorded by the audit triggers for every change made in the transaction.
    """
    async with factory() as session, session.begin():
        if actor:
            await set_audit_actor(session, actor)
        yield session


async def set_audit_actor(session: AsyncSession, actor: str) -> None:
    await session.execute(
        text(f"SELECT set_config('{AUDIT_ACTOR_SETTING}', :actor, true)"), {"actor": actor[:120]}
    )
