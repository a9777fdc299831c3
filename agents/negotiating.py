"""Offers, counters and reservations: the negotiation policy applied to stored data.

The policy (agents/negotiation.py) decides; this module records what it decided, reserves the
product on a deal, and tells the seller. The floor is read here and never returned.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agents import waiting_buyers
from agents.buyer_facts import availability
from agents.negotiation import (
    NegotiationAction,
    NegotiationPolicy,
    decide,
    effective_floor,
    format_money,
    public_reason,
)
from agents.texts import text
from agents.turn_context import Button, Notification, TurnContext, money, tool_error
from config.settings import NegotiationSettings
from storage.models import (
    Buyer,
    Conversation,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    ProductStatus,
    Seller,
)
from storage.product_status import check_transition
from storage.repositories import offers as offers_repo
from storage.repositories import products as products_repo


def seller_policy(defaults: NegotiationSettings, seller: Seller | None) -> NegotiationPolicy:
    """The settings' defaults, the seller's floor ratio, then the seller's own overrides."""
    policy = NegotiationPolicy(
        floor_ratio=defaults.floor_ratio, lowball_ratio=defaults.lowball_ratio,
        max_rounds=defaults.max_rounds, rounding=defaults.rounding,
    )
    if seller is None:
        return policy
    policy = policy.with_overrides({"floor_ratio": seller.floor_ratio})
    try:
        return policy.with_overrides(seller.negotiation or {})
    except (ValueError, TypeError):
        return policy  # a bad stored override must not stop a buyer's chat


def product_floor(product: Product, policy: NegotiationPolicy) -> Decimal:
    assert product.price is not None
    return effective_floor(product.price, product.min_price, policy)


def takes_offers(product: Product, defaults: NegotiationSettings, seller: Seller | None) -> bool:
    """Whether an offer below the asking price can succeed: what a buyer asking "is the price
    firm?" may learn (a floor below the price says yes, never by how much)."""
    if product.price is None:
        return False
    return product_floor(product, seller_policy(defaults, seller)) < product.price


MAX_AMOUNT = Decimal("9999999999")  # what prices and offers can hold (NUMERIC(12, 2))


def parse_amount(value: object) -> Decimal | None:
    """A positive amount within what the database stores, or None."""
    try:
        amount = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or not Decimal(0) < amount <= MAX_AMOUNT:
        return None
    return amount.quantize(Decimal("0.01"))


