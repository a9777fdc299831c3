"""Throttling on the Redis rate limiter: over the limit, a message is stored and answered later.

The message is stored unprocessed and handed to the job queue for when its window reopens (the
limiter's `retry_after`); the user is told once per window that it was saved and will be
answered. A button press over the limit is treated the same, with the notice as its toast. With
Redis down the limiter answers by its configured policy (`REDIS_UNAVAILABLE_POLICY`); a denied
message waits `DEGRADED_DELAY_SECONDS` on the queue, which runs a few jobs at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import structlog
from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from redis.exceptions import RedisError

from agents.conversation.outbox import store_notice
from agents.conversation.turn_finish import TurnResult
from bot import channel
from bot.app_runtime import AppRuntime
from bot.job_handoff import defer_answer
from storage.redis_client import UNAVAILABLE_ERRORS

log = structlog.get_logger(__name__)
DEGRADED_DELAY_SECONDS = 5.0


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, runtime: AppRuntime) -> None:
        self.runtime = runtime

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user = getattr(event, "from_user", None)
        if user is None:
            return await handler(event, data)
        decision = await self.runtime.limiter.hit(user.id)
        if decision.allowed:
            return await handler(event, data)
        role = data.get("role", "buyer")
        if isinstance(event, CallbackQuery):
            inbound = channel.event_from_callback(event, role)
        else:
            assert isinstance(event, Message)
            inbound = channel.event_from_message(event, role)
        inbound = replace(inbound, deferred=True)  # no other turn answers it before its time
        message_id, fresh, conversation_id = await self.runtime.service.store_inbound(inbound)
        if message_id is not None and fresh:
            delay = decision.retry_after or DEGRADED_DELAY_SECONDS
            try:
                await defer_answer(self.runtime, message_id, inbound.chat_id, delay=delay)
            except Exception as exc:  # stored unprocessed: the queue's sweep answers it
                log.warning("throttle.defer_failed", error=repr(exc))
            log.info("throttle.deferred", scope=decision.scope, after=delay)
        await self._notify(data["bot"], event, user.id, conversation_id, message_id, role)
        return None

    async def _notify(self, bot: Bot, event: TelegramObject, user_id: int,
                      conversation_id: uuid.UUID | None, message_id: uuid.UUID | None,
                      role: str) -> None:
        """Once per window: the notice is stored like any reply, then sent (a press gets it
        as its toast instead)."""
        try:
            if isinstance(event, CallbackQuery):
                await event.answer(_("slow_down"))
                return
            if conversation_id is None or not await self._first_notice(user_id):
                return
            notice = await store_notice(self.runtime.session_factory, conversation_id,
                                        _("slow_down"), recipient=role, reply_to=message_id)
            if notice is not None:
                await channel.deliver(bot, self.runtime.service,
                                      TurnResult(None, replies=[notice]), jobs_of=self.runtime)
        except TelegramAPIError as exc:  # the answer comes all the same
            log.warning("throttle.notice_failed", error=str(exc))

    async def _first_notice(self, user_id: int) -> bool:
        window = max(1, int(self.runtime.settings.redis.rate_limit_window_seconds))
        try:
            return bool(await self.runtime.redis.set(
                f"{self.runtime.keys.prefix}throttle-notice:{user_id}", 1, nx=True, ex=window))
        except (*UNAVAILABLE_ERRORS, RedisError):
            return True
