"""Fixtures for the Redis helper tests: clients built by `create_redis`, live and dead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from storage.redis_client import create_redis
from storage.redis_keys import KeySpace


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client as the service builds it (blocking pool, short timeouts) on the embedded server."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def keys(redis_prefix: str) -> KeySpace:
    return KeySpace(redis_prefix)


@pytest.fixture
def missing_socket(tmp_path: Path) -> Path:
    """A unix socket path nothing listens on: Redis 'stopped'."""
    return tmp_path / "redis.sock"


@pytest.fixture
async def dead_redis(missing_socket: Path) -> AsyncIterator[aioredis.Redis]:
    client = create_redis(f"unix://{missing_socket}")
    yield client
    await client.aclose()
