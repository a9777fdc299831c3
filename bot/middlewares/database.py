"""Unit of work for the handlers of a router that change rows themselves (the language
setting): a session in `data["session"]`, committed when the handler returns.

Registered on those routers only: most handlers talk to the conversation service, which owns
its transactions, and a session opened for them would be created and closed for nothing on
every update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject


class UnitOfWorkMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        # the runtime is the Dispatcher's workflow data: routers are shared by Dispatchers
        async with data["runtime"].session_factory() as session:
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            return result
