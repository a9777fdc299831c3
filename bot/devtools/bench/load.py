"""The load: simulated people pushing messages into the local server and waiting for replies.

Two shapes. Saturation (closed loop): every chat sends its next message as soon as the reply
to the previous one arrives, for a fixed time. Steady rate (open loop): sends are scheduled at
fixed times whatever the replies do, so a slow bot cannot slow the load down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.bench.probes import TimedLocalBotApi

REPLY_TIMEOUT_SECONDS = 30.0

TextFor = Callable[[int, int], str]  # (chat index, message number) -> text


@dataclass
class PhaseResult:
    """What one phase measured; latencies in seconds."""

    sent: int = 0
    answered: int = 0
    timed_out: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    schedule_lags: list[float] = field(default_factory=list)  # open loop: push - planned time
    cpu: float = 0.0  # this process's CPU seconds (server, bot and load together)

    @property
    def rate(self) -> float:
        return self.answered / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_message(self) -> float:
        return self.cpu / self.answered if self.answered else 0.0


class ChatDriver:
    """Pushes a person's message and waits for the bot's next message in that chat."""

    def __init__(self, state: TimedLocalBotApi) -> None:
        self.state = state

    async def push(self, user: dict[str, Any], text: str) -> tuple[float, asyncio.Future[float]]:
        """Queue the update now; returns the push time and the reply's arrival (a future)."""
        pushed_at = time.perf_counter()
        reply = self.state.expect_reply(user["id"])
        await self.state.push_text(user, text)  # never suspends: the update is queued here
        return pushed_at, reply

    async def reply_latency(self, pushed_at: float, reply: asyncio.Future[float]
                            ) -> float | None:
        """Latency from push to reply on the server's clock; None when no reply came."""
        try:
            arrived = await asyncio.wait_for(reply, REPLY_TIMEOUT_SECONDS)
        except TimeoutError:
            return None
        return arrived - pushed_at

    async def send(self, user: dict[str, Any], text: str) -> float | None:
        return await self.reply_latency(*await self.push(user, text))


def _record(result: PhaseResult, latency: float | None) -> None:
    if latency is None:
        result.timed_out += 1
    else:
        result.answered += 1
        result.latencies.append(latency)


async def saturate(driver: ChatDriver, users: Sequence[dict[str, Any]], text_for: TextFor,
                   duration: float) -> PhaseResult:
    """Closed loop: each chat keeps exactly one message in flight until `duration` is over."""
    result = PhaseResult()
    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + duration

    async def chat(index: int, user: dict[str, Any]) -> None:
        number = 0
        while time.perf_counter() < deadline:
            result.sent += 1
            _record(result, await driver.send(user, text_for(index, number)))
            number += 1

    await asyncio.gather(*(chat(index, user) for index, user in enumerate(users)))
    result.elapsed, result.cpu = time.perf_counter() - start, time.process_time() - cpu
    return result


async def steady_rate(driver: ChatDriver, users: Sequence[dict[str, Any]], text_for: TextFor,
                      rate: float, duration: float) -> PhaseResult:
    """Open loop: `rate` messages per second in total, round-robin over the chats."""
    result = PhaseResult()
    interval = 1.0 / rate
    total = max(1, int(rate * duration))
    start = time.perf_counter() + 0.05
    pending: list[asyncio.Task[None]] = []

    async def wait(pushed_at: float, reply: asyncio.Future[float]) -> None:
        _record(result, await driver.reply_latency(pushed_at, reply))

    for index in range(total):
        planned = start + index * interval
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        chat = index % len(users)
        pushed_at, reply = await driver.push(users[chat], text_for(chat, index // len(users)))
        result.sent += 1
        result.schedule_lags.append(pushed_at - planned)
        pending.append(asyncio.create_task(wait(pushed_at, reply)))
    await asyncio.gather(*pending)
    result.elapsed = time.perf_counter() - start
    return result


async def open_chats(driver: ChatDriver, users: Sequence[dict[str, Any]],
                     first_text: Callable[[int], str]) -> PhaseResult:
    """Warm-up: each chat's first message (e.g. `/start <product>`), all at once."""
    result = PhaseResult()
    start = time.perf_counter()
    latencies = await asyncio.gather(*(driver.send(user, first_text(index))
                                       for index, user in enumerate(users)))
    for latency in latencies:
        result.sent += 1
        _record(result, latency)
    result.elapsed = time.perf_counter() - start
    return result
