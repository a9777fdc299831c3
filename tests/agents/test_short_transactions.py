"""The turn in short transactions, on a database of its own with real separate connections:
no session idle in a transaction while the model thinks, a follow-up stored meanwhile, one turn
at a time per chat, a stale final write refused and run again, a killed turn finished once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.conversation.conversation_service import InboundEvent, Sender
from agents.llm.listing_writer import RuleBasedListingWriter
from storage.conversation_lock import ConversationLock
from storage.database import create_engine, create_session_factory
from storage.models import Channel, Conversation, MessageType
from storage.redis_keys import KeySpace
from tests.agents.turn_harness import (
    Gate,
    buyer_says,
    idle_in_transaction,
    published_product,
    scalar,
    service_on,
)


@pytest.fixture
async def engine_of_its_own(fresh_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_database)
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(engine_of_its_own: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine_of_its_own)


@pytest.fixture
def lock(redis_client: aioredis.Redis, redis_prefix: str) -> ConversationLock:
    return ConversationLock(redis_client, KeySpace(redis_prefix), timeout=30, wait=30)


async def _wait(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), 10)


async def test_no_session_is_idle_in_a_transaction_while_the_model_is_called(
        factory: async_sessionmaker[AsyncSession], engine_of_its_own: AsyncEngine,
        settings: Any, lock: ConversationLock) -> None:
    engine = engine_of_its_own
    product = await published_product(factory)
    gate = Gate(free=1)  # the model asks for make_offer, then waits before phrasing it
    service = service_on(factory, settings, gate, lock)
    turn = asyncio.create_task(service.handle(buyer_says("Te doy 600", 1, product)))
    await _wait(gate.entered)

    samples = [await idle_in_transaction(engine) for _ in range(5)]
    checked_out = engine.pool.checkedout()  # type: ignore[attr-defined]
    # The offer is committed and the product row free: another buyer's offer would not wait.
    offers = await scalar(engine, "SELECT count(*) FROM offers")
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1 FROM products WHERE id = :id FOR UPDATE NOWAIT"),
                           {"id": product.id})
        await conn.rollback()
    gate.release.set()
    result = await turn

    assert samples == [[]] * 5
    assert checked_out == 0
    assert offers == 2  # the buyer's 600 and the bot's counter
    assert result.tools == ["make_offer"] and len(result.replies) == 1


async def test_a_follow_up_is_stored_while_a_turn_is_running(
        factory: async_sessionmaker[AsyncSession], engine_of_its_own: AsyncEngine,
        settings: Any, lock: ConversationLock) -> None:
    product = await published_product(factory)
    gate = Gate(free=0)
    service = service_on(factory, settings, gate, lock)
    opened = await service.store_inbound(buyer_says("Hola, ¿sigue disponible?", 1, product))
    turn = asyncio.create_task(service.process(opened[0], opened[2]))
    await _wait(gate.entered)

    follow_up, fresh, conversation_id = await asyncio.wait_for(
        service.store_inbound(buyer_says("¿Y tiene garantía?", 2)), 2)
    stored_while_running = not turn.done()
    gate.release.set()
    first = await turn
    second = await service.process(follow_up, conversation_id)

    assert stored_while_running and fresh and conversation_id == opened[2]
    assert len(first.replies) == 1 and len(second.replies) == 1
    assert await scalar(engine_of_its_own,
                        "SELECT count(*) FROM messages WHERE direction = 'inbound' "
                        "AND processed_at IS NULL") == 0


async def test_two_turns_of_one_chat_never_interleave(
        factory: async_sessionmaker[AsyncSession], settings: Any,
        lock: ConversationLock) -> None:
    product = await published_product(factory)
    gate = Gate(free=0)
    service = service_on(factory, settings, gate, lock)
    first = await service.store_inbound(buyer_says("Te doy 600", 1, product))
    second = await service.store_inbound(buyer_says("¿Tiene garantía?", 2))
    turns = [asyncio.create_task(service.process(first[0], first[2])),
             asyncio.create_task(service.process(second[0], second[2]))]
    await _wait(gate.entered)
    await asyncio.sleep(0.3)  # the other turn, were it not waiting, would call the model now
    waiting_calls = list(gate.calls)
    gate.release.set()
    results = await asyncio.gather(*turns)

    assert len(waiting_calls) == 1
    # every model call of one turn ends before the other turn's first call begins
    said = gate.finished
    assert said == sorted(said, key=lambda words: said.index(words))
    # Each message answered once; whichever turn got the lock first answers the earlier
    # message first (a turn that finds an earlier one unanswered runs it before its own).
    assert sorted(len(r.replies) for r in results) in ([1, 1], [0, 2])


async def test_a_stale_turns_final_write_is_refused_and_the_turn_runs_again(
        factory: async_sessionmaker[AsyncSession], engine_of_its_own: AsyncEngine,
        settings: Any, lock: ConversationLock) -> None:
    product = await published_product(factory)
    gate = Gate(free=0)
    service = service_on(factory, settings, gate, lock)
    inbound, _, conversation_id = await service.store_inbound(
        buyer_says("¿Cuál es el precio?", 1, product))
    turn = asyncio.create_task(service.process(inbound, conversation_id))
    await _wait(gate.entered)
    # Meanwhile the seller takes the chat over (another actor, another transaction).
    async with factory() as session, session.begin():
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        read_version = conversation.version
        conversation.human_takeover = True
    gate.release.set()
    result = await turn

    # The bot's answer, written against the version it read, was refused: the turn ran again
    # on the fresh row and relayed the message to the seller instead of answering.
    assert result.replies == []
    assert [d.recipient for d in result.deliveries] == ["seller"]
    bot_replies = await scalar(engine_of_its_own,
                               "SELECT count(*) FROM messages WHERE conversation_id = :c "
                               "AND direction = 'outbound'", c=conversation_id)
    version = await scalar(engine_of_its_own,
                           "SELECT version FROM conversations WHERE id = :c", c=conversation_id)
    assert bot_replies == 0 and version == read_version + 2
    assert await scalar(engine_of_its_own, "SELECT processed_at IS NOT NULL FROM messages "
                        "WHERE id = :m", m=inbound)


async def test_a_turn_killed_after_its_tool_committed_is_finished_once_on_restart(
        factory: async_sessionmaker[AsyncSession], engine_of_its_own: AsyncEngine,
        settings: Any, lock: ConversationLock) -> None:
    engine = engine_of_its_own
    product = await published_product(factory)
    gate = Gate(free=1)  # make_offer runs and commits; the phrasing call hangs
    crashed = service_on(factory, settings, gate, lock)
    inbound, _, conversation_id = await crashed.store_inbound(
        buyer_says("Te lo compro por 650", 1, product))
    turn = asyncio.create_task(crashed.process(inbound, conversation_id))
    await _wait(gate.entered)
    turn.cancel()  # the worker dies mid-turn
    with pytest.raises(asyncio.CancelledError):
        await turn
    committed = await _effects(engine)

    restarted = service_on(factory, settings, Gate(free=99), lock)
    result = await restarted.process(inbound)
    again = await restarted.process(inbound)

    assert committed == {"offers": 1, "accepted": 1, "reserved": 1, "notices": 1,
                         "unprocessed": 1}
    assert await _effects(engine) == {**committed, "unprocessed": 0}
    assert result.tools == ["make_offer"] and len(result.replies) == 1
    assert "650" in result.replies[0].text
    # the seller's notice was stored by the first run, not sent: this run hands it over
    assert [d.recipient for d in result.deliveries] == ["seller"]
    assert again.duplicate


async def _effects(engine: AsyncEngine) -> dict[str, int]:
    return {
        "offers": await scalar(engine, "SELECT count(*) FROM offers"),
        "accepted": await scalar(engine,
                                 "SELECT count(*) FROM offers WHERE status = 'accepted'"),
        "reserved": await scalar(engine,
                                 "SELECT count(*) FROM products WHERE status = 'reserved'"),
        "notices": await scalar(engine, "SELECT count(*) FROM messages "
                                "WHERE message_type = 'notification'"),
        "unprocessed": await scalar(engine, "SELECT count(*) FROM messages "
                                    "WHERE direction = 'inbound' AND processed_at IS NULL"),
    }


class _ProbeWriter(RuleBasedListingWriter):
    """The rule-based writer, noting what the database looked like while it was asked."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine
        self.seen: list[tuple[int, list[tuple[str, float]]]] = []

    async def write(self, *args: Any, **kwargs: Any) -> Any:
        self.seen.append((self.engine.pool.checkedout(),  # type: ignore[attr-defined]
                          await idle_in_transaction(self.engine)))
        return await super().write(*args, **kwargs)


async def test_the_listing_writer_is_asked_with_no_transaction_open(
        factory: async_sessionmaker[AsyncSession], engine_of_its_own: AsyncEngine,
        settings: Any, lock: ConversationLock) -> None:
    writer = _ProbeWriter(engine_of_its_own)
    service = service_on(factory, settings, Gate(free=99), lock)
    service.listing_writer = writer
    seller = Sender(name="Ana", telegram_id=7002, language="es")

    created = await service.handle(InboundEvent(
        channel=Channel.TELEGRAM, chat_id="7002", external_message_id="7002:1", role="seller",
        sender=seller, text="Vendo bici Trek Marlin 5 talla M, 350€"))
    product_id = await scalar(engine_of_its_own, "SELECT id FROM products")
    again = await service.handle(InboundEvent(
        channel=Channel.TELEGRAM, chat_id="7002", external_message_id="7002:2", role="seller",
        sender=seller, text="", message_type=MessageType.CALLBACK,
        callback_data=f"listing:regenerate:{product_id}"))

    assert created.tools == ["create_product"] and again.tools[0] == "regenerate_listing"
    assert writer.seen == [(0, []), (0, [])]
    assert await scalar(engine_of_its_own, "SELECT count(*) FROM listings") == 2
