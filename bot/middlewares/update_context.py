"""Outer middleware: log context per update, and dedupe of redelivered updates.

An update id seen before (Redis SET NX with a TTL) is dropped here; the conversation service's
own idempotency (channel + message id) still guards the case where Redis forgot it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from redis.exceptions import RedisError

from config.logging import bind_log_context, clear_log_context
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)
SEEN_TTL_SECONDS = 24 * 3600


class UpdateContextMiddleware(BaseMiddleware):
    def __init__(self, redis: aioredis.Redis, keys: KeySpace) -> None:
        self.redis, self.keys = redis, keys

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat = event.event_chat if hasattr(event, "event_chat") else None
        clear_log_context()
        bind_log_context(update_id=event.update_id, chat_id=getattr(chat, "id", None))
        try:
            bot_id = getattr(data.get("bot"), "id", 0)
            first = await self.redis.set(
                self.keys.processed_update(f"telegram:{bot_id}", event.update_id), 1, nx=True,
                ex=SEEN_TTL_SECONDS)
        except RedisError:
            first = True  # without Redis, the database's idempotency still holds
        if not first:
            log.info("update.duplicate_dropped")
            return None
        try:
            return await handler(event, data)
        finally:
            clear_log_context()
