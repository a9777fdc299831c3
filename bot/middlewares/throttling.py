"""Throttling on the Redis rate limiter: over the limit, the message is stored, not answered.

The user is told once per window to slow down; later messages in the same window are stored
silently (nothing is dropped without a trace).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from redis.exceptions import RedisError

from bot import channel
from bot.runtime import AppRuntime


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
        bot: Bot = data["bot"]
        role = data.get("role", "buyer")
        if isinstance(event, CallbackQuery):
            # Stored like a message (nothing is dropped silently), answered with a toast.
            await self.runtime.service.reply_static(channel.event_from_callback(event, role), None)
            await event.answer(_("slow_down"))
            return None
        assert isinstance(event, Message)
        note = _("slow_down") if await self._first_notice(user.id) else None
        result = await self.runtime.service.reply_static(
            channel.event_from_message(event, role), note)
        await channel.deliver(bot, self.runtime.service, result)
        return None

    async def _first_notice(self, user_id: int) -> bool:
        window = max(1, int(self.runtime.settings.redis.rate_limit_window_seconds))
        try:
            return bool(await self.runtime.redis.set(
                f"{self.runtime.keys.prefix}throttle-notice:{user_id}", 1, nx=True, ex=window))
        except RedisError:
            return True
