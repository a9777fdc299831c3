"""Async engine and session factory, built from settings; the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from config.settings import DatabaseSettings


def create_engine(url: str, settings: DatabaseSettings | None = None) -> AsyncEngine:
    """An asyncpg engine; `url` is already in `postgresql+asyncpg://` form."""
    settings = settings or DatabaseSettings()
    return create_async_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=True,
        echo=settings.echo,
    )


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
        text("SELECT set_config('marketbot.actor', :actor, true)"), {"actor": actor[:120]}
    )
