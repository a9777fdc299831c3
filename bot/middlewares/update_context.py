"""Outer middleware: log context per update, and dedupe of redelivered updates.

An update id seen before (Redis SET NX with a TTL) is dropped here; the conversation service's
own idempotency (channel + message id) still guards the case where Redis forgot it. The same
round trip fetches the chat's FSM data for ActorMiddleware (`PREFETCHED_FSM_DATA`).
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
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)
SEEN_TTL_SECONDS = 24 * 3600
PREFETCHED_FSM_DATA = "fsm_data"  # in the middleware data: the chat's FSM data, read already


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
        try:
            bot_id = getattr(data.get("bot"), "id", 0)
            pipeline = self.redis.pipeline(transaction=False)
            pipeline.set(self.keys.processed_update(f"telegram:{bot_id}", event.update_id), 1,
                         nx=True, ex=SEEN_TTL_SECONDS)
            if isinstance(storage, DataOnlyRedisStorage):
                # The chat's FSM data, which ActorMiddleware reads next: same round trip.
                storage.queue_get_data(pipeline, state.key)
            first, *fsm = await pipeline.execute()
        except RedisError:
            first, fsm = True, []  # without Redis, the database's idempotency still holds
        if fsm:
            data[PREFETCHED_FSM_DATA] = storage.decode_data(fsm[0])
        if not first:
            log.info("update.duplicate_dropped")
            return None
        try:
            return await handler(event, data)
        finally:
            clear_log_context()
