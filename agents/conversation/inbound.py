"""Storing what comes in: the inbound message, in the conversation it belongs to.

Most messages take one statement (a chat whose conversation exists, a message never seen);
a new chat, a deep link or a redelivery takes a short transaction that finds or creates the
actor and the conversation. Idempotent on channel + external id: a redelivery returns the row
stored first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.turn_context import PhotoRef
from storage.database import single_statement, unit_of_work
from storage.models import (
    Author,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageType,
)
from storage.repositories import actors as actors_repo
from storage.repositories import conversations as conversations_repo
from storage.repositories import products as products_repo
from storage.repositories import turns
from storage.repositories.turns import StoredInbound


@dataclass(frozen=True)
class Sender:
    name: str
    telegram_id: int | None = None
    language: str = "es"
    marketplace_user_id: str | None = None


@dataclass
class InboundEvent:
    channel: Channel
    chat_id: str
    external_message_id: str
    role: str  # "seller" | "buyer"
    sender: Sender
    text: str = ""
    message_type: MessageType = MessageType.TEXT
    photos: list[PhotoRef] = field(default_factory=list)
    open_product_ref: str | None = None  # a buyer opening a product's deep link
    callback_data: str | None = None
    relay_to: str | None = None  # a seller writing into this buyer conversation (takeover)
    deferred: bool = False  # throttled: answered by the job queue once its window reopens


class InboundStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 clock: Callable[[], datetime]) -> None:
        self.session_factory = session_factory
        self.clock = clock

    async def store(self, event: InboundEvent) -> tuple[Message | StoredInbound, bool]:
        """The stored row (the first one, for a redelivery) and whether it is new; committed."""
        if not event.open_product_ref:
            # Most messages: a chat whose conversation exists, a message never seen. One
            # statement; anything else (a new chat, a redelivery) takes the general way.
            async with single_statement(self.session_factory) as bind:
                stored = await turns.store_in_known_chat(
                    bind, author=_author(event), channel=event.channel, chat_id=event.chat_id,
                    external_message_id=event.external_message_id, text=event.text[:8000],
                    message_type=event.message_type, entities=_entities(event),
                    at=self.clock())
            if stored is not None:
                return stored, True
        async with unit_of_work(self.session_factory) as session:
            conversation = await self.conversation_for(session, event)
            return await self.add_inbound(session, conversation, event)

    async def add_inbound(self, session: AsyncSession, conversation: Conversation,
                           event: InboundEvent) -> tuple[Message, bool]:
        """The stored row (the first one, for a redelivery) and whether it is new."""
        message = Message(
            conversation_id=conversation.id, channel=event.channel,
            direction=Direction.INBOUND, author=_author(event),
            external_message_id=event.external_message_id, text=event.text[:8000],
            message_type=event.message_type, entities=_entities(event),
        )
        stored, fresh = await conversations_repo.add_inbound(session, message)
        if fresh:
            await conversations_repo.record_activity(session, conversation, messages=1,
                                                     at=self.clock())
        return stored, fresh

    async def conversation_for(self, session: AsyncSession, event: InboundEvent
                                ) -> Conversation:
        sender = event.sender
        if event.role == "seller":
            assert sender.telegram_id is not None
            existing = await conversations_repo.find(
                session, channel=event.channel, external_chat_id=event.chat_id,
                kind=ConversationKind.SELLER_ASSISTANT)
            if existing is not None:  # its seller exists: no need to look them up
                return existing
            seller = await actors_repo.get_or_create_seller(
                session, telegram_id=sender.telegram_id, name=sender.name,
                language=sender.language)
            return await conversations_repo.get_or_create(
                session, channel=event.channel, external_chat_id=event.chat_id,
                kind=ConversationKind.SELLER_ASSISTANT, seller_id=seller.id)
        if not event.open_product_ref:
            # Free text goes to the chat used last; its buyer exists (a buyer chat has one).
            latest = await conversations_repo.latest_buyer_chat(session, event.channel,
                                                                event.chat_id)
            if latest is not None:
                return latest
        if sender.telegram_id is not None:
            buyer = await actors_repo.get_or_create_buyer(
                session, telegram_id=sender.telegram_id, name=sender.name,
                language=sender.language)
        else:
            assert sender.marketplace_user_id is not None
            buyer = await actors_repo.get_or_create_marketplace_buyer(
                session, marketplace=event.channel.value, user_id=sender.marketplace_user_id,
                name=sender.name, language=sender.language)
        product = None
        if event.open_product_ref:
            product = await products_repo.by_public_ref(session, event.open_product_ref)
        if product is None and event.open_product_ref:
            latest = await conversations_repo.latest_buyer_chat(session, event.channel,
                                                                event.chat_id)
            if latest is not None:
                return latest
        return await conversations_repo.get_or_create(
            session, channel=event.channel, external_chat_id=event.chat_id,
            kind=ConversationKind.BUYER_CHAT, product_id=product.id if product else None,
            buyer_id=buyer.id, seller_id=product.seller_id if product else None)


def _author(event: InboundEvent) -> Author:
    return Author.SELLER if event.role == "seller" else Author.BUYER


def _entities(event: InboundEvent) -> dict[str, object]:
    entities: dict[str, object] = {"sender": {"name": event.sender.name,
                                              "language": event.sender.language}}
    if event.photos:
        entities["photos"] = [
            {"telegram_file_id": p.telegram_file_id, "storage_key": p.storage_key,
             "width": p.width, "height": p.height, "size_bytes": p.size_bytes,
             "format": p.format} for p in event.photos]
    if event.open_product_ref:
        entities["open"] = event.open_product_ref
    if event.callback_data:
        entities["callback"] = event.callback_data
    if event.relay_to:
        entities["relay_to"] = event.relay_to
    if event.deferred:
        entities["deferred"] = True
    return entities

