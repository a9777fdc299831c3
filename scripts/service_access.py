"""Reaching PostgreSQL and Redis from an operator script.

URLs come from the settings; what is not configured is served by the embedded servers
(`storage.embedded.EmbeddedServices`), as for the bot itself. A service that cannot be reached
becomes `ServiceUnavailable` with one line naming where it was looked for and why it failed;
the location never includes a password.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from config.settings import Settings
from scripts.operator_cli import ServiceUnavailable, one_line
from storage.embedded import EmbeddedServices, ServiceURLs

CONNECT_TIMEOUT_SECONDS = 10


@dataclass
class Services:
    engine: AsyncEngine
    database_url: str
    database_location: str
    redis_url: str | None


def database_location(url: str) -> str:
    """`host:port`, or the socket directory, of a PostgreSQL URL."""
    parsed = make_url(url)
    if parsed.host:
        return f"{parsed.host}:{parsed.port or 5432}"
    socket_dir = parsed.query.get("host")
    if isinstance(socket_dir, tuple):
        socket_dir = socket_dir[0]
    return f"{socket_dir or 'localhost'} (unix socket)"


def redis_location(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"{parts.path} (unix socket)"
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def unreachable_reason(exc: BaseException) -> str | None:
    """Why a connection failed, in a few words; None when `exc` is not a connection failure."""
    for error in _causes(exc):
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, socket.gaierror):
            return "unknown host"
        if isinstance(error, TimeoutError):
            return "timed out"
        if isinstance(error, FileNotFoundError):
            return "no server socket there"
        if isinstance(error, asyncpg.InvalidPasswordError):
            return "password authentication failed"
        if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
            return one_line(str(error))
        if isinstance(error, asyncpg.InvalidCatalogNameError):
            return "the database does not exist"
        if isinstance(error, asyncpg.CannotConnectNowError):
            return "the server is starting up or shutting down"
        if isinstance(error, asyncpg.TooManyConnectionsError):
            return "too many connections"
        if isinstance(error, OSError):
            return one_line(error.strerror or str(error))
    return None


async def _start_embedded(settings: Settings) -> tuple[EmbeddedServices, ServiceURLs]:
    embedded = EmbeddedServices(settings)
    try:
        urls = await embedded.start()
    except Exception as exc:
        embedded.stop()
        raise ServiceUnavailable(
            f"cannot start the embedded servers ({type(exc).__name__}: {one_line(str(exc))})"
        ) from exc
    return embedded, urls


async def check_database(engine: AsyncEngine, location: str) -> None:
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        reason = unreachable_reason(exc)
        if reason is None:
            raise
        raise ServiceUnavailable(f"cannot reach PostgreSQL at {location} ({reason})") from exc


async def ping_redis(url: str) -> str:
    """PING Redis; returns the server version."""
    client = aioredis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        await client.ping()
        info = await client.info("server")
        return str(info.get("redis_version", "?"))
    except (RedisError, OSError) as exc:
        reason = unreachable_reason(exc) or one_line(str(exc))
        raise ServiceUnavailable(
            f"cannot reach Redis at {redis_location(url)} ({reason})"
        ) from exc
    finally:
        await client.aclose()


@asynccontextmanager
async def open_services(settings: Settings, *, redis: bool = False) -> AsyncIterator[Services]:
    """A checked database engine (and Redis URL when `redis`); embedded servers when needed."""
    database_url = settings.database.async_url()
    redis_url = settings.redis.url.get_secret_value() if settings.redis.url else None
    embedded: EmbeddedServices | None = None
    if database_url is None or (redis and redis_url is None):
        embedded, urls = await _start_embedded(settings)
        database_url, redis_url = urls.database_url, urls.redis_url
    location = database_location(database_url)
    engine = create_async_engine(
        database_url, pool_size=2, max_overflow=2, pool_pre_ping=True,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )
    try:
        await check_database(engine, location)
        yield Services(engine, database_url, location, redis_url)
    finally:
        await engine.dispose()
        if embedded is not None:
            embedded.stop()