async def make_offer(ctx: TurnContext, raw_amount: object, *, final: bool = False
                     ) -> dict[str, Any]:
    product, buyer, conversation = ctx.product, ctx.buyer, ctx.conversation
    if product is None or buyer is None:
        return tool_error("no_product", "This chat is not about a product.")
    amount = parse_amount(raw_amount)
    if amount is None:
        return tool_error("bad_amount", "The offer must be a positive number.")
    product = await products_repo.get(ctx.session, product.id, lock=True)
    assert product is not None
    ctx.product = product
    if product.price is not None and availability(product) == "reserved":
        return await waiting_buyers.wait_for_reservation(ctx, product, amount)
    if product.price is None or availability(product) != "available":
        return tool_error("not_available", f"The product is {availability(product)}; "
                          "offers are not possible now.")
    if amount > product.price * 100:
        return tool_error("bad_amount", "That amount is not a plausible offer.")

    policy = seller_policy(ctx.settings.negotiation, await _seller(ctx, product))
    history = await offers_repo.history(ctx.session, conversation.id)
    decision = decide(policy, price=product.price, floor=product_floor(product, policy),
                      offer=amount, previous_counters=history.counters,
                      previous_offers=history.buyer_offers, buyer_final=final is True)
    now = ctx.now()
    # A new buyer offer answers (and so closes) any counter still standing.
    await offers_repo.close_pending(ctx.session, conversation.id, status=OfferStatus.REJECTED,
                                    at=now)
    buyer_offer = Offer(conversation_id=conversation.id, product_id=product.id, buyer_id=buyer.id,
                        amount=amount, currency=product.currency, made_by=OfferParty.BUYER,
                        status=OfferStatus.PENDING)
    ctx.session.add(buyer_offer)
    await ctx.session.flush()
    result: dict[str, Any] = {"decision": decision.action.value, "offer": money(amount),
                              "currency": product.currency, "reason": public_reason(decision),
                              "reserved": False}
    if decision.action is NegotiationAction.ACCEPT:
        assert decision.amount is not None
        buyer_offer.amount = decision.amount
        reserved = await _reserve(ctx, product, buyer_offer, now)
        if not reserved:
            buyer_offer.status = OfferStatus.REJECTED
            return tool_error("not_available", "Someone else has just reserved this product.")
        result.update(amount=money(decision.amount), reserved=True)
        ctx.events.append("offer_accepted")
    elif decision.action is NegotiationAction.COUNTER:
        assert decision.amount is not None
        buyer_offer.status = OfferStatus.COUNTERED
        buyer_offer.responded_at = now
        bot_offer = Offer(id=uuid.uuid4(), conversation_id=conversation.id,
                          product_id=product.id, buyer_id=buyer.id, amount=decision.amount,
                          currency=product.currency, made_by=OfferParty.BOT,
                          status=OfferStatus.PENDING, responds_to_id=buyer_offer.id)
        ctx.session.add(bot_offer)
        result.update(counter=money(decision.amount), final=decision.final)
        ctx.events.append("counter")
        ctx.buttons = [[accept_button(ctx, bot_offer)]]
    else:
        buyer_offer.status = OfferStatus.REJECTED
        buyer_offer.responded_at = now
        result["price"] = money(product.price)
        ctx.events.append("offer")
    await ctx.session.flush()
    return result


def accept_button(ctx: TurnContext, counter: Offer) -> Button:
    """"Accept 600 €": the button names the counter it accepts, and only that one."""
    amount = format_money(counter.amount, counter.currency, ctx.language)
    return Button(text("btn_accept_counter", ctx.language, amount=amount),
                  f"offer:accept:{counter.id}")


async def accept_counter(ctx: TurnContext, counter_id: str | None = None) -> dict[str, Any]:
    """Accept the standing counter; with counter_id (a button's), only if it is that one: a
    button does what it says or says it is out of date."""
    product, conversation = ctx.product, ctx.conversation
    if product is None:
        return tool_error("no_product", "This chat is not about a product.")
    counter = await offers_repo.standing_counter(ctx.session, conversation.id)
    if counter is None:
        return tool_error("no_counter", "There is no counter-offer standing to accept; "
                          "ask the buyer for an amount.")
    if counter_id is not None and str(counter.id) != counter_id:
        ctx.buttons = [[accept_button(ctx, counter)]]
        return {**tool_error("stale_counter", "That button is for an earlier counter-offer; "
                             "the standing one is in 'counter'."),
                "counter": money(counter.amount), "currency": counter.currency}
    product = await products_repo.get(ctx.session, product.id, lock=True)
    assert product is not None
    ctx.product = product
    if availability(product) != "available":
        return tool_error("not_available", f"The product is {availability(product)}.")
    if not await _reserve(ctx, product, counter, ctx.now()):
        return tool_error("not_available", "Someone else has just reserved this product.")
    ctx.events.append("offer_accepted")
    return {"decision": "accept", "amount": money(counter.amount), "currency": counter.currency,
            "reserved": True}


async def _seller(ctx: TurnContext, product: Product) -> Seller | None:
    return await ctx.session.get(Seller, product.seller_id)


