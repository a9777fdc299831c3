"""One benchmark run: the echo bot, then the whole pipeline, on the same local server.

Buyers chat about published products with the offline model; every phase uses chats of its
own, so no message id is ever reused (the service would take it for a redelivery). With a model
latency, two more phases run with every model call waiting that long: the saturation load on
chats of their own, and 10 buyers haggling over one product. While the pipeline runs,
`pg_stat_activity` is sampled; at the end every pipeline chat is checked for messages answered
never or twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.devtools.bench.answers import AnswerCount, count_chats, log_of_views
from bot.devtools.bench.load import (
    REPLY_TIMEOUT_SECONDS,
    ChatDriver,
    PhaseResult,
    TextFor,
    open_chats,
    saturate,
    steady_rate,
)
from bot.devtools.bench.model_bound import OFFER_CHATS, WindowResult, offer_text, windowed_loop
from bot.devtools.bench.pg_activity import sampling
from bot.devtools.bench.probes import ErrorCounter, TimedLocalBotApi, peak_rss_mb
from bot.devtools.bench.results import summarize
from bot.devtools.bench.stack import Stack, bench_settings, echo_dispatcher, polling, running_stack
from bot.devtools.bench.workers import WorkersResult, workers_phase
from bot.devtools.local_api.views import message_view
from config.settings import Settings

SELLERS = {"vera": {"telegram_id": 700_900_001, "name": "Vera", "language": "es"}}
PRODUCTS = {
    "phone": {"seller": "vera", "title": "iPhone 13 Pro 128GB azul", "price": "650",
              "min_price": "560", "condition": "used",
              "description": "iPhone 13 Pro de 128 GB, batería al 89%, con caja y cargador "
                             "original. Sin golpes ni arañazos."},
    "bike": {"seller": "vera", "title": "Bicicleta Trek Marlin 5 talla M", "price": "350",
             "min_price": "300", "condition": "used",
             "description": "Bicicleta de montaña Trek Marlin 5, talla M, frenos de disco, "
                            "revisada este mes. Poco uso."},
    "haggled": {"seller": "vera", "title": "iPhone 13 Pro 256GB grafito", "price": "650",
                "min_price": "560", "condition": "used",
                "description": "iPhone 13 Pro de 256 GB en grafito, batería al 91%, con funda y "
                               "cargador. Pantalla sin rayas."},
    "sofa": {"seller": "vera", "title": "Sofá IKEA Kivik 3 plazas gris", "price": "180",
             "min_price": "140", "condition": "used",
             "description": "Sofá de tres plazas IKEA Kivik en gris claro, fundas lavadas, sin "
                            "manchas. Recogida en Madrid."},
}
# What buyers ask, in turn; every chat starts at a different point of the cycle.
QUESTIONS = (
    "¿Sigue disponible?",
    "¿En qué estado está?",
    "¿Cuánto cuesta?",
    "¿Dónde se puede recoger?",
    "¿Tiene algún defecto?",
    "¿Me lo puedes enviar?",
)
OFFERED = "haggled"  # the product the offer phase haggles over; the others take questions
ECHO_BASE, ECHO_STEADY_BASE = 800_000_000, 810_000_000
BUYER_BASE, BUYER_STEADY_BASE = 900_000_000, 910_000_000
SLOW_BASE, OFFER_BASE, WORKER_BASE = 920_000_000, 930_000_000, 940_000_000
SETTLE_SECONDS = 60.0  # how long the end of a phase waits for replies still on their way


@dataclass
class BenchOptions:
    duration: float = 10.0
    chats: int = 50
    rate: float = 50.0
    latency_chats: int = 100
    model_latency: float = 0.0  # seconds each model call waits in the model-bound phases
    workers: int = 0  # >0: the saturation load on 1 and on this many worker processes


def people(base: int, count: int) -> list[dict[str, Any]]:
    return [{"id": base + n + 1, "first_name": f"Buyer{n + 1}", "language_code": "es"}
            for n in range(count)]


def question(chat: int, number: int) -> str:
    return QUESTIONS[(chat + number) % len(QUESTIONS)]


def chat_logs(state: TimedLocalBotApi, users: Sequence[dict[str, Any]]
              ) -> list[tuple[str, list[tuple[bool, str]]]]:
    logs = []
    for user in users:
        chat = state.chat(user["id"])
        if chat is not None:
            views = [message_view(m) for m in chat.messages.values() if not m.deleted]
            logs.append((str(user["id"]), log_of_views(views)))
    return logs


async def settle(state: TimedLocalBotApi, users: Sequence[dict[str, Any]], quiet: float
                 ) -> None:
    """Wait (bounded) until every message in these chats has a reply, then `quiet` seconds
    more, so a late second answer is seen too."""
    await state.signal.wait_for(
        lambda: not count_chats(chat_logs(state, users), open_loop=True).lost, SETTLE_SECONDS)
    await asyncio.sleep(quiet)


def bot_messages_in(state: TimedLocalBotApi, users: Sequence[dict[str, Any]]) -> int:
    total = 0
    for user in users:
        chat = state.chat(user["id"])
        if chat is not None:
            total += sum(1 for message in chat.messages.values() if message.from_bot)
    return total


def _counts(stack: Stack) -> dict[str, int]:
    return {
        "model_calls": stack.model.calls,
        "db_round_trips": stack.database.round_trips,
        "db_statements": stack.database.statements,
        "db_transactions": stack.database.transactions,
        "db_checkouts": stack.database.checkouts,
        "redis_calls": stack.redis.calls,
    }


async def _echo_phases(stack: Stack, driver: ChatDriver, options: BenchOptions,
                       say: Callable[[str], None]) -> tuple[PhaseResult, PhaseResult]:
    saturating = people(ECHO_BASE, options.chats)
    steady_chats = people(ECHO_STEADY_BASE, options.latency_chats)
    async with polling(echo_dispatcher(), stack.bot(), stack.state):
        await open_chats(driver, saturating + steady_chats, lambda _: "hola")
        say(f"echo bot: saturating {options.chats} chats for {options.duration} s")
        saturation = await saturate(driver, saturating, question, options.duration)
        say(f"echo bot: {options.rate} msg/s over {options.latency_chats} chats")
        steady = await steady_rate(driver, steady_chats, question, options.rate,
                                   options.duration)
    return saturation, steady


async def _pipeline_phases(stack: Stack, driver: ChatDriver, options: BenchOptions,
                           refs: list[str], say: Callable[[str], None]
                           ) -> tuple[PhaseResult, PhaseResult, dict[str, int], int]:
    """Saturation and steady rate through the whole bot; also the probes' deltas over both
    and the replies they brought."""
    saturating = people(BUYER_BASE, options.chats)
    steady_chats = people(BUYER_STEADY_BASE, options.latency_chats)
    everyone = saturating + steady_chats
    opening: TextFor = lambda chat, _: question(chat, 0)  # noqa: E731
    async with polling(stack.pipeline_dispatcher(), stack.bot(), stack.state):
        say(f"pipeline: {len(everyone)} buyers open a product")
        warm = await open_chats(driver, everyone,
                                lambda index: f"/start {refs[index % len(refs)]}")
        if warm.timed_out:  # counted with the rest at the end (lost, or answered late)
            say(f"pipeline: {warm.timed_out} buyers got no answer to /start within "
                f"{REPLY_TIMEOUT_SECONDS:.0f} s")
        await saturate(driver, saturating, opening, 1.0)  # warm caches, not measured
        before, replies_before = _counts(stack), bot_messages_in(stack.state, everyone)
        say(f"pipeline: saturating {options.chats} chats for {options.duration} s")
        saturation = await saturate(driver, saturating, question, options.duration)
        say(f"pipeline: {options.rate} msg/s over {options.latency_chats} chats")
        steady = await steady_rate(driver, steady_chats, question, options.rate,
                                   options.duration)
        after, replies_after = _counts(stack), bot_messages_in(stack.state, everyone)
        await settle(stack.state, everyone, quiet=0.5)
    counts = {key: after[key] - before[key] for key in after}
    return saturation, steady, counts, replies_after - replies_before


async def _slow_loop(stack: Stack, driver: ChatDriver, users: list[dict[str, Any]],
                     text_for: TextFor, options: BenchOptions) -> WindowResult:
    latency = options.model_latency
    stack.model.latency = latency
    calls = stack.model.calls
    try:
        result = await windowed_loop(driver, users, text_for, warmup=max(1.0, 2 * latency),
                                     window=options.duration)
        await settle(stack.state, users, quiet=latency + 0.5)
    finally:
        stack.model.latency = 0.0
    result.model_calls = stack.model.calls - calls
    return result


async def _model_bound_phases(stack: Stack, driver: ChatDriver, options: BenchOptions,
                              refs: dict[str, str], say: Callable[[str], None]
                              ) -> tuple[WindowResult, WindowResult, list[dict[str, Any]]]:
    """The saturation load, then 10 buyers haggling over one product, with the model slow."""
    asking = [ref for name, ref in refs.items() if name != OFFERED]
    slow = people(SLOW_BASE, options.chats)
    haggling = people(OFFER_BASE, OFFER_CHATS)
    async with polling(stack.pipeline_dispatcher(), stack.bot(), stack.state):
        say(f"pipeline: {len(slow) + len(haggling)} more buyers open a product")
        await open_chats(driver, slow, lambda index: f"/start {asking[index % len(asking)]}")
        await open_chats(driver, haggling, lambda _: f"/start {refs[OFFERED]}")
        say(f"pipeline, model latency {options.model_latency} s: {len(slow)} chats for "
            f"{options.duration} s")
        asked = await _slow_loop(stack, driver, slow, question, options)
        say(f"pipeline, model latency {options.model_latency} s: {len(haggling)} chats "
            f"making offers on one product for {options.duration} s")
        offered = await _slow_loop(stack, driver, haggling, offer_text, options)
    return asked, offered, slow + haggling


async def _worker_phases(stack: Stack, driver: ChatDriver, options: BenchOptions,
                         refs: dict[str, str], say: Callable[[str], None]
                         ) -> list[WorkersResult]:
    """One worker, then `options.workers`, each on chats of its own, with no model wait:
    where one worker is CPU-bound, more processes should take more."""
    asking = [ref for name, ref in refs.items() if name != OFFERED]
    results = []
    for count in sorted({1, options.workers}):
        chats = people(WORKER_BASE + count * 100_000, options.chats)
        say(f"{count} worker process(es) behind webhook delivery: {len(chats)} chats for "
            f"{options.duration} s")
        results.append(await workers_phase(
            stack, driver, count, chats, lambda index: f"/start {asking[index % len(asking)]}",
            question, options.duration, 0.0,
            settle=lambda users: settle(stack.state, users, quiet=0.5),
            logs=lambda users: chat_logs(stack.state, users)))
    return results


async def run_bench(settings: Settings, options: BenchOptions,
                    say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run every phase and return the figures (see results.summarize)."""
    async with running_stack(bench_settings(settings)) as stack:
        driver = ChatDriver(stack.state)
        echo_saturation, echo_steady = await _echo_phases(stack, driver, options, say)
        refs = await stack.add_products(PRODUCTS, SELLERS)
        asked = offered = None
        workers: list[WorkersResult] = []
        with ErrorCounter() as errors:
            async with sampling(stack.admin_dsn, stack.database_name) as activity:
                saturation, steady, counts, replies = await _pipeline_phases(
                    stack, driver, options, [r for n, r in refs.items() if n != OFFERED], say)
                closed_loop = people(BUYER_BASE, options.chats)
                if options.model_latency:
                    asked, offered, slow_chats = await _model_bound_phases(
                        stack, driver, options, refs, say)
                    closed_loop += slow_chats
                if options.workers:
                    workers = await _worker_phases(stack, driver, options, refs, say)
        answers: AnswerCount = count_chats(chat_logs(stack.state, closed_loop)).add(
            count_chats(chat_logs(stack.state, people(BUYER_STEADY_BASE, options.latency_chats)),
                        open_loop=True))
        for result in workers:
            answers.lost += result.lost
            answers.duplicated += result.duplicates
        return summarize(
            echo_saturation=echo_saturation, echo_steady=echo_steady, saturation=saturation,
            steady=steady, counts=counts, replies=replies, errors=errors.errors,
            first_error=errors.first, peak_rss_mb=peak_rss_mb(), activity=activity,
            answers=answers, asked=asked, offered=offered, workers=workers,
            options={"duration": options.duration, "chats": options.chats, "rate": options.rate,
                     "latency_chats": options.latency_chats,
                     "model_latency_s": options.model_latency, "workers": options.workers})
