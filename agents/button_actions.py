"""Inline buttons: the action runs in domain code, the agent only phrases the outcome.

`listing:publish|edit|regenerate|cancel|pick:<product>` and `sale:confirm|decline:<offer>` and
`takeover:take|handback:<conversation>`, `block:undo:<conversation>` (unblock) and
`answer:<conversation>:<message seq>` for sellers, `offer:accept:<counter>` for buyers. A
button of someone else's row does nothing but say so; one for an earlier counter says it is out
of date.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from agents import (
    fraud_chat,
    listing_prepared,
    listing_versions,
    negotiating,
    seller_answers,
    selling,
)
from agents.agent_turn import AgentOutput, phrase_result, run_agent
from agents.listing_writer import ListingWriter
from agents.negotiation import format_money
from agents.seller_rules import PICK_CALLBACK
from agents.texts import text as render
from agents.turn_context import Button, Notification, TurnContext
from storage.models import Buyer
from storage.repositories import conversations as conversations_repo
from storage.repositories import offers as offers_repo
from storage.repositories import products as products_repo


def direct_button(ctx: TurnContext, data: str
                  ) -> Callable[[], Awaitable[AgentOutput]] | None:
    """A button whose answer needs no model (sale, takeover): it runs in the turn's final
    transaction, with its reply. None: the button is phrased by the model (`pressed`)."""
    parts = data.split(":")
    if ctx.role != "seller" or len(parts) != 3:
        return None
    if parts[0] == "sale":
        return lambda: _sale_button(ctx, parts[1] == "confirm", parts[2])
    if parts[0] == "takeover":
        return lambda: _takeover_button(ctx, parts[1] == "take", parts[2])
    if parts[0] == "answer":
        return lambda: _or_no_deal(ctx, seller_answers.answer_button(ctx, parts[1], parts[2]))
    if parts[0] == "block":
        return lambda: _or_no_deal(ctx, fraud_chat.unblock(ctx, parts[2]))
    return None


async def _or_no_deal(ctx: TurnContext, outcome: Awaitable[AgentOutput | None]) -> AgentOutput:
    return await outcome or AgentOutput(text=no_deal(ctx.language))


async def pressed(ctx: TurnContext, agent: Any, history: list[Any], human: str,
                  data: str) -> AgentOutput:
    """Buttons run domain code directly, in a transaction of their own recorded against the
    press; the model then phrases the outcome with no transaction open."""
    parts = data.split(":")
    result: dict[str, Any]
    if ctx.role == "buyer" and parts[:2] == ["offer", "accept"] and len(parts) <= 3:
        counter_id = parts[2] if len(parts) == 3 else None
        tool = "accept_counter"
        result = await ctx.effect(tool, lambda: negotiating.accept_counter(ctx, counter_id))
    elif ctx.role == "seller" and data.startswith(PICK_CALLBACK) and len(parts) == 3:
        return await _pick_button(ctx, agent, history, parts[2])
    elif ctx.role == "seller" and parts[0] == "listing" and len(parts) == 3:
        tool = _LISTING_TOOLS.get(parts[1], "update_product")
        writer = await listing_prepared.for_product(ctx, parts[2]) \
            if parts[1] == "regenerate" else ctx.listing_writer  # the model, no transaction
        result = await ctx.effect(tool, lambda: _listing_button(ctx, parts[1], parts[2],
                                                                writer))
    else:
        return await run_agent(agent, ctx, history, human)
    return await phrase_result(agent, ctx, history, human, tool, result)


_LISTING_TOOLS = {"publish": "publish_product", "regenerate": "regenerate_listing",
                  "cancel": "pause_product", "edit": "update_product"}


async def _listing_button(ctx: TurnContext, action: str, product_id: str,
                          writer: ListingWriter) -> dict[str, Any]:
    try:
        product = await selling.resolve_product(ctx, product_id)
        if action == "publish":
            return await selling.publish(ctx, product)
        if action == "regenerate":
            return await listing_versions.generate_listing(ctx, writer, product)
        if action == "cancel":
            was_listed = product.listed_at is not None
            result = await selling.change_status(ctx, product, "cancel")
            return {**result, "cancelled": True, "was_published": was_listed}
        return {"product": selling.product_state(product),
                "hint": "ask which field to change: title, description, price, floor"}
    except selling.SellingError as exc:
        return exc.as_result()


async def _pick_button(ctx: TurnContext, agent: Any, history: list[Any],
                       product_id: str) -> AgentOutput:
    """The answer to "which product?": the seller's command runs again on the one chosen.

    The command is the seller's message the question answered (the last two messages of the
    chat); after anything else the choice only brings the product into focus.
    """
    async with ctx.transaction() as session:  # brought into focus before the model runs
        try:
            product = await selling.resolve_product(ctx, product_id)
        except selling.SellingError:
            return AgentOutput(text=no_deal(ctx.language))
        ctx.chosen_product_id = product.id
        await products_repo.touch(session, product)
    asked = (len(history) >= 2 and isinstance(history[-1], AIMessage)
             and isinstance(history[-2], HumanMessage))
    if asked and isinstance(history[-2].content, str) and history[-2].content.strip():
        return await run_agent(agent, ctx, history[:-2], history[-2].content)
    return AgentOutput(text=render("product_chosen", ctx.language, title=product.title or ""))


async def _sale_button(ctx: TurnContext, confirm: bool, offer_id: str) -> AgentOutput:
    assert ctx.seller is not None
    try:
        offer = await offers_repo.get(ctx.session, uuid.UUID(offer_id))
    except ValueError:
        offer = None
    settled = None if offer is None else await negotiating.settle_sale(
        ctx.session, seller=ctx.seller, offer=offer, confirm=confirm, now=ctx.now())
    if settled is None or offer is None:
        return AgentOutput(text=no_deal(ctx.language))
    product, buyer, buyer_conversation = settled
    key = "buyer_sale_confirmed" if confirm else "buyer_sale_declined"
    ctx.notifications.append(Notification(key, {"title": product.title or "",
                                                 "amount": (offer.amount, offer.currency)},
                                          buyer_id=buyer.id,
                                          conversation_id=buyer_conversation.id))
    if not confirm:
        ctx.notifications.extend(await negotiating.back_on_sale_notices(
            ctx.session, product, except_conversation_id=buyer_conversation.id,
            defaults=ctx.settings.negotiation, now=ctx.now()))
    amount = format_money(offer.amount, offer.currency, ctx.language)
    done = {"es": f"Hecho: «{product.title}» vendido por {amount}.",
            "en": f"Done: “{product.title}” sold for {amount}."} if confirm else {
        "es": f"De acuerdo: «{product.title}» vuelve a estar a la venta.",
        "en": f"All right: “{product.title}” is on sale again."}
    return AgentOutput(text=done.get(ctx.language, done["es"]),
                       tool_calls=[{"name": "confirm_sale" if confirm else "decline_sale",
                                    "args": {"offer_id": offer_id}, "result": None}])


async def _takeover_button(ctx: TurnContext, take: bool, conversation_id: str) -> AgentOutput:
    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, uuid.UUID(conversation_id),
                                              lock=True)
    except ValueError:
        target = None
    if target is None or target.seller_id != ctx.seller.id:
        return AgentOutput(text=no_deal(ctx.language))
    target.human_takeover = take
    buyer = await ctx.session.get(Buyer, target.buyer_id) if target.buyer_id else None
    name = buyer.name if buyer else "?"
    reply = render("you_took_over" if take else "handed_back", ctx.language, buyer=name)
    if take:
        ctx.buttons = [[Button(render("btn_hand_back", ctx.language),
                               f"takeover:handback:{target.id}")]]
    tool = "take_over_conversation" if take else "hand_back_conversation"
    return AgentOutput(text=reply, tool_calls=[{"name": tool,
                                                "args": {"conversation_id": conversation_id},
                                                "result": {"human_takeover": take}}])


def no_deal(language: str) -> str:
    """The answer to a button or relay that no longer applies (or is not the speaker's)."""
    return render("action_not_possible", language)
