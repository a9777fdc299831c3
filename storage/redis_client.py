"""The Redis client the service uses, and the one error type callers see when Redis is down.

`create_redis` builds a `redis.asyncio.Redis` from a `redis://`, `rediss://` or `unix://` URL with
short socket timeouts and a single quick retry, so a dead or unreachable server makes a call fail
within a couple of seconds instead of hanging a chat update. The pool is a blocking one: a burst of
updates waits briefly for a free connection rather than failing with "Too many connections".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

SUPPORTED_SCHEMES = ("redis://", "rediss://", "unix://")

# The failures that mean "Redis cannot be reached right now" (not a bug in the command).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class RedisUnavailableError(RuntimeError):
    """Redis could not be reached (refused, timed out, socket missing); the call did nothing."""


@contextmanager
def unavailable_as_error(operation: str) -> Iterator[None]:
    """Turn connection and timeout failures inside the block into `RedisUnavailableError`."""
    try:
        yield
    except UNAVAILABLE_ERRORS as exc:
        raise RedisUnavailableError(f"redis unavailable during {operation}: {exc}") from exc


def create_redis(
    url: str,
    *,
    decode_responses: bool = False,
    max_connections: int = 64,
    socket_timeout: float = 2.0,
    connect_timeout: float = 1.0,
    pool_timeout: float = 5.0,
) -> aioredis.Redis:
    """A client for `url`; closing it (`await client.aclose()`) closes its pool."""
    if not url.startswith(SUPPORTED_SCHEMES):
        scheme = url.split("://", 1)[0] if "://" in url else url[:10]
        raise ValueError(f"unsupported Redis URL scheme {scheme!r}: use redis://, rediss:// or unix://")
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        # One quick retry covers a connection dropped by a Redis restart; more would only delay
        # the answer when the server is really gone.
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
        health_check_interval=30,
        decode_responses=decode_responses,
    )
    return aioredis.Redis.from_pool(pool)
