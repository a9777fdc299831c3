"""One negotiation benchmark run: simulated buyers haggle with the whole bot.

The stack of the load benchmark (bot.devtools.bench.stack: embedded PostgreSQL and Redis, a
throwaway database, the local Bot API server, the real Dispatcher on the offline model) with one
published product per scenario. Each buyer opens its product's chat with the deep link and haggles
in text; it reads the bot's price from the reply (the Accept button, else the figures in the text)
and the deal from the database (the accepted offer), as the seller would see it.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from agents.intents_amounts import find_amounts, fold
from bot.devtools.bench.load import ChatDriver
from bot.devtools.bench.stack import Stack, bench_settings, polling, running_stack
from bot.devtools.negotiation_bench.buyer import SimulatedBuyer
from bot.devtools.negotiation_bench.results import Outcome, summarize
from bot.devtools.negotiation_bench.scenarios import Scenario, make_scenarios
from config.settings import Settings
from storage.models import Offer, OfferStatus, Product

MAX_BUYER_TURNS = 20
SELLER_ID = 700_950_001
BUYER_BASE = 950_000_000
_FINAL = re.compile(r"ultima oferta|final offer|no puedo bajar mas|can'?t go any lower|"
                    r"lo maximo que puedo|best i can do")


@dataclass
class BenchOptions:
    scenarios: int = 60
    seed: int = 7
    concurrency: int = 8


def _products(scenarios: list[Scenario]) -> dict[str, dict[str, Any]]:
    return {f"p{s.number}": {
        "seller": "seller", "title": s.title, "price": str(s.price), "min_price": str(s.floor),
        "currency": s.currency, "condition": "used",
        "description": f"{s.title}. Buen estado, poco uso, con todo lo que se ve en las fotos.",
    } for s in scenarios}


def bot_price(views: list[dict[str, Any]], mine: Decimal) -> tuple[Decimal | None, bool]:
    """The bot's price in its reply (its counter, or the asking price it named) and whether
    it called that final."""
    text = "\n".join(view["text"] for view in views)
    for view in reversed(views):
        for row in view["buttons"]:
            for button in row:
                amounts, _ = find_amounts(button["text"], fold(button["text"]))
                if amounts:
                    return amounts[0], bool(_FINAL.search(fold(text)))
    amounts = [a for a in find_amounts(text, fold(text))[0] if a != mine]
    return (max(amounts) if amounts else None), bool(_FINAL.search(fold(text)))


async def _deal(stack: Stack, product_ref: str) -> Decimal | None:
    async with stack.runtime.session_factory() as session:
        return await session.scalar(
            select(Offer.amount).join(Product, Product.id == Offer.product_id)
            .where(Product.public_ref == product_ref, Offer.status == OfferStatus.ACCEPTED))


async def haggle(stack: Stack, driver: ChatDriver, scenario: Scenario, ref: str) -> Outcome:
    """One buyer's whole negotiation; the outcome as the database records it."""
    user = {"id": BUYER_BASE + scenario.number, "first_name": f"Buyer{scenario.number}",
            "language_code": scenario.language}
    buyer = SimulatedBuyer(scenario.price, scenario.target_ratio, scenario.bottomline,
                           scenario.language, scenario.currency,
                           random.Random(scenario.number))
    await driver.send(user, f"/start {ref}")
    seen = max((v["message_id"] for v in await stack.state.bot_messages(user["id"])), default=0)
    move, turns, errors = buyer.opening(), 0, 0
    while move.text is not None and turns < MAX_BUYER_TURNS:
        turns += 1
        if await driver.send(user, move.text) is None:
            errors += 1
            break
        views = await stack.state.bot_messages(user["id"], seen)
        seen = max([seen, *(v["message_id"] for v in views)])
        deal = await _deal(stack, ref)
        if deal is not None:
            return Outcome(scenario, deal, turns, errors)
        if move.kind == "accept":
            break  # the buyer said yes and no deal came of it
        price, final = bot_price(views, buyer.offers[-1])
        move = buyer.respond(price, final, accepted=False)
    return Outcome(scenario, None, turns, errors)


async def run_negotiation_bench(settings: Settings, options: BenchOptions,
                                say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    scenarios = make_scenarios(options.scenarios, options.seed)
    async with running_stack(bench_settings(settings)) as stack:
        refs = await stack.add_products(
            _products(scenarios),
            {"seller": {"telegram_id": SELLER_ID, "name": "Vera", "language": "es"}})
        driver = ChatDriver(stack.state)
        gate = asyncio.Semaphore(options.concurrency)

        async def one(scenario: Scenario) -> Outcome:
            async with gate:
                return await haggle(stack, driver, scenario, refs[f"p{scenario.number}"])

        say(f"{len(scenarios)} buyers haggle, {options.concurrency} at a time")
        async with polling(stack.pipeline_dispatcher(), stack.bot(), stack.state):
            outcomes = await asyncio.gather(*(one(s) for s in scenarios))
    return summarize(outcomes, {"scenarios": options.scenarios, "seed": options.seed})
