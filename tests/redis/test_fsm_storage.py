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
