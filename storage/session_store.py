"""Short-lived session state per actor in Redis: one JSON object per (actor kind, actor id).

Every write and `touch` pushes the expiry out again, so a session lives `ttl_seconds` (24 h by
default) after the actor's last activity. `update` merges at the top level under WATCH, so two
workers updating different fields of one session do not overwrite each other.
Values must be plain JSON (convert `Decimal` and dates before storing).
A Redis outage raises `RedisUnavailableError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from storage.redis_client import unavailable_as_error
from storage.redis_keys import KeySpace

DEFAULT_SESSION_TTL_SECONDS = 24 * 3600
_MAX_UPDATE_ATTEMPTS = 50


def _encode(data: Mapping[str, Any]) -> str:
    return json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))


def _decode(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = json.loads(raw)
    return value if isinstance(value, dict) else None


class SessionStore:
    """get / set / update / touch / delete of session dicts with a sliding TTL."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: KeySpace,
        ttl_seconds: int = DEFAULT_SESSION_TTL_SECONDS,
    ) -> None:
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be at least 1")
        self._redis = redis
        self._keys = keys
        self.ttl_seconds = ttl_seconds

    async def get(self, actor_kind: str, actor_id: str | int) -> dict[str, Any] | None:
        """The stored session, or None when there is none (or it expired)."""
        with unavailable_as_error("session get"):
            raw = await self._redis.get(self._keys.session(actor_kind, actor_id))
        return _decode(raw)

    async def set(self, actor_kind: str, actor_id: str | int, data: Mapping[str, Any]) -> None:
        """Replace the session with `data` and restart its TTL."""
        payload = _encode(data)
        with unavailable_as_error("session set"):
            await self._redis.set(
                self._keys.session(actor_kind, actor_id), payload, ex=self.ttl_seconds
            )

    async def update(
        self, actor_kind: str, actor_id: str | int, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Merge `changes` into the session (creating it if needed); returns the merged dict."""
        key = self._keys.session(actor_kind, actor_id)
        _encode(changes)  # fail on non-JSON values before touching Redis
        with unavailable_as_error("session update"):
            async with self._redis.pipeline(transaction=True) as pipe:
                for _ in range(_MAX_UPDATE_ATTEMPTS):
                    try:
                        await pipe.watch(key)
                        merged = {**(_decode(await pipe.get(key)) or {}), **changes}
                        pipe.multi()
                        pipe.set(key, _encode(merged), ex=self.ttl_seconds)
                        await pipe.execute()
                        return merged
                    except WatchError:
                        continue  # another worker wrote in between: read again and re-merge
        raise RuntimeError(f"session update on {key} kept conflicting; gave up")

    async def touch(self, actor_kind: str, actor_id: str | int) -> bool:
        """Restart the TTL; False when there is no session to keep alive."""
        with unavailable_as_error("session touch"):
            return bool(
                await self._redis.expire(self._keys.session(actor_kind, actor_id), self.ttl_seconds)
            )

    async def delete(self, actor_kind: str, actor_id: str | int) -> bool:
        """Remove the session; False when there was none."""
        with unavailable_as_error("session delete"):
            return bool(await self._redis.delete(self._keys.session(actor_kind, actor_id)))

    async def ttl(self, actor_kind: str, actor_id: str | int) -> float | None:
        """Seconds until the session expires, or None when there is none."""
        with unavailable_as_error("session ttl"):
            remaining_ms = await self._redis.pttl(self._keys.session(actor_kind, actor_id))
        return remaining_ms / 1000.0 if remaining_ms >= 0 else None
