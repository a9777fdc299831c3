"""Async engine and session factory, built from settings; the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_never,
    wait_exponential,
)

from config.settings import DatabaseSettings

# The transaction-local setting the audit triggers read the actor from (storage/schema_sql.py).
AUDIT_ACTOR_SETTING = "marketbot.actor"
# Connections older than this are replaced at checkout (server-side idle timeouts, failovers).
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: str, settings: DatabaseSettings | None = None) -> AsyncEngine:
    """An asyncpg engine; `url` is already in `postgresql+asyncpg://` form.

    Pooled connections are checked at checkout without a round trip: after a restart of the
    server every pooled connection is dead, its socket closed, and the checkout hook below swaps
    each one asyncpg saw close. SQLAlchemy's pre-ping would cost three round trips a checkout
    (asyncpg's adapter wraps its ping in BEGIN and ROLLBACK), about half of all round trips
    per message. One that dies in use fails that statement: `retry_on_disconnect` runs it again
    where the caller can (the inbox, delivery marks), the job queue elsewhere.
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


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` says the connection (or the server) went away, not that the statement
    was wrong: running it again on a new connection may succeed."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or _is_connection_error(exc.orig)
    if isinstance(exc, (PoolTimeoutError, DisconnectionError, OSError, ConnectionError)):
        return True
    # The job queue's driver (psycopg) says it with its own error, usually wrapped by
    # procrastinate; its listener's own connection raises it bare.
    import psycopg

    return isinstance(exc, psycopg.OperationalError) or isinstance(
        exc.__cause__, psycopg.OperationalError)


def _is_connection_error(orig: BaseException | None) -> bool:
    """The driver's error, or what it wraps (SQLAlchemy's asyncpg adapter wraps asyncpg's own
    exception as the cause), says the connection or the server is gone."""
    import asyncpg

    gone = (OSError, ConnectionError, asyncpg.exceptions.ConnectionDoesNotExistError,
            asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.AdminShutdownError,
            asyncpg.exceptions.InterfaceError)
    seen = 0
    while orig is not None and seen < 5:  # a short chain: the adapter, asyncpg, the socket
        if isinstance(orig, gone):
            return True
        orig, seen = orig.__cause__, seen + 1
    return False


def retry_on_disconnect(*, attempts: int | None = 5, max_wait: float = 2.0) -> AsyncRetrying:
    """Retry a statement (or a short transaction) that hit a dead connection; `attempts=None`
    retries until it succeeds. Any other error is raised at once."""
    return AsyncRetrying(
        retry=retry_if_exception(is_disconnect),
        stop=stop_never if attempts is None else stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.05, max=max_wait),
        reraise=True,
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
        text(f"SELECT set_config('{AUDIT_ACTOR_SETTING}', :actor, true)"), {"actor": actor[:120]}
    )


@asynccontextmanager
async def reading(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reads only, on an AUTOCOMMIT connection: a read costs its statement and no
    BEGIN and ROLLBACK round trips. Each statement sees what was committed when it began, so a
    read that must be consistent is one statement (a turn's snapshot is). Never write through
    it: each write would commit on its own. When the sessions ride on a caller's connection
    (tests), a plain session."""
    bind = factory.kw.get("bind")
    if isinstance(bind, AsyncEngine):
        async with factory(bind=bind.execution_options(isolation_level="AUTOCOMMIT")) as session:
            yield session
        return
    async with factory() as session:
        yield session


@asynccontextmanager
async def single_statement(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncConnection | AsyncSession]:
    """Where to run one statement that needs no transaction around it: a connection in
    autocommit (no BEGIN and COMMIT round trips), or, when the sessions ride on a caller's
    connection (tests), a unit of work."""
    bind = factory.kw.get("bind")
    if isinstance(bind, AsyncEngine):
        async with bind.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    async with unit_of_work(factory) as session:
        yield session
