"""The conversation service: one call handles one inbound event, whatever the channel.

1. Store the inbound message (idempotent on channel + external id) and commit, so a crash or a
   model outage loses nothing and a redelivery is answered once.
2. Under the per-conversation lock, in short transactions: read the turn's snapshot and commit;
   run the agent with no connection held (each tool or button action in a transaction of its
   own, recorded against the inbound: agents/conversation/turn_transactions.py); a final
   transaction guards
   what goes to a buyer, stores the reply and marks the inbound processed, checked against the
   conversation's version (agents/conversation/turn_finish.py). A stale turn is run again on fresh
   rows,
   its committed effects replayed, not repeated.
3. Return the stored replies for the channel to send.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from agents.conversation.conversation_actions import run_turn
from agents.conversation.turn_finish import TurnResult
from agents.conversation.turn_transactions import SessionTransactions
from agents.llm.agent_factory import Agents
from agents.llm.listing_writer import ListingWriter, RuleBasedListingWriter
from agents.turn_context import PhotoRef
from config.settings import Settings
from storage.chat_lock import ChatLock
from storage.conversation_lock import ConversationLock
from storage.database import retry_on_disconnect, unit_of_work
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
from storage.repositories.turns import AlreadyAnswered, StaleTurn, StoredInbound
from storage.turn_lease import LeaseLock

log = structlog.get_logger(__name__)
MARK_ATTEMPTS = 40  # about a minute at retry_on_disconnect's 2 s ceiling

# A stale turn (its conversation changed under it: a seller took over, a sale was settled) runs
# again on fresh rows; past this many runs in a row it fails and the inbound waits for a retry.
MAX_TURN_RUNS = 3


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
    deferred: bool = False  # throttled: answered by the job queue once its window reopens


class ConversationService:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], settings: Settings,
                 agents: Agents, clock: Callable[[], datetime] = utc_now,
                 lock: ConversationLock | None = None, listing_writer: ListingWriter | None = None
                 ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.agents = agents
        self.clock = clock
        self.lock = lock  # when Redis is there; PostgreSQL's lease stands in when it is not
        lease = LeaseLock(session_factory, timeout=lock.timeout if lock else 30.0,
                          wait=lock.wait if lock else 10.0)
        self.chat_lock = ChatLock(lock, lease)
        self.listing_writer = listing_writer or RuleBasedListingWriter()
        self.transactions = SessionTransactions(session_factory)

    async def handle(self, event: InboundEvent,
                     on_stored: Callable[[], None] | None = None) -> TurnResult:
        """Store the message, then run its turn; `on_stored` is called in between."""
        inbound, fresh = await self._store(event)
        if on_stored is not None:
            on_stored()
        if not fresh and inbound.processed_at is not None:
            return TurnResult(inbound.id, duplicate=True, conversation_id=inbound.conversation_id)
        # a redelivery keeps the conversation it was first stored in
        return await self.process(inbound.id, inbound.conversation_id)

    async def reply_static(self, event: InboundEvent, text: str | None,
                           buttons: list | None = None) -> TurnResult:
        """Store the inbound and a fixed reply (no agent): commands, notes, throttling.

        One transaction for both: no agent runs, so nothing can fail between them.
        """
        from agents.conversation.outbox import store_outbound

        async with unit_of_work(self.session_factory) as session:
            conversation = await self._conversation_for(session, event)
            inbound, fresh = await self._add_inbound(session, conversation, event)
            if not fresh:
                return TurnResult(inbound.id, duplicate=True,
                                  conversation_id=inbound.conversation_id)
            result = TurnResult(inbound.id, conversation_id=conversation.id)
            if text:
                result.replies.append(await store_outbound(
                    session, conversation, text, recipient=event.role, buttons=buttons,
                    reply_to=inbound.id))
            await conversations_repo.record_activity(
                session, conversation, messages=1 + len(result.replies), at=self.clock())
            inbound.processed_at = self.clock()
            return result

    async def store_inbound(self, event: InboundEvent
                            ) -> tuple[uuid.UUID | None, bool, uuid.UUID | None]:
        """Store the inbound message and commit: (its id, whether it is new, its conversation)."""
        inbound, fresh = await self._store(event)
        return inbound.id, fresh, inbound.conversation_id

    async def _store(self, event: InboundEvent) -> tuple[Message | StoredInbound, bool]:
        if not event.open_product_ref:
            # Most messages: a chat whose conversation exists, a message never seen. One
            # statement; anything else (a new chat, a redelivery) takes the general way.
            async with self._single_statement() as bind:
                stored = await turns.store_in_known_chat(
                    bind, author=_author(event), channel=event.channel, chat_id=event.chat_id,
                    external_message_id=event.external_message_id, text=event.text[:8000],
                    message_type=event.message_type, entities=_entities(event),
                    at=self.clock())
            if stored is not None:
                return stored, True
        async with unit_of_work(self.session_factory) as session:
            conversation = await self._conversation_for(session, event)
            return await self._add_inbound(session, conversation, event)

    @asynccontextmanager
    async def _single_statement(self) -> AsyncIterator[AsyncConnection | AsyncSession]:
        """Where to run one statement that needs no transaction around it: a connection in
        autocommit (no BEGIN and COMMIT round trips), or, when the sessions ride on a caller's
        connection (tests), a unit of work."""
        bind = self.session_factory.kw.get("bind")
        if isinstance(bind, AsyncEngine):
            async with bind.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with unit_of_work(self.session_factory) as session:
            yield session

    async def _add_inbound(self, session: AsyncSession, conversation: Conversation,
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

    async def _conversation_for(self, session: AsyncSession, event: InboundEvent
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

    async def process(self, inbound_id: uuid.UUID,
                      conversation_id: uuid.UUID | None = None) -> TurnResult:
        # The caller that just stored the message knows its conversation: no extra read.
        if conversation_id is None:
            async with self.session_factory() as session:
                message = await session.get(Message, inbound_id)
                assert message is not None
                conversation_id = message.conversation_id
        async with self.chat_lock.hold(conversation_id):
            # A chat's messages are answered in order: one stored earlier and not answered yet
            # (its own turn still waiting for the lock, maybe on another worker) goes first,
            # and its replies are sent before this one's.
            async with self.session_factory() as session:
                earlier = await conversations_repo.unprocessed_before(
                    session, conversation_id, inbound_id)
            results = [await self._turn(message_id, conversation_id)
                       for message_id in [*earlier, inbound_id]]
        result = results[-1]
        for before in reversed(results[:-1]):
            result.replies[:0], result.deliveries[:0] = before.replies, before.deliveries
        return result

    async def _turn(self, inbound_id: uuid.UUID, conversation_id: uuid.UUID) -> TurnResult:
        """One inbound message's turn, under the chat's lock; run again on fresh rows when
        its final write finds the conversation moved on."""
        for run in range(1, MAX_TURN_RUNS + 1):
            async with unit_of_work(self.session_factory) as session:
                # The snapshot: read and committed; nothing stays locked.
                rows = await turns.read_turn(session, inbound_id,
                                             history=self.settings.llm.history_window + 1)
            assert rows is not None
            if rows.inbound.processed_at is not None:  # answered meanwhile
                return TurnResult(inbound_id, duplicate=True, conversation_id=conversation_id)
            try:
                return await run_turn(self, rows)  # it marks the inbound processed
            except AlreadyAnswered:
                return TurnResult(inbound_id, duplicate=True, conversation_id=conversation_id)
            except StaleTurn as exc:
                if run == MAX_TURN_RUNS:
                    raise
                log.info("turn.stale_run_again", inbound_id=str(inbound_id), run=run,
                         reason=str(exc))
        raise AssertionError("unreachable")  # pragma: no cover

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
        await self.mark_delivered_many([(message_id, external_id)])

    async def mark_delivered_many(self, sent: list[tuple[uuid.UUID, str | None]]) -> None:
        """Mark messages delivered, each with the id the channel gave it: one round trip,
        retried through a database restart (unmarked, a sent message would be sent again)."""
        async for attempt in retry_on_disconnect(attempts=MARK_ATTEMPTS):
            with attempt:
                async with self._single_statement() as bind:
                    await conversations_repo.mark_delivered_many(bind, sent, self.clock())


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

