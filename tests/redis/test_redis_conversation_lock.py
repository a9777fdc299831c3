"""Locks: one holder at a time, owner-only release, expiry, waiting limits, job locks, outages."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from storage.conversation_lock import _POLL_SECONDS, ConversationLock, LockHandle, LockTimeout
from storage.redis_client import RedisUnavailableError
from storage.redis_keys import KeySpace


@pytest.fixture
def lock(redis: aioredis.Redis, keys: KeySpace) -> ConversationLock:
    return ConversationLock(redis, keys, timeout=5.0, wait=5.0)


async def test_one_holder_at_a_time(lock: ConversationLock) -> None:
    counter = 0
    inside = 0
    overlaps = 0

    async def work() -> None:
        nonlocal counter, inside, overlaps
        async with lock.hold("chat-1"):
            inside += 1
            overlaps += inside > 1
            seen = counter
            await asyncio.sleep(0.002)  # a lost update would show if two got in here
            counter = seen + 1
            inside -= 1

    await asyncio.gather(*(work() for _ in range(25)))
    assert (counter, overlaps) == (25, 0)


async def test_other_conversations_are_not_blocked(lock: ConversationLock) -> None:
    async with lock.hold("chat-1"):
        assert await lock.try_acquire("chat-1") is None
        other = await lock.try_acquire("chat-2")
        assert other is not None
        await other.release()


async def test_released_after_the_block_even_on_error(
    lock: ConversationLock, redis: aioredis.Redis, keys: KeySpace
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with lock.hold("chat-3"):
            raise RuntimeError("boom")
    assert await redis.exists(keys.conversation_lock("chat-3")) == 0


async def test_a_non_owner_cannot_release(
    lock: ConversationLock, redis: aioredis.Redis, keys: KeySpace
) -> None:
    first = await lock.acquire("chat-4", ttl=0.1)
    await asyncio.sleep(0.15)  # first's lock expired during "slow work"
    second = await lock.acquire("chat-4", wait=0)
    assert await first.release() is False
    assert await first.extend() is False
    forged = LockHandle(lock, keys.conversation_lock("chat-4"), "not-the-token", 1.0)
    assert await forged.release() is False
    assert await redis.get(keys.conversation_lock("chat-4")) == second.token.encode()
    assert await second.release() is True
    assert await redis.exists(keys.conversation_lock("chat-4")) == 0


async def test_a_lock_expires_after_its_timeout(lock: ConversationLock) -> None:
    await lock.acquire("chat-5", ttl=0.1)  # never released: its holder "crashed"
    assert await lock.try_acquire("chat-5") is None
    await asyncio.sleep(0.15)
    assert await lock.try_acquire("chat-5") is not None


async def test_waiting_too_long_raises_lock_timeout(lock: ConversationLock) -> None:
    async with lock.hold("chat-6"):
        started = time.monotonic()
        with pytest.raises(LockTimeout, match="chat-6"):
            async with lock.hold("chat-6", wait=0.3):
                pytest.fail("entered a held lock")
        # redis-py gives up when its next poll would fall past the deadline: up to one poll
        # interval before `wait` is over, never long after it
        waited = time.monotonic() - started
        assert 0.3 - _POLL_SECONDS <= waited < 1.0


async def test_a_waiter_gets_in_once_the_holder_leaves(lock: ConversationLock) -> None:
    holder = await lock.acquire("chat-7")

    async def leave_soon() -> None:
        await asyncio.sleep(0.1)
        await holder.release()

    leaving = asyncio.create_task(leave_soon())
    async with lock.hold("chat-7", wait=2.0) as handle:
        assert handle.token != holder.token
    await leaving


async def test_extend_keeps_the_lock_alive(
    lock: ConversationLock, redis: aioredis.Redis, keys: KeySpace
) -> None:
    handle = await lock.acquire("chat-8", ttl=0.2)
    assert await handle.extend(5.0) is True
    assert await redis.pttl(keys.conversation_lock("chat-8")) > 4_000
    await asyncio.sleep(0.25)
    assert await lock.try_acquire("chat-8") is None
    assert await handle.extend() is True
    assert 0 < await redis.pttl(keys.conversation_lock("chat-8")) <= 200


async def test_job_lock_lets_one_worker_run_a_job(lock: ConversationLock) -> None:
    first = await lock.try_acquire_job("expiry")
    assert first is not None
    assert await lock.try_acquire_job("expiry") is None
    assert await lock.try_acquire_job("digest") is not None
    async with first:
        pass
    assert await lock.try_acquire_job("expiry") is not None


async def test_unreachable_redis_raises_instead_of_waiting(
    dead_redis: aioredis.Redis, keys: KeySpace
) -> None:
    lock = ConversationLock(dead_redis, keys, wait=10.0)
    started = time.monotonic()
    with pytest.raises(RedisUnavailableError):
        async with lock.hold("chat-9"):
            pytest.fail("entered without Redis")
    with pytest.raises(RedisUnavailableError):
        await lock.try_acquire_job("expiry")
    assert time.monotonic() - started < 2.0
