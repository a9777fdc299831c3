"""The per-chat lock: Redis's with a heartbeat, PostgreSQL's lease when Redis is down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.chat_lock import ChatLock
from storage.conversation_lock import ConversationLock, LockTimeout
from storage.database import create_engine, create_session_factory
from storage.redis_keys import KeySpace
from storage.turn_lease import LeaseLock


@pytest.fixture
async def factory(fresh_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fresh_database)
    yield create_session_factory(engine)
    await engine.dispose()


async def _count_overlaps(hold, holders: int = 8) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    inside = overlaps = done = 0

    async def work() -> None:
        nonlocal inside, overlaps, done
        async with hold():
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.01)
            inside -= 1
            done += 1

    await asyncio.gather(*(work() for _ in range(holders)))
    return done, overlaps


async def test_a_held_lock_outlives_its_ttl_while_the_heartbeat_renews_it(
        redis: aioredis.Redis, keys: KeySpace) -> None:
    lock = ConversationLock(redis, keys, timeout=0.3, wait=0)
    async with lock.hold("chat-hb", heartbeat=True):
        await asyncio.sleep(1.0)  # three lifetimes of the lock
        assert await lock.try_acquire("chat-hb") is None
    assert await lock.try_acquire("chat-hb") is not None


async def test_without_a_heartbeat_the_same_wait_loses_the_lock(
        redis: aioredis.Redis, keys: KeySpace) -> None:
    lock = ConversationLock(redis, keys, timeout=0.3, wait=0)
    async with lock.hold("chat-no-hb"):
        await asyncio.sleep(0.5)
        assert await lock.try_acquire("chat-no-hb") is not None


async def test_the_lease_lets_one_holder_in_at_a_time(
        factory: async_sessionmaker[AsyncSession]) -> None:
    lease = LeaseLock(factory, timeout=5, wait=10)
    assert await _count_overlaps(lambda: lease.hold("conversation:1")) == (8, 0)


async def test_a_lease_held_too_long_makes_the_waiter_time_out(
        factory: async_sessionmaker[AsyncSession]) -> None:
    lease = LeaseLock(factory, timeout=5, wait=0.2)
    async with lease.hold("conversation:2"):
        with pytest.raises(LockTimeout, match="conversation:2"):
            async with lease.hold("conversation:2"):
                pytest.fail("entered a held lease")
        async with lease.hold("conversation:3"):  # another chat is not held up
            pass


async def test_a_crashed_holders_lease_expires_and_a_live_one_is_renewed(
        factory: async_sessionmaker[AsyncSession]) -> None:
    lease = LeaseLock(factory, timeout=0.3, wait=0)
    await lease._acquire("conversation:4", "crashed-worker", 0)  # never released
    with pytest.raises(LockTimeout):
        async with lease.hold("conversation:4"):
            pass
    await asyncio.sleep(0.35)
    async with lease.hold("conversation:4"):
        await asyncio.sleep(0.8)  # kept by its heartbeat past its 0.3 s life
        with pytest.raises(LockTimeout):
            async with lease.hold("conversation:4"):
                pass


async def test_with_redis_down_the_chat_lock_falls_back_to_the_lease(
        dead_redis: aioredis.Redis, keys: KeySpace,
        factory: async_sessionmaker[AsyncSession]) -> None:
    chat_lock = ChatLock(ConversationLock(dead_redis, keys, wait=5),
                         LeaseLock(factory, timeout=30, wait=60))  # generous on a busy machine
    conversation = uuid.uuid4()
    assert await _count_overlaps(lambda: chat_lock.hold(conversation), holders=4) == (4, 0)
