"""Marketplaces for sellers: `/connect` MercadoLibre, `/publish_ml` (or its button), and the
seller's quoted reply to a MercadoLibre question, posted as the answer.

Publishing goes to the agent as the sentence a seller would type ("publícalo en MercadoLibre"),
like the other shortcuts, so it is stored, phrased and replayable like any turn.
"""

from __future__ import annotations

import uuid

from aiogram import Bot, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, Message

from agents.conversation.conversation_service import TurnResult
from agents.jobs.job_notices import notice
from bot import channel
from bot.app_runtime import AppRuntime
from bot.marketplace_runtime import attached
from bot.routers.filters import DataStartsWith, IsQuotedText, RoleFilter
from integrations.marketplace import MarketplaceError
from storage.database import unit_of_work
from storage.models import Channel, Conversation
from storage.repositories import actors as actors_repo
from storage.repositories import products as products_repo

router = Router(name=__name__)

PUBLISH_PHRASE = {"es": "publícalo en MercadoLibre", "en": "publish it on MercadoLibre"}
PUBLISH_CALLBACK = "ml:publish:"


def _phrase(language: str) -> str:
    return PUBLISH_PHRASE["en" if language == "en" else "es"]


@router.message(Command("connect"), RoleFilter("seller"))
async def connect(message: Message, bot: Bot, runtime: AppRuntime, language: str) -> None:
    """Send the seller MercadoLibre's authorization page (state and PKCE kept in Redis)."""
    assert message.from_user is not None
    event = channel.event_from_message(message, "seller")
    features = attached(runtime)
    if features is None or features.services.accounts is None:
        text = notice("ml_not_configured", language)
    else:
        async with unit_of_work(runtime.session_factory) as session:
            seller = await actors_repo.get_or_create_seller(
                session, telegram_id=message.from_user.id, name=event.sender.name,
                language=language)
        try:
            accounts = features.services.accounts
            start = await features.services.authorizations.begin(
                seller.id, accounts.settings, auth_host=await accounts.auth_host(seller.id))
        except MarketplaceError:
            text = notice("ml_not_configured", language)
        else:
            text = notice("ml_connect_link", language, url=start.url,
                          minutes=start.expires_in_seconds // 60)
    result = await runtime.service.reply_static(event, text)
    await channel.deliver(bot, runtime.service, result)


@router.message(Command("publish_ml"), RoleFilter("seller"))
async def publish_ml(message: Message, bot: Bot, runtime: AppRuntime, language: str) -> None:
    await channel.answer(bot, runtime, message.chat.id, channel.event_from_message(
        message, "seller", text=_phrase(language)))


@router.callback_query(DataStartsWith(PUBLISH_CALLBACK))
async def publish_button(query: CallbackQuery, bot: Bot, runtime: AppRuntime,
                         language: str) -> None:
    """The button names its product: make it the seller's product in focus, then publish."""
    await channel.acknowledge(query)
    product_ref = (query.data or "").removeprefix(PUBLISH_CALLBACK)
    async with unit_of_work(runtime.session_factory) as session:
        seller = await actors_repo.seller_by_telegram_id(session, query.from_user.id)
        product = None
        if seller is not None:
            try:
                product = await products_repo.get_owned(session, seller.id,
                                                        uuid.UUID(product_ref))
            except ValueError:
                product = None
        if product is not None:
            await products_repo.touch(session, product)
    event = channel.event_from_callback(query, "seller")
    event.text = _phrase(language)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await channel.answer(bot, runtime, chat_id, event)


class QuotesMercadoLibreQuestion(Filter):
    """A reply quoting a forwarded MercadoLibre question; passes `about` (its conversation)."""

    async def __call__(self, message: Message, runtime: AppRuntime) -> bool | dict[str, str]:
        quoted = message.reply_to_message
        if quoted is None or attached(runtime) is None:
            return False
        about = await runtime.service.conversation_about(
            Channel.TELEGRAM, str(message.chat.id), quoted.message_id)
        if about is None:
            return False
        async with runtime.session_factory() as session:
            conversation = await session.get(Conversation, uuid.UUID(about))
        if conversation is None or conversation.channel is not Channel.MERCADOLIBRE:
            return False
        return {"about": about}


async def post_plain_answer(runtime: AppRuntime, result: TurnResult) -> None:
    """A seller's message that answered a MercadoLibre question (quoted, the one waiting, or
    the one chosen by button: see agents/conversation/seller_answers.py) is posted there in the
    seller's own words."""
    features = attached(runtime)
    if features is None or features.questions is None or result.duplicate:
        return
    if any(out.channel is Channel.MERCADOLIBRE for out in result.deliveries):
        await features.questions.post_seller_reply(result.deliveries)


@router.message(IsQuotedText(), RoleFilter("seller"), QuotesMercadoLibreQuestion())
async def answer_question(message: Message, bot: Bot, runtime: AppRuntime, about: str) -> None:
    """Relayed like any quoted reply, then posted on MercadoLibre in the seller's own words."""
    result = await channel.answer(bot, runtime, message.chat.id, channel.event_from_message(
        message, "seller", relay_to=about))
    await post_plain_answer(runtime, result)
