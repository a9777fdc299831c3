"""The model-bound phases: the same closed loop with every model call made to wait.

A worker whose turns hold no connection across a model call is bounded by the model, not by its
pool: N chats, each waiting L seconds per model call and c calls per message, give at most
N / (L x c) messages a second, and never more than the process manages with no wait at all
(its CPU). The phase measures the rate in a window that opens after a warm-up (all chats start
together, so the first replies come in waves), which the ideal is compared with.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.bench.load import REPLY_TIMEOUT_SECONDS, ChatDriver, TextFor

OFFER_CHATS = 10  # buyers haggling over one product at once


@dataclass
class WindowResult:
    """A closed loop measured in a window; counts over the whole phase unless named so."""

    sent: int = 0
    answered: int = 0
    timed_out: int = 0
    in_window: int = 0
    window: float = 0.0
    model_calls: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.in_window / self.window if self.window else 0.0

    @property
    def calls_per_message(self) -> float:
        return self.model_calls / self.answered if self.answered else 0.0


async def windowed_loop(driver: ChatDriver, users: Sequence[dict[str, Any]], text_for: TextFor,
                        *, warmup: float, window: float) -> WindowResult:
    """Closed loop for `warmup + window` seconds; replies arriving in the window are counted."""
    result = WindowResult(window=window)
    start = time.perf_counter()
    opens, closes = start + warmup, start + warmup + window

    async def chat(index: int, user: dict[str, Any]) -> None:
        number = 0
        while time.perf_counter() < closes:
            pushed_at, reply = await driver.push(user, text_for(index, number))
            result.sent += 1
            number += 1
            try:
                arrived = await asyncio.wait_for(reply, REPLY_TIMEOUT_SECONDS)
            except TimeoutError:
                result.timed_out += 1
                continue
            result.answered += 1
            result.latencies.append(arrived - pushed_at)
            if opens <= arrived <= closes:
                result.in_window += 1

    await asyncio.gather(*(chat(index, user) for index, user in enumerate(users)))
    return result


def ideal_rate(chats: int, latency: float, calls_per_message: float, cpu_bound: float) -> float:
    """The lesser of the model bound and the same process's rate with no model wait."""
    if latency <= 0 or calls_per_message <= 0:
        return cpu_bound
    return min(chats / (latency * calls_per_message), cpu_bound)


def offer_text(chat: int, number: int) -> str:
    """A buyer's offer on the shared product, always under its floor (so none is accepted and
    every message is a negotiation step), in words that vary."""
    amount = 420 + 5 * ((chat * 3 + number) % 20)  # 420..515; the floor is 560
    wordings = ("te ofrezco {} €", "¿me lo dejas en {}?", "te doy {} por él", "I can offer {}",
                "would you take {}?")
    return wordings[(chat + number) % len(wordings)].format(amount)
