"""Stickers, voice notes, documents and videos: stored, answered with what the bot can read."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message

from bot import channel
from bot.app_runtime import AppRuntime
from bot.routers.filters import HasContent

router = Router(name=__name__)

UNSUPPORTED = HasContent("sticker", "voice", "audio", "video_note", "document", "video",
                         "animation")


@router.message(UNSUPPORTED)
async def unsupported(message: Message, bot: Bot, runtime: AppRuntime, role: str) -> None:
    await channel.answer(bot, runtime, message.chat.id, channel.event_from_message(message, role))
