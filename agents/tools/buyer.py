"""Buyer chat tools: scoped to the product whose chat the buyer opened.

Each returns a JSON-serialisable dict; problems come back as {"error", "message"} so the model
can phrase them. The floor price appears in no result. Reads open a short transaction; a tool
that changes something is a `ctx.effect`, done once per turn however often the turn runs.
"""

from __future__ import annotations

from typing import Any

from langchain.tools import ToolRuntime, tool

from agents import negotiating
from agents.buyer_facts import (
    BUTTON_TITLE_CHARS,
    OPEN_PRODUCT,
    OPEN_QUESTIONS_KEPT,
    availability,
    product_card,
    product_facts,
)
from agents.intents import question_key
from agents.search_matching import Listed, ranked
from agents.texts import text as render
from agents.turn_context import Button, Notification, TurnContext, tool_error
from storage.repositories import products as products_repo

Runtime = ToolRuntime[TurnContext]
SEARCH_RESULTS = 5


@tool
async def search_products(query: str, runtime: Runtime, max_price: float | None = None
                          ) -> dict[str, Any]:
    """Search products on sale by words (and an optional maximum price). Each result has its
    status (available, reserved, sold); the reply gets a button to open each one."""
    ctx = runtime.context
    async with ctx.transaction() as session:
        candidates = await products_repo.search_candidates(session, max_price=max_price)
        by_id = {p.id: p for p in candidates}
        order = ranked(query, [Listed(p.id, p.title or "", p.category_name or "",
                                      p.description or "") for p in candidates])
        found = [by_id[pid] for pid in order[:SEARCH_RESULTS]]  # type: ignore[index]
        cards = [product_card(p) for p in found]
    ctx.buttons = [[Button(f"{render('btn_open_product', ctx.language)} "
                           f"{_short(p.title or '?')}", f"{OPEN_PRODUCT}{p.public_ref}")]
                   for p in found if p.public_ref]
    return {"products": cards}


def _short(title: str) -> str:
    return title if len(title) <= BUTTON_TITLE_CHARS else title[:BUTTON_TITLE_CHARS - 1] + "…"


@tool
async def product_details(runtime: Runtime) -> dict[str, Any]:
    """The stored facts of the product in this chat: title, description, price, condition,
    category, status and attributes. Answer only from these facts."""
    product = runtime.context.product  # the turn's snapshot, read as the turn began
    if product is None:
        return tool_error("no_product", "This chat is not about a product.")
    return {"product": product_facts(product)}


@tool
async def check_availability(runtime: Runtime) -> dict[str, Any]:
    """Whether the product in this chat is still available (or reserved, sold, paused)."""
    product = runtime.context.product  # the turn's snapshot (make_offer decides on fresh rows)
    if product is None:
        return tool_error("no_product", "This chat is not about a product.")
    status = availability(product)
    return {"available": status == "available", "status": status}


@tool
async def make_offer(amount: float, runtime: Runtime, final: bool = False) -> dict[str, Any]:
    """Register the buyer's price offer; final=True when the buyer calls it their last offer
    ("venga 250 última oferta", "final offer 250"). Returns the decision: accept, counter (with
    the counter amount) or decline. Phrase the decision; never invent another figure."""
    ctx = runtime.context
    return await ctx.effect("make_offer",
                            lambda: negotiating.make_offer(ctx, amount, final=final))


@tool
async def accept_counter(runtime: Runtime) -> dict[str, Any]:
    """The buyer accepts the bot's standing counter-offer: reserves the product at that price."""
    ctx = runtime.context
    return await ctx.effect("accept_counter", lambda: negotiating.accept_counter(ctx))


@tool
async def propose_meeting(place: str, time: str, runtime: Runtime) -> dict[str, Any]:
    """Propose a place and time to meet the seller for the hand-over."""
    ctx = runtime.context
    return await ctx.effect("propose_meeting", lambda: _propose_meeting(ctx, place, time))


async def _propose_meeting(ctx: TurnContext, place: str, time: str) -> dict[str, Any]:
    if ctx.product is None:
        return tool_error("no_product", "This chat is not about a product.")
    place, time = place.strip()[:200], time.strip()[:100]
    if not place:
        return tool_error("bad_place", "A meeting needs a place.")
    ctx.conversation.meeting_place, ctx.conversation.meeting_time = place, time or None
    ctx.events.append("meeting_proposed")
    _tell_seller(ctx, "seller_meeting", place=place, time=time or "?")
    return {"forwarded_to_seller": True, "place": place, "time": time}


@tool
async def ask_seller(question: str, runtime: Runtime) -> dict[str, Any]:
    """Forward a question the stored facts cannot answer to the seller. Say that you asked;
    do not guess the answer. A question already forwarded and not answered yet is not sent
    again (already_asked): say the seller was asked and the answer will follow."""
    ctx = runtime.context
    return await ctx.effect("ask_seller", lambda: _ask_seller(ctx, question))


async def _ask_seller(ctx: TurnContext, question: str) -> dict[str, Any]:
    if ctx.product is None:
        return tool_error("no_product", "This chat is not about a product.")
    question = question.strip()[:500]
    if not question:
        return tool_error("bad_question", "The question is empty.")
    ctx.events.append("question")
    asked = list(ctx.conversation.open_questions or [])
    if (key := question_key(question)) in asked:
        return {"forwarded_to_seller": True, "already_asked": True, "question": question}
    ctx.conversation.open_questions = [*asked, key][-OPEN_QUESTIONS_KEPT:]
    _tell_seller(ctx, "seller_question", question=question)
    return {"forwarded_to_seller": True, "question": question}


def _tell_seller(ctx: TurnContext, key: str, **values: str) -> None:
    assert ctx.product is not None
    ctx.notifications.append(Notification(
        key, {**values, "buyer": ctx.buyer.name if ctx.buyer else "?",
              "title": ctx.product.title or ""},
        seller_id=ctx.product.seller_id,
    ))


BUYER_TOOLS = [search_products, product_details, check_availability, make_offer,
               accept_counter, propose_meeting, ask_seller]
