"""The updates a bot is working on, so a shutdown can let them finish.

`UpdateIntake` is the Dispatcher's outermost update middleware: it counts an update from the
moment the Dispatcher starts on it (before the duplicate filter's Redis call) until its handler
returns. `drain()` waits, bounded, until none is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import Dispatcher
from aiogram.types import TelegramObject

log = structlog.get_logger(__name__)


class UpdateIntake:
    def __init__(self) -> None:
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        self.in_flight += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    def install(self, dispatcher: Dispatcher) -> None:
        """Register first among the update's outer middlewares (aiogram runs them in order), so
        an update counts as in flight before any other middleware awaits anything."""
        manager = dispatcher.update.outer_middleware
        others = list(manager)
        for middleware in others:
            manager.unregister(middleware)
        manager.register(self)
        for middleware in others:
            manager.register(middleware)

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109 - reports, never raises
        """Wait up to `timeout` seconds for the updates in progress; False if some remain."""
        await asyncio.sleep(0)  # tasks created just before the stop take their first step
        if self.in_flight:
            log.info("shutdown.draining", in_flight=self.in_flight, timeout=timeout)
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("shutdown.drain_timeout", in_flight=self.in_flight)
            return False
        return True
