"""Who is speaking: seller or buyer, and in which language.

A deep link (`/start <product>`) makes the user a buyer; seller commands (`/sell`,
`/mylistings`, ...) and photos make them a seller. Otherwise the last mode (FSM data in Redis)
holds; with none, a registered seller is a seller, a registered buyer a buyer, and someone new is
placed by what they wrote (a product sentence is a seller's, a question or a search a buyer's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from agents.intents import guess_role
from bot.i18n import pick_language
from bot.runtime import AppRuntime
from storage.repositories import actors as actors_repo

SELLER_CALLBACKS = ("listing:", "sale:", "takeover:")
BUYER_CALLBACKS = ("offer:",)
SELLER_COMMANDS = ("/sell", "/mylistings", "/sold", "/pause", "/floor", "/connect", "/publish_ml")


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
        if text.split(" ")[0] in SELLER_COMMANDS or event.photo:
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
        explicit = mode_from_event(event)
        async with self.runtime.session_factory() as session:
            profile = await actors_repo.telegram_profile(session, user.id)
        if explicit is not None:
            mode = explicit
            if state:  # only an explicit choice is remembered
                await state.update_data(mode=mode)
        else:
            stored = (await state.get_data()).get("mode") if state else None
            mode = stored or ("seller" if profile.is_seller else None) or (
                "buyer" if profile.in_product_chat else _guessed_role(event))
        data["role"] = mode
        language = profile.seller_language if mode == "seller" else profile.buyer_language
        data["language"] = language or pick_language(
            user.language_code, self.runtime.settings.telegram.default_language)
        return await handler(event, data)


def _guessed_role(event: TelegramObject) -> str:
    text = getattr(event, "text", None) or getattr(event, "caption", None) or ""
    return guess_role(text) if text and not text.startswith("/") else "buyer"
