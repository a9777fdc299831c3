"""What one agent turn may spend on the hosted model: a time budget, and what it cost.

A turn runs under `turn_budget(seconds)` (a ContextVar, so the middlewares and tools of that run
see it): once the hosted model has failed or the budget is spent, the rest of the turn stays on
the offline fallback. Calls made outside the agent's messages (the listing writer) add their
tokens here, so a turn's counts and cost include them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from config.settings import LLMSettings


@dataclass
class TurnBudget:
    deadline: float  # time.monotonic() after which the hosted model is not waited for
    fell_back: str | None = None  # the cause, once the turn went to the fallback
    input_tokens: int = 0  # hosted-model tokens not carried by the agent's messages
    output_tokens: int = 0
    cost_usd: float = 0.0  # estimated cost of every hosted-model call of the turn

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: ContextVar[TurnBudget | None] = ContextVar("turn_budget", default=None)


@contextmanager
def turn_budget(seconds: float) -> Iterator[TurnBudget]:
    budget = TurnBudget(deadline=time.monotonic() + seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget() -> TurnBudget | None:
    return _current.get()


def estimated_cost(llm: LLMSettings, input_tokens: int, output_tokens: int) -> float:
    """US dollars at the configured per-million-token prices."""
    return (input_tokens * llm.input_usd_per_million
            + output_tokens * llm.output_usd_per_million) / 1_000_000
