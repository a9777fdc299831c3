"""Waking long polls: coroutines wait for a condition, every state change re-checks them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeSignal:
    """Notify-all wake-ups built on plain futures, so no waiter is bound to a stale loop."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self._epoch = 0

    def notify(self) -> None:
        """Something changed: every waiter re-checks its condition."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def interrupt(self) -> None:
        """Make every current waiter return now (server shutdown)."""
        self._epoch += 1
        self.notify()

    async def wait_for(self, check: Callable[[], T], seconds: float) -> T:
        """Return `check()` as soon as it is truthy, or its last value after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        epoch = self._epoch
        while True:
            result = check()
            remaining = deadline - loop.time()
            if result or remaining <= 0 or epoch != self._epoch:
                return result
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
