"""Stickers, voice notes, documents and videos: stored, answered with what the bot can read."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import Message

from bot import channel
from bot.runtime import AppRuntime

router = Router(name=__name__)

UNSUPPORTED = F.sticker | F.voice | F.audio | F.video_note | F.document | F.video | F.animation


@router.message(UNSUPPORTED)
async def unsupported(message: Message, bot: Bot, runtime: AppRuntime, role: str) -> None:
    await channel.answer(bot, runtime, message.chat.id, channel.event_from_message(message, role))
