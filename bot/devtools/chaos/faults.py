"""Scenarios that break what the bot stands on while messages flow: `worker-kill` (kill -9 of
the bot process, then a new one), `redis-outage` (Redis killed for a while, then started again,
empty) and `postgres-restart` (`pg_ctl restart -m fast`).

Every chat opens a product, then sends its questions one at a time, each after the previous
reply; a chat whose reply does not come within the timeout stops there, so a late reply is still
counted against the message it answers. Afterwards every chat is read back from the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from bot.devtools.bench.runner import QUESTIONS
from bot.devtools.chaos.bot_process import BotProcess
from bot.devtools.chaos.harness import Harness, product
from bot.devtools.chaos.outcome import Outcome
from bot.devtools.chaos.people import Person, ask, count, people, settle, unanswered


@dataclass(frozen=True)
class Flow:
    chats: int
    messages: int  # questions per chat, after the opening /start
    fault_after: float  # seconds into the flow
    timeout: float = 90.0  # for each reply (a restart on a loaded machine takes a while)
    pause: float = 0.3  # between a reply and the chat's next message


async def _chat(h: Harness, person: Person, ref: str, flow: Flow, stats: dict[str, int]) -> None:
    if not await ask(h.state, person, f"/start {ref}", flow.timeout):
        stats["stalled"] += 1
        return
    for number in range(flow.messages):
        await asyncio.sleep(flow.pause)
        if not await ask(h.state, person, QUESTIONS[(person["id"] + number) % len(QUESTIONS)],
                         flow.timeout):
            stats["stalled"] += 1
            return


async def run_flow(h: Harness, process: BotProcess, name: str, base: int, flow: Flow,
                   fault: Callable[[], Awaitable[dict[str, object]]]) -> Outcome:
    """The flow on a running bot, with `fault` injected `flow.fault_after` seconds in."""
    started, mark = time.perf_counter(), process.mark()
    refs = list((await h.add_products({f"{name}-{n}": product(f"iPhone 13 Pro {name} {n}")
                                       for n in range(3)})).values())
    persons = people(base, flow.chats)
    stats = {"stalled": 0}
    details: dict[str, object] = {}

    async def inject() -> None:
        await asyncio.sleep(flow.fault_after)
        details["in_flight_at_fault"] = unanswered(h.state, persons)
        details.update(await fault())

    await asyncio.gather(inject(), *(_chat(h, person, refs[index % len(refs)], flow, stats)
                                     for index, person in enumerate(persons)))
    await settle(h.state, persons, within=flow.timeout, quiet=1.5)
    outcome = Outcome(name).add_answers(count(h.state, persons))
    outcome.details = {**details, "chats_stopped_by_a_timeout": stats["stalled"]}
    outcome.add_problems(process.problems(since=mark))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def worker_kill(h: Harness, short: bool) -> Outcome:
    flow = Flow(chats=4, messages=4, fault_after=1.5) if short else \
        Flow(chats=20, messages=12, fault_after=3.0)
    process = await h.polling_bot()

    async def kill_and_restart() -> dict[str, object]:
        process.kill()
        await process.wait()
        began = time.perf_counter()
        await h.started(process)
        return {"kills": 1, "restart_s": round(time.perf_counter() - began, 1)}

    return await run_flow(h, process, "worker-kill", 610_000_000, flow, kill_and_restart)


async def _health(process: BotProcess) -> int | None:
    try:
        async with aiohttp.ClientSession() as session, session.get(
                f"{process.web_url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as answer:
            return answer.status
    except (aiohttp.ClientError, TimeoutError):
        return None


async def redis_outage(h: Harness, short: bool) -> Outcome:
    down = 4.0 if short else 10.0
    flow = Flow(chats=4, messages=6, fault_after=1.0) if short else \
        Flow(chats=20, messages=15, fault_after=2.0)
    process = await h.polling_bot()

    async def outage() -> dict[str, object]:
        h.servers.redis.kill()
        await asyncio.sleep(min(1.0, down / 2))
        health = await _health(process)
        await asyncio.sleep(down - min(1.0, down / 2))
        await asyncio.to_thread(h.servers.redis.start)
        return {"redis_down_s": down, "healthz_while_down": health}

    return await run_flow(h, process, "redis-outage", 620_000_000, flow, outage)


async def postgres_restart(h: Harness, short: bool) -> Outcome:
    flow = Flow(chats=4, messages=5, fault_after=1.0) if short else \
        Flow(chats=20, messages=12, fault_after=2.0)
    process = await h.polling_bot()

    async def restart() -> dict[str, object]:
        began = time.perf_counter()
        await asyncio.to_thread(h.servers.postgres.restart)
        return {"restart_s": round(time.perf_counter() - began, 1)}

    return await run_flow(h, process, "postgres-restart", 630_000_000, flow, restart)
