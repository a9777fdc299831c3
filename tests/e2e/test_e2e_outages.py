"""Redis stopped, then PostgreSQL restarted, while buyers keep writing: no message is lost and
none is answered twice.

The servers are throwaway ones of this test (bot/devtools/chaos/servers.py), so breaking them
touches no other test; the bot is the real one (`run_bot`, polling the local Bot API server).
Redis down: the FSM and caches are bypassed and the limiter lets traffic through (its default
policy).
PostgreSQL restarted (`pg_ctl restart -m fast`): pooled connections are checked before use,
the inbox retries its store, and a turn that failed half-way is retried by the job queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.devtools.chaos.servers import Servers, throwaway_servers
from storage.database import create_engine
from storage.migrations import upgrade
from storage.models import Conversation, Direction, Message
from tests.e2e.conftest import published_product, replies

BUYERS = [{"id": 731000 + n, "first_name": f"Comprador{n}", "language_code": "es"}
          for n in range(4)]
QUESTIONS = ["¿Sigue disponible?", "¿Qué tal la batería?", "¿Tiene caja?", "¿Dónde estás?",
             "¿Aceptas envíos?", "¿Cuánto tiempo tiene?"]


@pytest.fixture
def servers() -> Iterator[Servers]:
    with throwaway_servers() as started:
        yield started


async def migrated(servers: Servers) -> str:
    admin = await asyncpg.connect(servers.postgres.dsn())
    try:
        await admin.execute('CREATE DATABASE "outages"')
    finally:
        await admin.close()
    url = servers.postgres.url("outages")
    engine = create_engine(url)
    async with engine.connect() as connection:
        await upgrade(connection)
        await connection.commit()
    await engine.dispose()
    return url


async def test_redis_down_and_postgres_restarted_while_messages_flow_lose_nothing(
        servers, local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings, database_url=await migrated(servers),
                                 redis_url=servers.redis.url)
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    for buyer in BUYERS:
        opened = await state.push_text(buyer, f"/start {product.public_ref}")
        await replies(state, buyer["id"], opened.message_id, timeout=30)
    pushed: list[tuple[int, int]] = []

    async def burst(round_: int) -> None:
        for buyer in BUYERS:
            sent = await state.push_text(buyer, QUESTIONS[round_ % len(QUESTIONS)])
            pushed.append((buyer["id"], sent.message_id))
        await asyncio.sleep(0.2)

    await burst(0)
    servers.redis.kill()  # Redis gone, messages keep coming
    for round_ in (1, 2):
        await burst(round_)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(servers.redis.start)
    # PostgreSQL restarts under the next messages.
    restart = asyncio.create_task(asyncio.to_thread(servers.postgres.restart))
    for round_ in (3, 4):
        await burst(round_)
    await restart
    await burst(5)

    expected = {chat: 1 + sum(1 for c, _ in pushed if c == chat) for chat, _ in pushed}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while loop.time() < deadline:
        if await unanswered(runtime, pushed) == []:
            break
        await asyncio.sleep(0.5)
    left = await unanswered(runtime, pushed)
    assert left == [], "lost messages"
    assert await state.wait_idle(quiet=1.0, timeout=30)
    async with runtime.session_factory() as session:
        rows = (await session.execute(
            select(Conversation.external_chat_id, func.count()).join(
                Message, Message.conversation_id == Conversation.id)
            .where(Message.direction == Direction.OUTBOUND)
            .group_by(Conversation.external_chat_id))).all()
    stored = {int(chat): count for chat, count in rows}
    for chat, messages in expected.items():
        sent = await state.bot_messages(chat)
        assert stored[chat] >= messages, f"chat {chat}: {stored[chat]} replies to {messages}"
        assert len(sent) == stored[chat], f"chat {chat}: {len(sent)} sent, {stored[chat]} stored"


async def unanswered(runtime, pushed: list[tuple[int, int]]) -> list[str]:
    """The pushed messages not stored, or stored and not answered (processed and delivered)."""
    keys = [f"{chat}:{message}" for chat, message in pushed]
    try:
        async with runtime.session_factory() as session:
            inbound = {m.external_message_id: m for m in (await session.scalars(
                select(Message).where(Message.external_message_id.in_(keys)))).all()}
            delivered = set((await session.scalars(select(Message.reply_to_id).where(
                Message.direction == Direction.OUTBOUND,
                Message.delivered_at.is_not(None)))).all())
    except Exception:  # the server is still coming back
        return keys
    return [key for key in keys
            if key not in inbound or inbound[key].processed_at is None
            or inbound[key].id not in delivered]
