"""The sliding-window limiter: exact under concurrency, both limits in one step, outages."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from storage.rate_limiter import RateDecision, RateLimiter
from storage.redis_client import create_redis
from storage.redis_keys import KeySpace


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_concurrent_hits_of_one_actor_let_exactly_the_limit_through(
    redis: aioredis.Redis, keys: KeySpace
) -> None:
    limiter = RateLimiter(redis, keys, per_actor=7, global_limit=10_000, window_seconds=60)
    decisions = await asyncio.gather(*(limiter.hit("seller-1") for _ in range(200)))
    allowed = [d for d in decisions if d.allowed]
    denied = [d for d in decisions if not d.allowed]
    assert len(allowed) == 7
    assert {d.scope for d in denied} == {"actor"}
    assert all(0 < d.retry_after <= 60 for d in denied)
    assert not any(d.degraded for d in decisions)
    assert await redis.zcard(keys.rate_limit_actor("seller-1")) == 7


async def test_concurrent_hits_of_many_actors_let_exactly_the_global_limit_through(
    redis: aioredis.Redis, keys: KeySpace
) -> None:
    limiter = RateLimiter(redis, keys, per_actor=1_000, global_limit=13, window_seconds=60)
    decisions = await asyncio.gather(*(limiter.hit(f"buyer-{i % 25}") for i in range(200)))
    assert sum(d.allowed for d in decisions) == 13
    assert {d.scope for d in decisions if not d.allowed} == {"global"}
    assert await redis.zcard(keys.rate_limit_global()) == 13
    # Refused hits were not recorded in the actors' windows either.
    per_actor = [await redis.zcard(keys.rate_limit_actor(f"buyer-{i}")) for i in range(25)]
    assert sum(per_actor) == 13


async def test_a_refused_hit_counts_against_neither_window(
    redis: aioredis.Redis, keys: KeySpace
) -> None:
    limiter = RateLimiter(redis, keys, per_actor=2, global_limit=3, window_seconds=60)
    assert [(await limiter.hit("a")).allowed for _ in range(3)] == [True, True, False]
    assert await redis.zcard(keys.rate_limit_global()) == 2  # a's refused hit not counted
    assert (await limiter.hit("b")).allowed
    refused = await limiter.hit("b")
    assert (refused.allowed, refused.scope) == (False, "global")
    assert await redis.zcard(keys.rate_limit_actor("b")) == 1


async def test_the_window_slides_with_the_clock(redis: aioredis.Redis, keys: KeySpace) -> None:
    clock = FakeClock()
    start = clock.now
    limiter = RateLimiter(
        redis, keys, per_actor=3, global_limit=100, window_seconds=10, clock=clock
    )
    for offset in (0.0, 1.0, 2.0):
        clock.now = start + offset
        assert (await limiter.hit("x")).allowed
    clock.now = start + 5.0
    refused = await limiter.hit("x")
    assert (refused.allowed, refused.scope) == (False, "actor")
    assert refused.retry_after == pytest.approx(5.0, abs=0.01)  # the hit at 0 leaves at 10
    clock.now = start + 10.0
    assert (await limiter.hit("x")).allowed
    clock.now = start + 10.5
    assert (await limiter.hit("x")).retry_after == pytest.approx(0.5, abs=0.01)


async def test_windows_expire_with_the_window(redis: aioredis.Redis, keys: KeySpace) -> None:
    limiter = RateLimiter(redis, keys, per_actor=5, global_limit=5, window_seconds=2)
    await limiter.hit("x")
    for key in (keys.rate_limit_actor("x"), keys.rate_limit_global()):
        assert 0 < await redis.pttl(key) <= 2000


@pytest.mark.parametrize("policy,allowed", [("allow", True), ("deny", False)])
async def test_unreachable_redis_follows_the_policy_and_warns_once(
    dead_redis: aioredis.Redis, keys: KeySpace, policy: str, allowed: bool
) -> None:
    limiter = RateLimiter(
        dead_redis, keys, per_actor=1, global_limit=1, window_seconds=60,
        unavailable_policy=policy,  # type: ignore[arg-type]
    )
    with capture_logs() as logs:
        decisions = await asyncio.gather(*(limiter.hit(f"a{i % 3}") for i in range(40)))
        decisions.append(await limiter.hit("a0"))
    assert set(decisions) == {RateDecision(allowed=allowed, degraded=True)}
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["event"] == "rate_limiter.redis_unavailable"
    assert warnings[0]["policy"] == policy
    assert limiter.degraded


async def test_a_redis_error_degrades_instead_of_raising(
    redis: aioredis.Redis, keys: KeySpace
) -> None:
    await redis.set(keys.rate_limit_actor("clash"), "not a sorted set", px=5000)
    limiter = RateLimiter(
        redis, keys, per_actor=5, global_limit=5, window_seconds=60, unavailable_policy="deny"
    )
    decision = await limiter.hit("clash")
    assert (decision.allowed, decision.degraded) == (False, True)


async def test_outage_and_recovery_log_once_each(
    redis_url: str, keys: KeySpace, missing_socket: Path
) -> None:
    client = create_redis(f"unix://{missing_socket}")
    limiter = RateLimiter(client, keys, per_actor=100, global_limit=100, window_seconds=60)
    try:
        with capture_logs() as logs:
            for _ in range(5):
                assert (await limiter.hit("a")).degraded
            # Redis "comes back" at the configured path.
            os.symlink(redis_url.removeprefix("unix://"), missing_socket)
            recovered = await limiter.hit("a")
            assert (recovered.allowed, recovered.degraded) == (True, False)
            assert not limiter.degraded
            # And goes away again: a new outage warns again.
            os.unlink(missing_socket)
            await client.connection_pool.disconnect()
            for _ in range(5):
                assert (await limiter.hit("a")).degraded
    finally:
        await client.aclose()
    events = [entry["event"] for entry in logs]
    assert events == [
        "rate_limiter.redis_unavailable",
        "rate_limiter.redis_recovered",
        "rate_limiter.redis_unavailable",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"per_actor": 0, "global_limit": 1, "window_seconds": 1},
        {"per_actor": 1, "global_limit": 0, "window_seconds": 1},
        {"per_actor": 1, "global_limit": 1, "window_seconds": 0},
        {"per_actor": 1, "global_limit": 1, "window_seconds": 1, "unavailable_policy": "maybe"},
    ],
)
def test_bad_configuration_is_refused(
    redis: aioredis.Redis, keys: KeySpace, kwargs: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        RateLimiter(redis, keys, **kwargs)  # type: ignore[arg-type]
