"""How long one agent turn may wait for the hosted model (its tokens: agents/turn_meter.py).

A turn runs under `turn_budget(seconds)` (a ContextVar, so the middlewares and tools of that run
see it): once the hosted model has failed or the budget is spent, the rest of the turn stays on
the offline fallback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class TurnBudget:
    deadline: float  # time.monotonic() after which the hosted model is not waited for
    fell_back: str | None = None  # the cause, once the turn went to the fallback

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

