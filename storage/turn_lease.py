"""The per-chat lock in PostgreSQL, for when Redis is down: a lease row in `turn_leases`.

Why a lease and not `pg_advisory_lock`: a session-level advisory lock lives on one connection,
so every running turn would pin a pooled connection for its whole length (model calls
included), and a pool of 10 would cap the chats in flight at 10 — the very limit short
transactions remove. A lease is taken, renewed (heartbeat) and dropped in one short statement
each, with no connection held in between; a crashed holder's lease simply expires.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from sqlalchemy import bindparam, delete, func, literal_column, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversation_lock import LockTimeout, keep_alive
from storage.database import unit_of_work
from storage.models import TurnLease

log = structlog.get_logger(__name__)

_FIRST_POLL_SECONDS = 0.01
_MAX_POLL_SECONDS = 0.25
_LEASES = TurnLease.__table__
_UNTIL = func.clock_timestamp() + bindparam("ttl_s") * literal_column("interval '1 second'")
_inserted = insert(_LEASES).values(key=bindparam("lease_key"), owner=bindparam("lease_owner"),
                                   expires_at=_UNTIL)
# Taken when free or expired; a live lease of someone else stays theirs.
_TAKE = _inserted.on_conflict_do_update(
    index_elements=["key"],
    set_={"owner": _inserted.excluded.owner, "expires_at": _inserted.excluded.expires_at},
    where=_LEASES.c.expires_at < func.clock_timestamp(),
).returning(_LEASES.c.owner)
_RENEW = (update(_LEASES).where(_LEASES.c.key == bindparam("lease_key"),
                                _LEASES.c.owner == bindparam("lease_owner"))
          .values(expires_at=_UNTIL).returning(_LEASES.c.key))
_DROP = delete(_LEASES).where(_LEASES.c.key == bindparam("lease_key"),
                              _LEASES.c.owner == bindparam("lease_owner"))


class LeaseLock:
    """`hold(key)`: one holder at a time across workers, waiting up to `wait` seconds."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *,
                 timeout: float = 30.0, wait: float = 10.0) -> None:
        self.session_factory = session_factory
        self.timeout = timeout
        self.wait = wait

    @asynccontextmanager
    async def hold(self, key: str, *, wait: float | None = None) -> AsyncIterator[None]:
        owner = secrets.token_hex(16)
        await self._acquire(key, owner, self.wait if wait is None else wait)
        try:
            async with keep_alive(lambda: self._renew(key, owner), every=self.timeout / 3,
                                  key=key):
                yield
        finally:
            try:
                await self._run(_DROP, key, owner)
            except Exception as exc:  # it expires by itself
                log.warning("lease.release_failed", key=key, error=str(exc))

    async def _acquire(self, key: str, owner: str, wait: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        delay = _FIRST_POLL_SECONDS
        while not await self._run(_TAKE, key, owner):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise LockTimeout(f"lease {key} still held after waiting {wait:g}s")
            # Jitter keeps waiters that started together from asking in lockstep.
            await asyncio.sleep(min(remaining, delay * random.uniform(0.5, 1.0)))
            delay = min(delay * 2, _MAX_POLL_SECONDS)

    async def _renew(self, key: str, owner: str) -> bool:
        return await self._run(_RENEW, key, owner)

    async def _run(self, statement: object, key: str, owner: str) -> bool:
        async with unit_of_work(self.session_factory) as session:
            result = await session.execute(statement, {  # type: ignore[call-overload]
                "lease_key": key, "lease_owner": owner, "ttl_s": self.timeout})
            return statement is _DROP or result.first() is not None
