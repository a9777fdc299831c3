"""Who is speaking: seller or buyer, and in which language.

A deep link (`/start <product>`) makes the user a buyer; `/sell`, photos and `/connect` (from
someone who is not a buyer) make them a seller, and so do the other seller commands
(`/mylistings`, `/floor`, ...) from someone who already is one: typed by anyone else, they are
answered with what they are for and change nothing.
Otherwise the last mode (FSM data in Redis) holds; with none, a registered seller is a seller, a
registered buyer a buyer, and someone new is placed by what they wrote (a clear "I'm selling X"
is a seller's; a question, an offer, a search or anything else a buyer's).
The profile read from the database is kept beside the mode for a few minutes once no turn of
this role can change it (see `_settled`); a change of language drops it (`forget_profile`).
With Redis down the FSM data is bypassed: the actor is placed from the database alone, and
nothing is remembered until Redis is back.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from redis.exceptions import RedisError

from agents.domain.intents import guess_role
from bot.app_runtime import AppRuntime
from bot.i18n import pick_language
from bot.middlewares.update_context import PREFETCHED_FSM_DATA, REDIS_DOWN
from storage.database import reading
from storage.redis_client import UNAVAILABLE_ERRORS
from storage.repositories import actors as actors_repo
from storage.repositories.actors import TelegramProfile

log = structlog.get_logger(__name__)
SELLER_CALLBACKS = ("listing:", "sale:", "takeover:", "block:", "answer:")
BUYER_CALLBACKS = ("offer:",)
# The actor's profile (languages, product chat) is kept in the FSM data for a while, so most
# updates need no database read to be placed; the few changes made outside the chat (an
# operator's) show after at most this long.
PROFILE_KEY = "profile"
PROFILE_TTL_SECONDS = 300
SELLER_COMMANDS = ("/sell", "/mylistings", "/sold", "/pause", "/floor", "/connect", "/publish_ml")
# Commands that make their author a seller (/connect: unless a buyer already); the others act
# on a seller's own products.
BECOME_SELLER_COMMANDS = ("/sell", "/connect")


def command_of(text: str) -> str:
    """"/floor@marketbot 1" -> "/floor"."""
    return text.split(" ")[0].split("@")[0] if text.startswith("/") else ""


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
        if command_of(text) in SELLER_COMMANDS or event.photo:
            return "seller"
    return None


def is_sellers_own_command(event: TelegramObject, buyer: bool) -> bool:
    """A seller command this non-seller may not use: all but /sell, and /connect from a buyer."""
    text = (event.text or "") if isinstance(event, Message) else ""
    command = command_of(text)
    if command == "/connect":
        return buyer
    return command in SELLER_COMMANDS and command not in BECOME_SELLER_COMMANDS


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
        prefetched = data.get(PREFETCHED_FSM_DATA)
        if data.get(REDIS_DOWN):
            state = None  # FSM bypassed for this update
        remembered = prefetched if prefetched is not None else await _read(state)
        if remembered is None:
            state, remembered = None, {}
        profile = cached_profile(remembered, time.time())
        fresh = profile is None
        if profile is None:
            async with reading(self.runtime.session_factory) as session:
                profile = await actors_repo.telegram_profile(session, user.id)
        stored = remembered.get("mode")
        buyer = stored == "buyer" or profile.in_product_chat or profile.buyer_language is not None
        if explicit == "seller" and not profile.is_seller and is_sellers_own_command(event, buyer):
            explicit = None  # "/floor 1" from a buyer: told what it is for, stays a buyer
        # only an explicit choice is remembered
        mode = explicit or stored or ("seller" if profile.is_seller else None) or (
            "buyer" if profile.in_product_chat else _guessed_role(event))
        if state:
            try:
                await self._remember(state, remembered, explicit or stored, profile, fresh, mode)
            except (*UNAVAILABLE_ERRORS, RedisError) as exc:
                log.warning("actor.fsm_unavailable", error=repr(exc))
        data["role"] = mode
        language = profile.seller_language if mode == "seller" else profile.buyer_language
        data["language"] = language or pick_language(
            user.language_code, self.runtime.settings.telegram.default_language)
        return await handler(event, data)

    @staticmethod
    async def _remember(state: FSMContext, remembered: dict[str, Any], mode: str | None,
                        profile: TelegramProfile, fresh: bool, speaking_as: str) -> None:
        """Keep the mode and, while this update cannot change it, the profile (one write, only
        when something changed)."""
        updated = dict(remembered)
        if mode is not None:
            updated["mode"] = mode
        if not _settled(profile, speaking_as):
            updated.pop(PROFILE_KEY, None)  # the turn may create the actor: read it again
        elif fresh:
            updated[PROFILE_KEY] = {"seller": profile.seller_language,
                                    "buyer": profile.buyer_language,
                                    "chat": profile.in_product_chat,
                                    "until": time.time() + PROFILE_TTL_SECONDS}
        if updated != remembered:
            await state.set_data(updated)


async def _read(state: FSMContext | None) -> dict[str, Any] | None:
    """The chat's FSM data; None when Redis cannot be reached."""
    if state is None:
        return {}
    try:
        return await state.get_data()
    except (*UNAVAILABLE_ERRORS, RedisError) as exc:
        log.warning("actor.fsm_unavailable", error=repr(exc))
        return None


def cached_profile(remembered: dict[str, Any], now: float) -> TelegramProfile | None:
    """The profile kept in the FSM data, unless it is missing or too old."""
    cached = remembered.get(PROFILE_KEY)
    if not isinstance(cached, dict) or float(cached.get("until") or 0) < now:
        return None
    return TelegramProfile(cached.get("seller"), cached.get("buyer"), bool(cached.get("chat")))


async def forget_profile(state: FSMContext) -> None:
    """Drop the kept profile (after a change of language, say): the next update reads it."""
    remembered = await state.get_data()
    if PROFILE_KEY in remembered:
        await state.set_data({k: v for k, v in remembered.items() if k != PROFILE_KEY})


def _settled(profile: TelegramProfile, speaking_as: str) -> bool:
    """Whether a turn in this role leaves the profile as it is: a seller's turn creates the seller
    when missing, a buyer's the buyer and the product chat."""
    if speaking_as == "seller":
        return profile.is_seller
    return profile.buyer_language is not None and profile.in_product_chat


def _guessed_role(event: TelegramObject) -> str:
    text = getattr(event, "text", None) or getattr(event, "caption", None) or ""
    return guess_role(text) if text and not text.startswith("/") else "buyer"
