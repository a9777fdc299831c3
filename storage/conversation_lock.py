"""Distributed locks in Redis: one conversation handled by one worker at a time, one job runner.

Built on redis-py's asyncio `Lock` (a random token per holder, `SET NX PX`, Lua compare-then-
release and extend), so a worker whose lock expired during slow work cannot delete the lock a
second worker took since. `hold()` waits up to `wait` seconds (redis-py's blocking timeout) and
raises `LockTimeout` past that; with `heartbeat=True` it renews the lock while the block runs,
so a turn longer than the lock's life keeps it. `try_acquire*` never waits, for scheduled jobs
that should simply skip a run another worker is doing. A Redis outage raises
`RedisUnavailableError` (the caller may fall back: storage/turn_lease.py).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType

import redis.asyncio as aioredis
import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from storage.redis_client import RedisUnavailableError, unavailable_as_error
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)

# How often a waiter asks again (redis-py polls at a fixed interval).
_POLL_SECONDS = 0.02


class LockTimeout(Exception):
    """The lock stayed taken by someone else for longer than we were willing to wait."""


class LockHandle:
    """One acquired lock. `async with handle:` releases it on exit."""

    def __init__(self, lock: ConversationLock, key: str, token: str, ttl: float) -> None:
        self._lock = lock
        self.key = key
        self.token = token
        self.ttl = ttl
        self._redis_lock = lock.redis_lock(key, ttl)
        self._redis_lock.local.token = token.encode()

    async def release(self) -> bool:
        """Delete the lock if we still own it; False when it expired or someone else holds it."""
        with unavailable_as_error(f"lock release of {self.key}"):
            try:
                await self._redis_lock.release()
            except LockError:  # not owned (any more), or released already
                return False
        return True

    async def extend(self, ttl: float | None = None) -> bool:
        """Reset the expiry to `ttl` seconds (default: the original) from now; False if lost."""
        with unavailable_as_error(f"lock extend of {self.key}"):
            try:
                await self._redis_lock.extend(ttl or self.ttl, replace_ttl=True)
            except LockError:
                return False
        return True

    async def __aenter__(self) -> LockHandle:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._lock._release_quietly(self)


class ConversationLock:
    """Locks under the conversation and job key families of `keys`.

    `timeout` is how long a lock lives unless released or extended (a crashed holder frees it
    after that); `wait` is how long `hold`/`acquire` wait for it. Per call, `ttl=` and `wait=`
    override them.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: KeySpace,
        timeout: float = 30.0,
        wait: float = 10.0,
    ) -> None:
        if timeout <= 0 or wait < 0:
            raise ValueError("timeout must be positive and wait not negative")
        self._redis = redis
        self._keys = keys
        self.timeout = timeout
        self.wait = wait

    def redis_lock(self, key: str, ttl: float) -> Lock:
        # thread_local=False: the token belongs to this handle, whichever task uses it
        return self._redis.lock(key, timeout=ttl, sleep=_POLL_SECONDS, thread_local=False)

    @asynccontextmanager
    async def hold(
        self,
        conversation_key: str | int,
        *,
        wait: float | None = None,
        ttl: float | None = None,
        heartbeat: bool = False,
    ) -> AsyncIterator[LockHandle]:
        """Hold the conversation's lock for the block; `LockTimeout` if it stays taken.
        `heartbeat`: renewed every third of its life until the block ends."""
        handle = await self.acquire(conversation_key, wait=wait, ttl=ttl)
        try:
            if heartbeat:
                async with keep_alive(handle.extend, every=handle.ttl / 3, key=handle.key):
                    yield handle
            else:
                yield handle
        finally:
            await self._release_quietly(handle)

    async def acquire(
        self,
        conversation_key: str | int,
        *,
        wait: float | None = None,
        ttl: float | None = None,
    ) -> LockHandle:
        """Take the conversation's lock, waiting up to `wait` seconds; the caller releases it."""
        key = self._keys.conversation_lock(conversation_key)
        wait = self.wait if wait is None else wait
        handle = await self._take(key, ttl or self.timeout, wait)
        if handle is None:
            raise LockTimeout(f"lock {key} still held after waiting {wait:g}s")
        return handle

    async def try_acquire(
        self, conversation_key: str | int, *, ttl: float | None = None
    ) -> LockHandle | None:
        """Take the conversation's lock if free right now, else None."""
        return await self._take(self._keys.conversation_lock(conversation_key),
                                ttl or self.timeout, None)

    async def try_acquire_job(
        self, job_name: str, *, ttl: float | None = None
    ) -> LockHandle | None:
        """Take a scheduled job's lock if no other worker runs the job, else None."""
        return await self._take(self._keys.job_lock(job_name), ttl or self.timeout, None)

    async def _take(self, key: str, ttl: float, wait: float | None) -> LockHandle | None:
        """`wait` None: one attempt; else redis-py polls up to `wait` seconds."""
        token = secrets.token_hex(16)
        with unavailable_as_error(f"lock acquire of {key}"):
            taken = await self.redis_lock(key, ttl).acquire(
                blocking=wait is not None, blocking_timeout=wait, token=token)
        return LockHandle(self, key, token, ttl) if taken else None

    async def _release_quietly(self, handle: LockHandle) -> None:
        # Used on the way out of a block: an error here must not hide the block's own outcome,
        # and the key expires by itself anyway.
        try:
            released = await handle.release()
        except RedisUnavailableError as exc:
            log.warning("lock.release_failed", key=handle.key, error=str(exc))
            return
        if not released:
            log.warning("lock.lost_before_release", key=handle.key, ttl=handle.ttl)


@asynccontextmanager
async def keep_alive(renew: Callable[[], Awaitable[bool]], *, every: float, key: str
                     ) -> AsyncIterator[None]:
    """Call `renew` every `every` seconds while the block runs (a lock's heartbeat). A lock
    found lost, or a renewal that fails, is logged and the heartbeat stops: the block goes on,
    and what it writes is still checked (the conversation's version, the effects' journal)."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                if not await renew():
                    log.warning("lock.lost_while_held", key=key)
                    return
            except Exception as exc:  # Redis or PostgreSQL went away: keep the turn going
                log.warning("lock.renew_failed", key=key, error=str(exc))
                return

    task = asyncio.create_task(beat(), name=f"heartbeat {key}")
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
