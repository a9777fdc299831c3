"""Outer middleware: log context per update, and the chat's FSM data fetched early.

Redelivered updates are dropped before this, by the inbox (bot/middlewares/inbox.py): the
database's uniqueness is the dedupe, and nothing is marked seen before it is stored. The chat's
FSM data, which ActorMiddleware reads next, is fetched here in one pipelined round trip
(`PREFETCHED_FSM_DATA`); without Redis there is none, and the actor is placed without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from redis.exceptions import RedisError

from bot.fsm_storage import DataOnlyRedisStorage
from config.logging import bind_log_context, clear_log_context
from storage.redis_client import UNAVAILABLE_ERRORS
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)
PREFETCHED_FSM_DATA = "fsm_data"  # in the middleware data: the chat's FSM data, read already
REDIS_DOWN = "redis_down"  # in the middleware data: the FSM read just failed


class UpdateContextMiddleware(BaseMiddleware):
    def __init__(self, redis: aioredis.Redis, keys: KeySpace) -> None:
        self.redis, self.keys = redis, keys

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat = event.event_chat if hasattr(event, "event_chat") else None
        clear_log_context()
        bind_log_context(update_id=event.update_id, chat_id=getattr(chat, "id", None))
        state = data.get("state")
        storage = getattr(state, "storage", None)
        if isinstance(storage, DataOnlyRedisStorage):
            try:
                pipeline = self.redis.pipeline(transaction=False)
                storage.queue_get_data(pipeline, state.key)
                fsm = await pipeline.execute()
            except (*UNAVAILABLE_ERRORS, RedisError):
                fsm = []  # Redis is down: no FSM data, ActorMiddleware places the actor anew
                data[REDIS_DOWN] = True
            if fsm:
                data[PREFETCHED_FSM_DATA] = storage.decode_data(fsm[0])
        try:
            return await handler(event, data)
        finally:
            clear_log_context()