async def _reserve(ctx: TurnContext, product: Product, offer: Offer, now: datetime) -> bool:
    """Accept the offer and reserve the product; False when another deal won the race."""
    minutes = ctx.settings.negotiation.reservation_minutes
    try:
        async with ctx.session.begin_nested():
            offer.status = OfferStatus.ACCEPTED
            offer.responded_at = now
            offer.expires_at = now + timedelta(minutes=minutes)
            check_transition(product.status, ProductStatus.RESERVED)
            product.status = ProductStatus.RESERVED
            product.reserved_until = offer.expires_at
            await ctx.session.flush()
    except IntegrityError:
        return False
    ctx.conversation.negotiated_price = offer.amount
    ctx.notifications.append(Notification(
        "seller_deal_reserved",
        {"buyer": ctx.buyer.name if ctx.buyer else "?", "title": product.title,
         "amount": (offer.amount, offer.currency), "hours": f"{minutes / 60:g}"},
        seller_id=product.seller_id,
        buttons=[[("btn_confirm_sale", f"sale:confirm:{offer.id}"),
                  ("btn_decline_sale", f"sale:decline:{offer.id}")]],
    ))
    return True


async def settle_sale(
    session: AsyncSession, *, seller: Seller, offer: Offer, confirm: bool, now: datetime
) -> tuple[Product, Buyer, Conversation] | None:
    """The seller confirms (sold) or declines (back on sale) a reserved deal of theirs."""
    product = await products_repo.get_owned(session, seller.id, offer.product_id, lock=True)
    if product is None or offer.status is not OfferStatus.ACCEPTED or offer.confirmed_at:
        return None
    buyer = await session.get(Buyer, offer.buyer_id)
    conversation = await session.get(Conversation, offer.conversation_id)
    assert buyer is not None and conversation is not None
    if confirm:
        check_transition(product.status, ProductStatus.SOLD)
        offer.confirmed_at = now
        product.status, product.sold_price, product.sold_at = ProductStatus.SOLD, offer.amount, now
        product.reserved_until = None
        buyer.purchase_count += 1
    else:
        offer.status = OfferStatus.REJECTED
        offer.responded_at = now
        if product.status is ProductStatus.RESERVED:
            product.status, product.reserved_until = ProductStatus.PUBLISHED, None
        conversation.negotiated_price = None
    await session.flush()
    return product, buyer, conversation


async def expire_reservations(session: AsyncSession, now: datetime) -> list[tuple[Offer, Product]]:
    """Deals the seller did not confirm in time: the offer expires, the product is back on sale."""
    expired: list[tuple[Offer, Product]] = []
    for offer in await offers_repo.expired_reservations(session, now):
        product = await products_repo.get(session, offer.product_id, lock=True)
        assert product is not None
        offer.status, offer.responded_at = OfferStatus.EXPIRED, now
        if product.status is ProductStatus.RESERVED:
            product.status, product.reserved_until = ProductStatus.PUBLISHED, None
        expired.append((offer, product))
    await session.flush()
    return expired


async def back_on_sale_notices(session: AsyncSession, product: Product, *,
                               except_conversation_id: object, defaults: NegotiationSettings,
                               now: datetime) -> list[Notification]:
    """Other buyers who asked about a product that is on sale again are told (as promised);
    those who made an offer while it was reserved are offered it first."""
    from sqlalchemy import select

    from storage.models import ConversationKind, ConversationStatus

    policy = seller_policy(defaults, await session.get(Seller, product.seller_id))
    offered = await waiting_buyers.offer_to_waiting(
        session, product, policy, now=now, except_conversation_id=except_conversation_id,
        lifetime_minutes=defaults.reservation_minutes)
    skip = {notice.conversation_id for notice in offered}

    rows = await session.scalars(
        select(Conversation).join(Buyer, Buyer.id == Conversation.buyer_id).where(
            Conversation.product_id == product.id,
            Conversation.kind == ConversationKind.BUYER_CHAT,
            Conversation.status == ConversationStatus.ACTIVE,
            Conversation.id != except_conversation_id,
            Buyer.is_blocked.is_(False)))
    return offered + [Notification("back_on_sale", {"title": product.title or "",
                                                    "amount": (product.price, product.currency)},
                                   buyer_id=c.buyer_id, conversation_id=c.id)
                      for c in rows if c.id not in skip]
