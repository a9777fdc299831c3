"""One turn at a time per chat: the Redis lock with a heartbeat, PostgreSQL's lease without Redis.

Neither holds a database connection or a row while the turn runs, so nothing else waits on a
turn: a follow-up in the same chat is stored at once, and only the next turn waits. If Redis
fails for some workers only, two turns of one chat may run at once (one under each lock); the
conversation's version and the effects' journal still keep each message answered once and its
effects single.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from storage.conversation_lock import ConversationLock, keep_alive
from storage.redis_client import RedisUnavailableError
from storage.turn_lease import LeaseLock

log = structlog.get_logger(__name__)


class ChatLock:
    def __init__(self, redis_lock: ConversationLock | None, lease: LeaseLock) -> None:
        self.redis_lock = redis_lock
        self.lease = lease

    @asynccontextmanager
    async def hold(self, conversation_id: uuid.UUID) -> AsyncIterator[None]:
        key = f"conversation:{conversation_id}"
        if self.redis_lock is not None:
            try:
                handle = await self.redis_lock.acquire(key)
            except RedisUnavailableError as exc:
                log.warning("chat_lock.postgres_fallback", key=key, error=str(exc))
            else:
                async with handle, keep_alive(handle.extend, every=handle.ttl / 3,
                                              key=handle.key):
                    yield
                return
        async with self.lease.hold(key):
            yield

