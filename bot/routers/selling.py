"""Sellers: photos (albums too) and sentences, shortcuts, and quoted replies to buyers."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import channel
from bot.app_runtime import AppRuntime
from bot.routers.filters import HasContent, IsQuotedText, RoleFilter
from bot.routers.marketplace import post_plain_answer

router = Router(name=__name__)
router.message.filter(RoleFilter("seller"))

ALBUM_WAIT_SECONDS = 0.8
# Album parts arrive as separate updates; the first part waits for the others. In-process on
# purpose: a media group reaches one worker's polling loop.
_albums: dict[str, list[Message]] = {}

SHORTCUTS = {
    "mylistings": {"es": "mis productos", "en": "my listings"},
    "sold": {"es": "marcar como vendido", "en": "mark as sold"},
    "pause": {"es": "pausa el producto", "en": "pause the product"},
    "floor": {"es": "precio mínimo {args}", "en": "minimum price {args}"},
    "sell": {"es": "quiero vender algo", "en": "I want to sell something"},
}


@router.message(Command(*SHORTCUTS))
async def shortcut(message: Message, command: CommandObject, bot: Bot, runtime: AppRuntime,
                   language: str) -> None:
    """Commands are phrased as the sentence a seller would type, and go to the agent."""
    phrase = SHORTCUTS[command.command][language if language == "en" else "es"]
    text = phrase.format(args=command.args or "").strip()
    await channel.answer(bot, runtime, message.chat.id,
                         channel.event_from_message(message, "seller", text=text))


@router.message(HasContent("photo"))
async def photo(message: Message, bot: Bot, runtime: AppRuntime) -> None:
    if message.media_group_id is None:
        photos = await channel.photos_of(bot, message, runtime.media_dir)
        await channel.answer(bot, runtime, message.chat.id,
                             channel.event_from_message(message, "seller", photos=photos))
        return
    key = f"{message.chat.id}:{message.media_group_id}"
    if key in _albums:
        _albums[key].append(message)
        return
    _albums[key] = [message]
    await asyncio.sleep(ALBUM_WAIT_SECONDS)
    parts = sorted(_albums.pop(key), key=lambda m: m.message_id)
    photos = [p for part in parts for p in await channel.photos_of(bot, part, runtime.media_dir)]
    caption = next((p.caption for p in parts if p.caption), "")
    first, rest = parts[0], parts[1:]
    for part in rest:  # stored too, answered through the first part
        await runtime.service.reply_static(channel.event_from_message(part, "seller"), None)
    await channel.answer(bot, runtime, message.chat.id, channel.event_from_message(
        first, "seller", text=caption, photos=photos))


@router.message(IsQuotedText())
async def quoted_reply(message: Message, bot: Bot, runtime: AppRuntime) -> None:
    """Replying to a buyer's relayed message or question answers that buyer directly."""
    quoted = message.reply_to_message
    assert quoted is not None
    about = await runtime.service.conversation_about(
        channel.Channel.TELEGRAM, str(message.chat.id), quoted.message_id)
    await channel.answer(bot, runtime, message.chat.id,
                         channel.event_from_message(message, "seller", relay_to=about))


@router.message(HasContent("text"))
async def seller_text(message: Message, bot: Bot, runtime: AppRuntime) -> None:
    result = await channel.answer(bot, runtime, message.chat.id,
                                  channel.event_from_message(message, "seller"))
    await post_plain_answer(runtime, result)
