"""`create_redis` URL handling and failure speed; `KeySpace` keeps every key under the prefix."""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.exceptions import ConnectionError as RedisConnectionError

from storage.redis_client import create_redis
from storage.redis_keys import KeySpace


async def test_client_talks_to_the_embedded_server(redis: aioredis.Redis, keys: KeySpace) -> None:
    key = keys.product_card(1, "es")
    await redis.set(key, "card", px=5000)
    assert await redis.get(key) == b"card"


async def test_decoded_client_returns_text(redis_url: str, keys: KeySpace) -> None:
    client = create_redis(redis_url, decode_responses=True)
    try:
        await client.set(keys.product_card(2, "en"), "tarjeta", px=5000)
        assert await client.get(keys.product_card(2, "en")) == "tarjeta"
    finally:
        await client.aclose()


@pytest.mark.parametrize("url", ["http://localhost:6379", "localhost:6379", "postgres://x/y"])
def test_unsupported_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="redis://"):
        create_redis(url)


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "rediss://:pw@example.com:6380"])
async def test_tcp_and_tls_urls_build_clients_without_connecting(url: str) -> None:
    client = create_redis(url)
    await client.aclose()


async def test_dead_server_fails_fast(dead_redis: aioredis.Redis) -> None:
    started = time.monotonic()
    with pytest.raises(RedisConnectionError):
        await dead_redis.ping()
    assert time.monotonic() - started < 2.0


def test_every_key_starts_with_the_prefix_and_families_do_not_collide() -> None:
    space = KeySpace("shop:")
    built = [
        space.rate_limit_actor(7),
        space.rate_limit_global(),
        space.conversation_lock(7),
        space.job_lock("expiry"),
        space.product_card(7, "es"),
        space.product_card(7, "en"),
        space.processed_update("telegram", 7),
        space.fsm_prefix,
    ]
    assert all(key.startswith("shop:") for key in built)
    assert len(set(built)) == len(built)


def test_prefix_gets_a_separator() -> None:
    assert KeySpace("shop").conversation_lock(1) == "shop:lock:conversation:1"
    assert KeySpace("shop").pattern() == "shop:*"


def test_rate_limit_keys_share_a_cluster_hash_slot() -> None:
    space = KeySpace("shop:")
    tag = "{rl}"
    assert tag in space.rate_limit_actor(1)
    assert tag in space.rate_limit_global()


def test_aiogram_fsm_keys_carry_the_prefix() -> None:
    space = KeySpace("shop:")
    builder = DefaultKeyBuilder(prefix=space.fsm_prefix, with_destiny=True)
    key = builder.build(StorageKey(bot_id=1, chat_id=2, user_id=3), "state")
    assert key.startswith("shop:fsm:")
