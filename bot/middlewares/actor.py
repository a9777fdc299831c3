"""Who is speaking: seller or buyer, and in which language.

A deep link (`/start <product>`) makes the user a buyer in that chat; `/start`, `/sell` and
photos make them a seller. Otherwise the last mode (FSM data in Redis) holds, and with none a
registered seller is a seller, anyone else a buyer once they have a product chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.i18n import pick_language
from bot.runtime import AppRuntime
from storage.repositories import actors as actors_repo

SELLER_CALLBACKS = ("listing:", "sale:", "takeover:")
BUYER_CALLBACKS = ("offer:",)


def mode_from_event(event: TelegramObject) -> str | None:
    if isinstance(event, CallbackQuery):
        data = event.data or ""
        if data.startswith(SELLER_CALLBACKS):
            return "seller"
        if data.startswith(BUYER_CALLBACKS):
            return "buyer"
        return None
    if isinstance(event, Message):
        text = event.text or ""
        if text.startswith("/start ") and len(text.split()) > 1:
            return "buyer"
        if text.split(" ")[0] in ("/start", "/sell", "/mylistings", "/sold", "/pause",
                                  "/floor") or event.photo:
            return "seller"
    return None


class ActorMiddleware(BaseMiddleware):
    def __init__(self, runtime: AppRuntime) -> None:
        self.runtime = runtime

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user = getattr(event, "from_user", None)
        if user is None:
            return await handler(event, data)
        state: FSMContext | None = data.get("state")
        stored = (await state.get_data()).get("mode") if state else None
        mode = mode_from_event(event)
        async with self.runtime.session_factory() as session:
            seller = await actors_repo.seller_by_telegram_id(session, user.id)
            buyer = await actors_repo.buyer_by_telegram_id(session, user.id)
        if mode is None:
            mode = stored or ("seller" if seller or not buyer else "buyer")
        if state and mode != stored:
            await state.update_data(mode=mode)
        actor = seller if mode == "seller" else buyer
        data["role"] = mode
        data["language"] = getattr(actor, "language", None) or pick_language(
            user.language_code, self.runtime.settings.telegram.default_language)
        return await handler(event, data)
