"""The aiogram FSM storage: Redis, for the data of a chat (the speaker's mode and profile).

The bot keeps no FSM *states* (no handler filters on one), only data. aiogram still reads the
state of every update before any handler runs; answering None here spares that Redis round
trip. Setting a state is refused loudly, so a handler that starts using states cannot be
silently ignored: it needs the plain RedisStorage back.

The data can be read in a pipeline with other commands (`queue_get_data`): the update's
first middleware fetches it with its own Redis command, one round trip for both.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.client import Pipeline


class DataOnlyRedisStorage(RedisStorage):
    async def get_state(self, key: StorageKey) -> str | None:
        return None

    def queue_get_data(self, pipeline: Pipeline, key: StorageKey) -> None:
        """Queue `get_data` in a pipeline of other commands; `decode_data` reads the reply."""
        pipeline.get(self.key_builder.build(key, "data"))

    def decode_data(self, reply: bytes | str | None) -> dict[str, Any]:
        if reply is None:
            return {}
        text = reply.decode("utf-8") if isinstance(reply, bytes) else reply
        return cast(dict[str, Any], self.json_loads(text))

    async def set_state(self, key: StorageKey, state: Any = None) -> None:
        if state is not None:
            raise NotImplementedError("this bot keeps no FSM states: use RedisStorage")
