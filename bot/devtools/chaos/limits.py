"""Scenarios where the bot must hold back or fall back: `throttle` (people over the per-person
rate limit) and `model-outage` (Gemini unreachable, then Gemini accepting connections and never
answering).

`throttle`: every chat sends a burst well over the limit. A throttled message must be answered
once its window reopens, or be told it will not be; a notice that it will be answered later is
not an answer (see people.NOT_ANSWERS). The chats are counted by totals (the burst puts several
messages of a chat in flight).

`model-outage`: the bot runs on Gemini (`LLM_PROVIDER=gemini`, `GEMINI_BASE_URL`) pointed at a
closed port, then at a socket that never answers; each message must still get one answer (the
fallback's) within the turn's time budget plus a margin for the rest of the turn.
"""

from __future__ import annotations

import asyncio
import time

from bot.devtools.bench.answers import AnswerCount, count_by_totals
from bot.devtools.bench.runner import QUESTIONS
from bot.devtools.chaos.harness import Harness, product
from bot.devtools.chaos.outcome import Outcome
from bot.devtools.chaos.people import ask, chat_log, people, settle
from bot.devtools.chaos.servers import free_port, silent_socket
from config.settings import LLMSettings

MODEL_BUDGET_S = 3.0  # LLM_TURN_BUDGET_SECONDS for model-outage
BUDGET_MARGIN_S = 5.0  # the rest of a turn (database, fallback, send) on a loaded machine


def count_answers(h: Harness, chat_id: int) -> AnswerCount:
    return count_by_totals(chat_log(h.state, chat_id), label=str(chat_id))


async def throttle(h: Harness, short: bool) -> Outcome:
    chats, burst, window = (2, 6, 4) if short else (10, 10, 6)
    started = time.perf_counter()
    process = h.bot("throttle", env={"REDIS_RATE_LIMIT_PER_ACTOR": "3",
                                     "REDIS_RATE_LIMIT_WINDOW_SECONDS": str(window)})
    persons = people(660_000_000, chats)
    ref = next(iter((await h.add_products({"throttle": product("iPhone throttle")})).values()))
    outcome = Outcome("throttle")
    async with h.running(process):
        mark = process.mark()

        async def burst_of(person: dict[str, object]) -> None:
            # the chat is opened first (the opening counts against the limit too), then the
            # burst: back to back, faster than the limit allows
            await ask(h.state, person, f"/start {ref}", 90.0)
            for number in range(burst - 1):
                await h.state.push_text(person, QUESTIONS[number % len(QUESTIONS)])
                await asyncio.sleep(0.05)

        await asyncio.gather(*(burst_of(person) for person in persons))
        # the throttled ones wait for their windows to reopen, one window per 3 of them
        await h.state.signal.wait_for(
            lambda: all(count_answers(h, p["id"]).lost == 0 for p in persons),
            window * (burst / 3 + 2) + 30)
        await asyncio.sleep(2.0)
        for person in persons:
            outcome.add_answers(count_answers(h, person["id"]))
        outcome.add_problems(process.problems(since=mark))
    outcome.details = {"per_person_limit": 3, "window_s": window, "burst": burst}
    outcome.seconds = time.perf_counter() - started
    return outcome


async def _outage_run(h: Harness, label: str, base_url: str, chats: int, base: int
                      ) -> tuple[Outcome, list[float]]:
    process = h.bot(f"model-outage-{label}", env={
        "LLM_PROVIDER": "gemini", "GOOGLE_API_KEY": "AIza" + "0" * 35,
        "GEMINI_BASE_URL": base_url, "LLM_TURN_BUDGET_SECONDS": str(MODEL_BUDGET_S)})
    ref = next(iter((await h.add_products({f"outage-{label}": product("iPhone outage")})
                     ).values()))
    persons = people(base, chats)
    outcome = Outcome(label)
    latencies: list[float] = []
    async with h.running(process):
        mark = process.mark()

        async def chat(person: dict[str, object]) -> None:
            for text in (f"/start {ref}", "¿En qué estado está?", "te ofrezco 500 €"):
                began = time.perf_counter()
                if not await ask(h.state, person, text, 60.0):
                    return
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(chat(person) for person in persons))
        await settle(h.state, persons, within=10.0, quiet=1.0)
        for person in persons:
            outcome.add_answers(count_by_totals(chat_log(h.state, person["id"]),
                                                label=str(person["id"])))
        outcome.add_problems(process.problems(since=mark))
    return outcome, latencies


async def model_outage(h: Harness, short: bool) -> Outcome:
    if "gemini_base_url" not in LLMSettings.model_fields:
        raise RuntimeError("not runnable on this code: GEMINI_BASE_URL is not a setting yet")
    chats = 2 if short else 6
    started = time.perf_counter()
    outcome = Outcome("model-outage")
    slowest: dict[str, float] = {}
    over_budget = 0
    async with silent_socket() as hung_port:
        for label, port, base in (("unreachable", free_port(), 670_000_000),
                                  ("hanging", hung_port, 671_000_000)):
            part, latencies = await _outage_run(h, label, f"http://127.0.0.1:{port}", chats,
                                                base)
            outcome.sent += part.sent
            outcome.answered_once += part.answered_once
            outcome.duplicated += part.duplicated
            outcome.lost += part.lost
            outcome.unhandled += part.unhandled
            outcome.examples += part.examples
            slowest[label] = round(max(latencies, default=0.0), 2)
            over_budget += sum(1 for s in latencies if s > MODEL_BUDGET_S + BUDGET_MARGIN_S)
    # an answer later than the budget allows is not the fallback the scenario asks for
    outcome.lost += over_budget
    outcome.answered_once -= min(over_budget, outcome.answered_once)
    outcome.details = {"turn_budget_s": MODEL_BUDGET_S, "slowest_reply_s": slowest,
                       "answers_over_budget": over_budget}
    outcome.seconds = time.perf_counter() - started
    return outcome
