"""The bot's FSM storage keeps a chat's data in Redis and no FSM states."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey

from bot.fsm_storage import DataOnlyRedisStorage

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def test_data_lives_in_redis_and_the_state_is_always_none(
        redis_client: aioredis.Redis, redis_prefix: str) -> None:
    storage = DataOnlyRedisStorage(redis_client, key_builder=DefaultKeyBuilder(
        prefix=f"{redis_prefix}fsm"))
    await storage.set_data(KEY, {"mode": "seller"})
    again = DataOnlyRedisStorage(redis_client, key_builder=DefaultKeyBuilder(
        prefix=f"{redis_prefix}fsm"))  # another worker
    assert await again.get_data(KEY) == {"mode": "seller"}

    await redis_client.set(f"{redis_prefix}fsm:1:42:42:state", "Selling:photo")  # not read
    assert await again.get_state(KEY) is None
    await again.set_state(KEY, None)  # clearing is harmless
    with pytest.raises(NotImplementedError):
        await again.set_state(KEY, "Selling:photo")


async def test_the_data_can_be_read_in_a_pipeline_with_other_commands(
        redis_client: aioredis.Redis, redis_prefix: str) -> None:
    storage = DataOnlyRedisStorage(redis_client, key_builder=DefaultKeyBuilder(
        prefix=f"{redis_prefix}fsm"))
    await storage.set_data(KEY, {"mode": "buyer", "profile": {"chat": True}})
    other = StorageKey(bot_id=1, chat_id=7, user_id=7)

    pipeline = redis_client.pipeline(transaction=False)
    pipeline.set(f"{redis_prefix}seen", 1, nx=True)
    storage.queue_get_data(pipeline, KEY)
    storage.queue_get_data(pipeline, other)
    first, data, nothing = await pipeline.execute()

    assert first
    assert storage.decode_data(data) == await storage.get_data(KEY)
    assert storage.decode_data(nothing) == {} == await storage.get_data(other)
