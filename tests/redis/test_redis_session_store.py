"""Session dicts per actor: round trip, merge, sliding TTL, and a clear error when Redis is down."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
import redis.asyncio as aioredis

from storage.redis_client import RedisUnavailableError
from storage.redis_keys import KeySpace
from storage.session_store import DEFAULT_SESSION_TTL_SECONDS, SessionStore


@pytest.fixture
def store(redis: aioredis.Redis, keys: KeySpace) -> SessionStore:
    return SessionStore(redis, keys, ttl_seconds=600)


async def test_round_trip_keeps_unicode_and_nesting(store: SessionStore) -> None:
    data = {"step": "precio", "draft": {"title": "Bici Trek ñ", "photos": []}, "n": 2}
    await store.set("seller", 42, data)
    assert await store.get("seller", 42) == data
    assert await store.get("buyer", 42) is None  # kinds are separate


async def test_default_ttl_is_a_day(redis: aioredis.Redis, keys: KeySpace) -> None:
    store = SessionStore(redis, keys)
    await store.set("buyer", 1, {"a": 1})
    remaining = await store.ttl("buyer", 1)
    assert remaining is not None
    assert DEFAULT_SESSION_TTL_SECONDS - 5 < remaining <= DEFAULT_SESSION_TTL_SECONDS == 86_400


async def test_writes_and_touch_refresh_the_ttl(
    store: SessionStore, redis: aioredis.Redis, keys: KeySpace
) -> None:
    key = keys.session("buyer", 7)
    await store.set("buyer", 7, {"a": 1})
    for refresh in (
        lambda: store.touch("buyer", 7),
        lambda: store.update("buyer", 7, {"b": 2}),
        lambda: store.set("buyer", 7, {"c": 3}),
    ):
        await redis.pexpire(key, 3_000)
        await refresh()
        remaining = await store.ttl("buyer", 7)
        assert remaining is not None and remaining > 590


async def test_touch_and_delete_of_a_missing_session(store: SessionStore) -> None:
    assert await store.touch("buyer", 404) is False
    assert await store.delete("buyer", 404) is False
    assert await store.ttl("buyer", 404) is None


async def test_update_merges_and_creates(store: SessionStore) -> None:
    assert await store.update("seller", 9, {"a": 1}) == {"a": 1}
    await store.update("seller", 9, {"b": 2})
    merged = await store.update("seller", 9, {"a": 3, "c": [1, 2]})
    assert merged == {"a": 3, "b": 2, "c": [1, 2]}
    assert await store.get("seller", 9) == merged


async def test_concurrent_updates_of_different_fields_all_survive(store: SessionStore) -> None:
    await asyncio.gather(*(store.update("buyer", 5, {f"f{i}": i}) for i in range(10)))
    assert await store.get("buyer", 5) == {f"f{i}": i for i in range(10)}


async def test_delete_removes(store: SessionStore) -> None:
    await store.set("buyer", 3, {"a": 1})
    assert await store.delete("buyer", 3) is True
    assert await store.get("buyer", 3) is None


async def test_non_json_values_are_refused_before_writing(store: SessionStore) -> None:
    await store.set("buyer", 8, {"a": 1})
    with pytest.raises(TypeError):
        await store.update("buyer", 8, {"price": Decimal("10")})
    with pytest.raises(TypeError):
        await store.set("buyer", 8, {"price": Decimal("10")})
    assert await store.get("buyer", 8) == {"a": 1}


async def test_unreachable_redis_raises_a_clear_error_quickly(
    dead_redis: aioredis.Redis, keys: KeySpace
) -> None:
    store = SessionStore(dead_redis, keys)
    started = time.monotonic()
    for call in (
        store.get("buyer", 1),
        store.set("buyer", 1, {"a": 1}),
        store.update("buyer", 1, {"a": 1}),
        store.touch("buyer", 1),
        store.delete("buyer", 1),
    ):
        with pytest.raises(RedisUnavailableError, match="redis unavailable"):
            await call
    assert time.monotonic() - started < 3.0
