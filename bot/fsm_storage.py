"""The aiogram FSM storage: Redis, for the data of a chat (the speaker's mode and profile).

The bot keeps no FSM *states* (no handler filters on one), only data. aiogram still reads the
state of every update before any handler runs; answering None here spares that Redis round
trip. Setting a state is refused loudly, so a handler that starts using states cannot be
silently ignored: it needs the plain RedisStorage back.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage


class DataOnlyRedisStorage(RedisStorage):
    async def get_state(self, key: StorageKey) -> str | None:
        return None

    async def set_state(self, key: StorageKey, state: Any = None) -> None:
        if state is not None:
            raise NotImplementedError("this bot keeps no FSM states: use RedisStorage")
