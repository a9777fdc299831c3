"""Distributed locks in Redis: one conversation handled by one worker at a time, one job runner.

A lock is a key set with `SET NX PX` to a random owner token. Only the owner can release or extend
it (a Lua compare-then-act), so a worker whose lock expired during slow work cannot delete the
lock a second worker took since. `hold()` waits, polling with a growing backoff, up to `wait`
seconds and raises `LockTimeout` past that; `try_acquire*` never waits, for scheduled jobs that
should simply skip a run another worker is doing. A Redis outage raises `RedisUnavailableError`.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

import redis.asyncio as aioredis
import structlog

from storage.redis_client import RedisUnavailableError, unavailable_as_error
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)

_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_EXTEND_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_FIRST_POLL_SECONDS = 0.005
_MAX_POLL_SECONDS = 0.2


class LockTimeout(Exception):
    """The lock stayed taken by someone else for longer than we were willing to wait."""


def _to_ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class LockHandle:
    """One acquired lock. `async with handle:` releases it on exit."""

    def __init__(self, lock: ConversationLock, key: str, token: str, ttl: float) -> None:
        self._lock = lock
        self.key = key
        self.token = token
        self.ttl = ttl

    async def release(self) -> bool:
        """Delete the lock if we still own it; False when it expired or someone else holds it."""
        return await self._lock._release(self.key, self.token)

    async def extend(self, ttl: float | None = None) -> bool:
        """Reset the expiry to `ttl` seconds (default: the original) from now; False if lost."""
        return await self._lock._extend(self.key, self.token, ttl or self.ttl)

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
        self._release_script = redis.register_script(_RELEASE_LUA)
        self._extend_script = redis.register_script(_EXTEND_LUA)

    @asynccontextmanager
    async def hold(
        self,
        conversation_key: str | int,
        *,
        wait: float | None = None,
        ttl: float | None = None,
    ) -> AsyncIterator[LockHandle]:
        """Hold the conversation's lock for the block; `LockTimeout` if it stays taken."""
        handle = await self.acquire(conversation_key, wait=wait, ttl=ttl)
        try:
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
        return await self._acquire_key(
            self._keys.conversation_lock(conversation_key),
            wait=self.wait if wait is None else wait,
            ttl=ttl or self.timeout,
        )

    async def try_acquire(
        self, conversation_key: str | int, *, ttl: float | None = None
    ) -> LockHandle | None:
        """Take the conversation's lock if free right now, else None."""
        return await self._try_key(
            self._keys.conversation_lock(conversation_key), ttl or self.timeout
        )

    async def try_acquire_job(
        self, job_name: str, *, ttl: float | None = None
    ) -> LockHandle | None:
        """Take a scheduled job's lock if no other worker runs the job, else None."""
        return await self._try_key(self._keys.job_lock(job_name), ttl or self.timeout)

    async def _acquire_key(self, key: str, *, wait: float, ttl: float) -> LockHandle:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        delay = _FIRST_POLL_SECONDS
        while True:
            handle = await self._try_key(key, ttl)
            if handle is not None:
                return handle
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise LockTimeout(f"lock {key} still held after waiting {wait:g}s")
            # Jitter keeps waiters that started together from polling in lockstep.
            await asyncio.sleep(min(remaining, delay * random.uniform(0.5, 1.0)))
            delay = min(delay * 2, _MAX_POLL_SECONDS)

    async def _try_key(self, key: str, ttl: float) -> LockHandle | None:
        token = secrets.token_hex(16)
        with unavailable_as_error(f"lock acquire of {key}"):
            taken = await self._redis.set(key, token, nx=True, px=_to_ms(ttl))
        return LockHandle(self, key, token, ttl) if taken else None

    async def _release(self, key: str, token: str) -> bool:
        with unavailable_as_error(f"lock release of {key}"):
            return bool(await self._release_script(keys=[key], args=[token]))

    async def _extend(self, key: str, token: str, ttl: float) -> bool:
        with unavailable_as_error(f"lock extend of {key}"):
            return bool(await self._extend_script(keys=[key], args=[token, _to_ms(ttl)]))

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
