"""Inline buttons: listing preview, offers, sale confirmation, takeover.

The button's action runs in code; the reply is phrased by the agent of the role that owns it.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

from bot import channel
from bot.app_runtime import AppRuntime
from bot.middlewares.actor import BUYER_CALLBACKS, SELLER_CALLBACKS
from bot.routers.filters import DataStartsWith
from bot.routers.marketplace import post_plain_answer

router = Router(name=__name__)


@router.callback_query(DataStartsWith(*SELLER_CALLBACKS, *BUYER_CALLBACKS))
async def pressed(query: CallbackQuery, bot: Bot, runtime: AppRuntime, role: str) -> None:
    await channel.acknowledge(query)  # a refusal does not stop the press being acted on
    chat_id = query.message.chat.id if query.message else query.from_user.id
    result = await channel.answer(bot, runtime, chat_id, channel.event_from_callback(query, role))
    if (query.data or "").startswith("answer:"):  # the seller chose which buyer: maybe on ML
        await post_plain_answer(runtime, result)


@router.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    await channel.acknowledge(query, "?")
