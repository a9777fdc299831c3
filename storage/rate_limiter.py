"""Sliding-window rate limiting in Redis: a per-actor limit and a global limit, checked atomically.

Each window is a sorted set of hit timestamps. One Lua script drops the hits that left the
window, counts both sets and records the hit in both only when both are under their limits, so
concurrent workers can never let more through than the limits allow, and a refused hit counts
against neither window.

When Redis cannot be reached the limiter answers by policy (`allow` keeps the bot talking,
`deny` protects downstream services) with `degraded=True`, and warns once per outage.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from storage.redis_client import UNAVAILABLE_ERRORS
from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)

Scope = Literal["actor", "global"]
UnavailablePolicy = Literal["allow", "deny"]

# KEYS: actor window, global window.
# ARGV: now (ms), window (ms), actor limit, global limit, member (unique per hit).
# Returns {allowed 0/1, scope 0 none / 1 actor / 2 global, retry after (ms)}.
_SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limits = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local cutoff = now - window

for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cutoff)
end
for i = 1, 2 do
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limits[i] then
    -- The hit that must leave the window before one more fits.
    local oldest = redis.call('ZRANGE', KEYS[i], count - limits[i], count - limits[i], 'WITHSCORES')
    local retry = window
    if oldest[2] then
      retry = tonumber(oldest[2]) + window - now
    end
    -- Clamped: workers' clocks (and calls reaching Redis out of order) may disagree slightly.
    return {0, i, math.min(math.ceil(window), math.max(1, math.ceil(retry)))}
  end
end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[i], math.ceil(window))
end
return {1, 0, 0}
"""

_SCOPES: dict[int, Scope | None] = {0: None, 1: "actor", 2: "global"}


@dataclass(frozen=True)
class RateDecision:
    """The answer for one hit. `retry_after` is in seconds (0 when allowed or unknown)."""

    allowed: bool
    scope: Scope | None = None
    retry_after: float = 0.0
    degraded: bool = False


class RateLimiter:
    """Per-actor and global sliding-window limits over `window_seconds`."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: KeySpace,
        *,
        per_actor: int,
        global_limit: int,
        window_seconds: float,
        unavailable_policy: UnavailablePolicy = "allow",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if per_actor < 1 or global_limit < 1:
            raise ValueError("rate limits must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        if unavailable_policy not in ("allow", "deny"):
            raise ValueError("unavailable_policy must be 'allow' or 'deny'")
        self._keys = keys
        self._per_actor = per_actor
        self._global_limit = global_limit
        self._window_ms = window_seconds * 1000.0
        self._policy: UnavailablePolicy = unavailable_policy
        self._clock = clock
        self._script = redis.register_script(_SLIDING_WINDOW_LUA)
        self._degraded = False

    @property
    def degraded(self) -> bool:
        """True while the last call could not reach Redis."""
        return self._degraded

    async def hit(self, actor_id: str | int) -> RateDecision:
        """Count one hit for `actor_id` if both limits allow it; never raises for Redis outages."""
        now_ms = self._clock() * 1000.0
        try:
            allowed, scope, retry_ms = await self._script(
                keys=[self._keys.rate_limit_actor(actor_id), self._keys.rate_limit_global()],
                args=[
                    repr(now_ms),
                    repr(self._window_ms),
                    self._per_actor,
                    self._global_limit,
                    f"{now_ms:.3f}:{uuid.uuid4().hex}",
                ],
            )
        except (*UNAVAILABLE_ERRORS, RedisError) as exc:
            # Any Redis failure (also READONLY after a failover, OOM) degrades instead of
            # failing the update being handled.
            return self._unavailable(exc)
        if self._degraded:
            self._degraded = False
            log.info("rate_limiter.redis_recovered")
        return RateDecision(
            allowed=bool(allowed), scope=_SCOPES[int(scope)], retry_after=int(retry_ms) / 1000.0
        )

    def _unavailable(self, exc: BaseException) -> RateDecision:
        # Warn on the first failure of an outage only: at chat traffic rates a line per call
        # would bury everything else in the logs.
        if not self._degraded:
            self._degraded = True
            log.warning(
                "rate_limiter.redis_unavailable",
                policy=self._policy,
                error=f"{type(exc).__name__}: {exc}",
            )
        return RateDecision(allowed=self._policy == "allow", degraded=True)
