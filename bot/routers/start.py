"""/start (with or without a product), /help and /language."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from agents.conversation.buyer_facts import OPEN_PRODUCT
from agents.turn_context import Button
from bot import channel
from bot.app_runtime import AppRuntime
from bot.middlewares.actor import forget_profile
from bot.middlewares.database import UnitOfWorkMiddleware
from bot.routers.filters import DataIn, DataStartsWith
from storage.repositories import actors as actors_repo

router = Router(name=__name__)
router.callback_query.middleware(UnitOfWorkMiddleware())  # set_language writes the actors


@router.message(CommandStart(deep_link=True))
async def open_product(message: Message, command: CommandObject, bot: Bot,
                       runtime: AppRuntime) -> None:
    """A buyer opens a product's chat through its deep link."""
    event = channel.event_from_message(message, "buyer", open_ref=(command.args or "").strip())
    await channel.answer(bot, runtime, message.chat.id, event)


@router.callback_query(DataStartsWith(OPEN_PRODUCT))
async def open_product_button(query: CallbackQuery, bot: Bot, runtime: AppRuntime,
                              state: FSMContext) -> None:
    """A search result's button opens that product's chat, as its deep link does."""
    await query.answer()
    ref = (query.data or "")[len(OPEN_PRODUCT):]
    event = channel.event_from_callback(query, "buyer")
    event.open_product_ref, event.text, event.callback_data = ref, f"/start {ref}", None
    await forget_profile(state)  # the buyer's product chat changes
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await channel.answer(bot, runtime, chat_id, event)


@router.message(CommandStart())
async def welcome(message: Message, bot: Bot, runtime: AppRuntime, role: str) -> None:
    name = message.from_user.first_name if message.from_user else ""
    result = await runtime.service.reply_static(channel.event_from_message(message, role),
                                                _("welcome").format(name=name))
    await channel.deliver(bot, runtime.service, result)


@router.message(Command("help"))
async def help_(message: Message, bot: Bot, runtime: AppRuntime, role: str) -> None:
    result = await runtime.service.reply_static(channel.event_from_message(message, role),
                                                _("help"))
    await channel.deliver(bot, runtime.service, result)


@router.message(Command("language"))
async def choose_language(message: Message, bot: Bot, runtime: AppRuntime, role: str) -> None:
    buttons = [[Button("Español", "lang:es"), Button("English", "lang:en")]]
    result = await runtime.service.reply_static(channel.event_from_message(message, role),
                                                _("choose_language"), buttons)
    await channel.deliver(bot, runtime.service, result)


@router.callback_query(DataIn({"lang:es", "lang:en"}))
async def set_language(query: CallbackQuery, bot: Bot, runtime: AppRuntime, role: str,
                       session: AsyncSession, state: FSMContext) -> None:
    language = (query.data or "lang:es").split(":")[1]
    user = query.from_user
    for actor in (await actors_repo.seller_by_telegram_id(session, user.id),
                  await actors_repo.buyer_by_telegram_id(session, user.id)):
        if actor is not None:
            actor.language = language
    await session.commit()
    await forget_profile(state)
    from aiogram.utils.i18n import get_i18n

    with get_i18n().use_locale(language):
        text = _("language_set")
    result = await runtime.service.reply_static(channel.event_from_callback(query, role), text)
    await channel.acknowledge(query)
    await channel.deliver(bot, runtime.service, result)
