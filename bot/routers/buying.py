"""Buyers: free text goes to the buyer agent of the product chat they opened last."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message

from bot import channel
from bot.routers.filters import HasContent, RoleFilter
from bot.runtime import AppRuntime

router = Router(name=__name__)


@router.message(RoleFilter("buyer"), HasContent("text", "photo"))
async def buyer_text(message: Message, bot: Bot, runtime: AppRuntime) -> None:
    await channel.answer(bot, runtime, message.chat.id,
                         channel.event_from_message(message, "buyer"))
