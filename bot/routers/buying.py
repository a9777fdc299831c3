"""Buyers: free text goes to the buyer agent of the product chat they opened last; a seller
command typed by a buyer is answered with what it is for (it changes nothing)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from agents.texts import text as render
from bot import channel
from bot.app_runtime import AppRuntime
from bot.middlewares.actor import SELLER_COMMANDS
from bot.routers.filters import HasContent, RoleFilter

router = Router(name=__name__)


@router.message(RoleFilter("buyer"), Command(*(c.lstrip("/") for c in SELLER_COMMANDS)))
async def seller_command(message: Message, command: CommandObject, bot: Bot,
                         runtime: AppRuntime, language: str) -> None:
    name = command.command.lower()
    reply = render("seller_command_for_buyer", language, command=f"/{name}",
                   purpose=render(f"purpose_{name}", language))
    result = await runtime.service.reply_static(channel.event_from_message(message, "buyer"),
                                                reply)
    await channel.deliver(bot, runtime.service, result)


@router.message(RoleFilter("buyer"), HasContent("text", "photo"))
async def buyer_text(message: Message, bot: Bot, runtime: AppRuntime) -> None:
    await channel.answer(bot, runtime, message.chat.id,
                         channel.event_from_message(message, "buyer"))
