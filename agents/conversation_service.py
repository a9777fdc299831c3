"""The conversation service: one call handles one inbound event, whatever the channel.

1. Store the inbound message (idempotent on channel + external id) and commit, so a crash or a
   model outage loses nothing and a redelivery is answered once.
2. Under the per-conversation lock, in one transaction: build the context, run the agent (or a
   button's action, or a safety path), guard what goes to a buyer, store replies and
   notifications, mark the inbound processed.
3. Return the stored replies for the channel to send.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.agent_factory import Agents
from agents.conversation_actions import run_turn
from agents.listing_writer import ListingWriter, RuleBasedListingWriter
from agents.outbox import OutboundMessage
from agents.turn_context import PhotoRef
from config.settings import Settings
from storage.database import set_audit_actor, unit_of_work
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


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass
class TurnResult:
    inbound_id: uuid.UUID | None
    replies: list[OutboundMessage] = field(default_factory=list)
    deliveries: list[OutboundMessage] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    duplicate: bool = False
    conversation_id: uuid.UUID | None = None


class ConversationService:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], settings: Settings,
                 agents: Agents, clock: Callable[[], datetime] = utc_now,
                 lock: object | None = None, listing_writer: ListingWriter | None = None
                 ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.agents = agents
        self.clock = clock
        self.lock = lock  # storage.conversation_lock.ConversationLock, when Redis is there
        self.listing_writer = listing_writer or RuleBasedListingWriter()

    async def handle(self, event: InboundEvent) -> TurnResult:
        inbound_id, fresh, conversation_id = await self.store_inbound(event)
        if inbound_id is None:
            return TurnResult(None)
        if not fresh and await self._already_processed(inbound_id):
            return TurnResult(inbound_id, duplicate=True, conversation_id=conversation_id)
        # a redelivery keeps the conversation it was first stored in: process() reads it
        return await self.process(inbound_id, conversation_id if fresh else None)

    async def reply_static(self, event: InboundEvent, text: str | None,
                           buttons: list | None = None) -> TurnResult:
        """Store the inbound and a fixed reply (no agent): commands, notes, throttling."""
        from agents.outbox import store_outbound

        inbound_id, fresh, conversation_id = await self.store_inbound(event)
        if inbound_id is None or not fresh:
            return TurnResult(inbound_id, duplicate=True, conversation_id=conversation_id)
        async with unit_of_work(self.session_factory) as session:
            inbound = await session.get(Message, inbound_id, with_for_update=True)
            conversation = await conversations_repo.get(session, conversation_id)
            assert inbound is not None and conversation is not None
            result = TurnResult(inbound_id, conversation_id=conversation_id)
            if text:
                result.replies.append(await store_outbound(
                    session, conversation, text, recipient=event.role, buttons=buttons,
                    reply_to=inbound_id))
                await conversations_repo.record_activity(session, conversation, messages=1,
                                                         at=self.clock())
            inbound.processed_at = self.clock()
            return result

    async def store_inbound(self, event: InboundEvent
                            ) -> tuple[uuid.UUID | None, bool, uuid.UUID | None]:
        async with unit_of_work(self.session_factory) as session:
            conversation = await self._conversation_for(session, event)
            message = Message(
                conversation_id=conversation.id, channel=event.channel,
                direction=Direction.INBOUND,
                author=Author.SELLER if event.role == "seller" else Author.BUYER,
                external_message_id=event.external_message_id, text=event.text[:8000],
                message_type=event.message_type, entities=_entities(event),
            )
            stored, fresh = await conversations_repo.add_inbound(session, message)
            if fresh:
                await conversations_repo.record_activity(session, conversation, messages=1,
                                                         at=self.clock())
            return stored.id, fresh, conversation.id

    async def _conversation_for(self, session: AsyncSession, event: InboundEvent
                                ) -> Conversation:
        sender = event.sender
        if event.role == "seller":
            assert sender.telegram_id is not None
            seller = await actors_repo.get_or_create_seller(
                session, telegram_id=sender.telegram_id, name=sender.name,
                language=sender.language)
            return await conversations_repo.get_or_create(
                session, channel=event.channel, external_chat_id=event.chat_id,
                kind=ConversationKind.SELLER_ASSISTANT, seller_id=seller.id)
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
        if product is None:
            latest = await conversations_repo.latest_buyer_chat(session, event.channel,
                                                                event.chat_id)
            if latest is not None:
                return latest
        return await conversations_repo.get_or_create(
            session, channel=event.channel, external_chat_id=event.chat_id,
            kind=ConversationKind.BUYER_CHAT, product_id=product.id if product else None,
            buyer_id=buyer.id, seller_id=product.seller_id if product else None)

    async def _already_processed(self, inbound_id: uuid.UUID) -> bool:
        async with self.session_factory() as session:
            message = await session.get(Message, inbound_id)
            return message is not None and message.processed_at is not None

    async def process(self, inbound_id: uuid.UUID,
                      conversation_id: uuid.UUID | None = None) -> TurnResult:
        # The caller that just stored the message knows its conversation: no extra read.
        if conversation_id is None:
            async with self.session_factory() as session:
                message = await session.get(Message, inbound_id)
                assert message is not None
                conversation_id = message.conversation_id
        async with self._conversation_lock(conversation_id), unit_of_work(
                self.session_factory) as session:
            inbound = await session.get(Message, inbound_id, with_for_update=True)
            assert inbound is not None
            if inbound.processed_at is not None:  # another worker answered it meanwhile
                return TurnResult(inbound_id, duplicate=True, conversation_id=conversation_id)
            conversation = await conversations_repo.get(session, conversation_id, lock=True)
            assert conversation is not None
            # The audit log names who caused every change of this turn.
            speaker = conversation.seller_id if inbound.author is Author.SELLER \
                else conversation.buyer_id
            await set_audit_actor(session, f"{inbound.author.value}:{speaker}")
            result = await run_turn(session, self, conversation, inbound)
            inbound.processed_at = self.clock()
            return result

    @asynccontextmanager
    async def _conversation_lock(self, conversation_id: uuid.UUID) -> AsyncIterator[None]:
        # The row lock (SELECT ... FOR UPDATE) orders turns even without Redis; the Redis
        # lock keeps waiting workers from holding database connections.
        if self.lock is None:
            yield
            return
        async with self.lock.hold(f"conversation:{conversation_id}"):  # type: ignore[attr-defined]
            yield

    async def retry_unprocessed(self, limit: int = 100) -> list[TurnResult]:
        """Answer inbound messages a crash left unanswered (run at start-up)."""
        async with self.session_factory() as session:
            pending = [m.id for m in await conversations_repo.unprocessed_inbound(session, limit)]
        return [await self.process(message_id) for message_id in pending]

    async def conversation_about(self, channel: Channel, chat_id: str, message_id: int
                                 ) -> str | None:
        """The buyer conversation a delivered notification was about (for quoted replies)."""
        async with self.session_factory() as session:
            message = await conversations_repo.find_message(session, channel,
                                                            f"{chat_id}:{message_id}")
        if message is None:
            return None
        about = (message.entities or {}).get("about")
        return str(about) if about else None

    async def mark_delivered(self, message_id: uuid.UUID, external_id: str | None) -> None:
        async with unit_of_work(self.session_factory) as session:
            await conversations_repo.mark_delivered(session, message_id, external_id,
                                                    self.clock())


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
    return entities

