"""The conversation service: one call handles one inbound event, whatever the channel.

1. Store the inbound message (agents/conversation/inbound.py: idempotent on channel + external
   id) and commit, so a crash or a model outage loses nothing and a redelivery is answered once.
2. Under the per-conversation lock, in short transactions: read the turn's snapshot (one
   statement, no transaction); run the agent with no connection held (each tool or button
   action in a transaction of its own, recorded against the inbound:
   agents/conversation/turn_transactions.py); a final transaction guards what goes to a buyer,
   stores the reply and marks the inbound processed, checked against the conversation's
   version (agents/conversation/turn_finish.py). A stale turn is run again on fresh rows, its
   committed effects replayed, not repeated.
3. Return the stored replies for the channel to send.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.conversation.conversation_actions import run_turn
from agents.conversation.inbound import InboundEvent, InboundStore, Sender
from agents.conversation.turn_finish import TurnResult
from agents.conversation.turn_transactions import SessionTransactions
from agents.llm.agent_factory import Agents
from agents.llm.listing_writer import ListingWriter, RuleBasedListingWriter
from config.settings import Settings
from storage.chat_lock import ChatLock
from storage.conversation_lock import ConversationLock, LockTimeout
from storage.database import reading, retry_on_disconnect, single_statement, unit_of_work
from storage.models import Channel, Message
from storage.repositories import conversations as conversations_repo
from storage.repositories import turn_snapshot
from storage.repositories.turn_snapshot import TurnRows
from storage.repositories.turns import AlreadyAnswered, StaleTurn
from storage.turn_lease import LeaseLock

# Sender and InboundEvent are the service's vocabulary: importable from here too.
__all__ = ["ChatBusy", "ConversationService", "InboundEvent", "Sender", "TurnResult", "utc_now"]

log = structlog.get_logger(__name__)
MARK_ATTEMPTS = 40  # about a minute at retry_on_disconnect's 2 s ceiling

# A stale turn (its conversation changed under it: a seller took over, a sale was settled) runs
# again on fresh rows; past this many runs in a row it fails and the inbound waits for a retry.
MAX_TURN_RUNS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


class ChatBusy(Exception):
    """Another turn held the chat for longer than the lock's wait. The message is stored; the
    caller hands its answer to whoever retries (the job queue), in the chat's order."""

    def __init__(self, inbound_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
        super().__init__(f"chat of conversation {conversation_id} busy")
        self.inbound_id, self.conversation_id = inbound_id, conversation_id


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
        self.inbound = InboundStore(session_factory, clock)

    async def handle(self, event: InboundEvent,
                     on_stored: Callable[[], None] | None = None) -> TurnResult:
        """Store the message, then run its turn; `on_stored` is called in between."""
        inbound, fresh = await self.inbound.store(event)
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
            conversation = await self.inbound.conversation_for(session, event)
            inbound, fresh = await self.inbound.add_inbound(session, conversation, event)
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
        inbound, fresh = await self.inbound.store(event)
        return inbound.id, fresh, inbound.conversation_id

    async def process(self, inbound_id: uuid.UUID,
                      conversation_id: uuid.UUID | None = None) -> TurnResult:
        # The caller that just stored the message knows its conversation: no extra read.
        if conversation_id is None:
            async with reading(self.session_factory) as session:
                message = await session.get(Message, inbound_id)
                assert message is not None
                conversation_id = message.conversation_id
        try:
            async with self.chat_lock.hold(conversation_id):
                results = await self._in_order(inbound_id, conversation_id)
        except LockTimeout as exc:
            raise ChatBusy(inbound_id, conversation_id) from exc
        result = results[-1]
        for before in reversed(results[:-1]):
            result.replies[:0], result.deliveries[:0] = before.replies, before.deliveries
        return result

    async def _in_order(self, inbound_id: uuid.UUID, conversation_id: uuid.UUID
                        ) -> list[TurnResult]:
        """A chat's messages are answered in order: one stored earlier and not answered yet
        (its own turn still waiting for the lock, maybe on another worker) goes first, and its
        replies are sent before this one's. The snapshot says which."""
        rows = await self._snapshot(inbound_id)
        results = [await self._turn(message_id, conversation_id) for message_id in rows.earlier]
        # answering them changed the chat: this turn reads it again
        results.append(await self._turn(inbound_id, conversation_id,
                                        None if rows.earlier else rows))
        return results

    async def _snapshot(self, inbound_id: uuid.UUID) -> TurnRows:
        """The turn's snapshot: one statement, so no transaction is opened and nothing stays
        locked."""
        async with reading(self.session_factory) as session:
            rows = await turn_snapshot.read_turn(session, inbound_id,
                                         history=self.settings.llm.history_window + 1)
        assert rows is not None
        return rows

    async def _turn(self, inbound_id: uuid.UUID, conversation_id: uuid.UUID,
                    rows: TurnRows | None = None) -> TurnResult:
        """One inbound message's turn, under the chat's lock (on `rows` when just read); run
        again on fresh rows when its final write finds the conversation moved on."""
        for run in range(1, MAX_TURN_RUNS + 1):
            if rows is None or run > 1:
                rows = await self._snapshot(inbound_id)
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
                async with single_statement(self.session_factory) as bind:
                    await conversations_repo.mark_delivered_many(bind, sent, self.clock())
