"""The scenarios by name, in the order a full run takes them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from bot.devtools.chaos import faults, fuzz, limits, redelivery
from bot.devtools.chaos.harness import Harness
from bot.devtools.chaos.outcome import Outcome

Scenario = Callable[[Harness, bool], Awaitable[Outcome]]

SCENARIOS: dict[str, Scenario] = {
    "redelivery": redelivery.redelivery,
    "worker-kill": faults.worker_kill,
    "redis-outage": faults.redis_outage,
    "postgres-restart": faults.postgres_restart,
    "model-outage": limits.model_outage,
    "throttle": limits.throttle,
    "fuzz": fuzz.fuzz,
}


async def run_scenario(h: Harness, name: str, *, short: bool = False) -> Outcome:
    """Run one scenario; a scenario that cannot run at all is reported as one unhandled
    problem (with the reason), never as a clean result."""
    started = time.perf_counter()
    try:
        outcome = await SCENARIOS[name](h, short)
    except Exception as error:  # the suite goes on with the next scenario
        outcome = Outcome(name, unhandled=1,
                          examples=[f"scenario failed: {type(error).__name__}: {error}"[:500]])
    outcome.seconds = time.perf_counter() - started
    return outcome
