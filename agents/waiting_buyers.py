"""Buyers who make an offer while the product is reserved for someone else: they wait.

The seller is told a buyer is waiting (and at what price); when the reservation lapses (the
seller declines it, or it expires unconfirmed) the item is offered to the waiting buyer first,
at what the policy makes of their offer, with a button that accepts exactly that.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.negotiation import NegotiationAction, NegotiationPolicy, decide, effective_floor
from agents.turn_context import Notification, TurnContext, money, tool_error
from storage.models import Offer, OfferParty, OfferStatus, Product
from storage.repositories import offers as offers_repo


async def wait_for_reservation(ctx: TurnContext, product: Product, amount: Decimal
                               ) -> dict[str, Any]:
    """Record the offer as waiting and tell the seller (once per better offer)."""
    assert ctx.buyer is not None
    conversation, now = ctx.conversation, ctx.now()
    holder = await offers_repo.accepted_for_product(ctx.session, product.id)
    if holder is not None and holder.conversation_id == conversation.id:
        return tool_error("not_available", "The product is reserved for this buyer already.")
    earlier = await _waiting(ctx.session, product.id, only=conversation.id)
    minutes = ctx.settings.negotiation.reservation_minutes
    best = max((offer.amount for offer in earlier), default=None)
    if best is None or best < amount:
        best = amount
        await offers_repo.close_pending(ctx.session, conversation.id,
                                        status=OfferStatus.WITHDRAWN, at=now)
        # It must outlive the reservation it waits on (pending offers expire after a while).
        until = max(product.reserved_until or now, now) + timedelta(minutes=minutes)
        ctx.session.add(Offer(conversation_id=conversation.id, product_id=product.id,
                              buyer_id=ctx.buyer.id, amount=amount, currency=product.currency,
                              made_by=OfferParty.BUYER, status=OfferStatus.PENDING,
                              expires_at=until))
        await ctx.session.flush()
        ctx.notifications.append(Notification(
            "seller_buyer_waiting", {"buyer": ctx.buyer.name, "title": product.title or "",
                                     "amount": (amount, product.currency)},
            seller_id=product.seller_id))
        ctx.events.append("offer_waiting")
    return {**tool_error("not_available", "The product is reserved for another buyer. The "
                         "seller knows this buyer is waiting; if the reservation lapses, it "
                         "is offered to this buyer first."),
            "waiting": True, "offer": money(best), "currency": product.currency}


async def offer_to_waiting(session: AsyncSession, product: Product, policy: NegotiationPolicy,
                           *, now: datetime, except_conversation_id: object,
                           lifetime_minutes: int) -> list[Notification]:
    """The product is on sale again: each waiting buyer gets the policy's answer to their
    offer as a standing bot offer with its button (nothing when the policy declines it)."""
    if product.price is None:
        return []
    floor = effective_floor(product.price, product.min_price, policy)
    lifetime = timedelta(minutes=lifetime_minutes)
    notices: list[Notification] = []
    for waiting in await _waiting(session, product.id, excluding=except_conversation_id):
        # Made while nothing could be negotiated: the policy reads it as a first move (earlier
        # counters, from before the reservation, still bound it).
        history = await offers_repo.history(session, waiting.conversation_id)
        decision = decide(policy, price=product.price, floor=floor, offer=waiting.amount,
                          previous_counters=history.counters)
        if decision.action is NegotiationAction.DECLINE or decision.amount is None:
            continue
        waiting.status, waiting.responded_at = OfferStatus.COUNTERED, now
        answers = waiting.id if decision.action is NegotiationAction.COUNTER else None
        offer = Offer(id=uuid.uuid4(), conversation_id=waiting.conversation_id,
                      product_id=product.id, buyer_id=waiting.buyer_id, amount=decision.amount,
                      currency=product.currency, made_by=OfferParty.BOT,
                      status=OfferStatus.PENDING, responds_to_id=answers,
                      expires_at=now + lifetime)
        session.add(offer)
        key = "waiting_buyer_offered" if answers is None else "waiting_buyer_countered"
        notices.append(Notification(
            key, {"title": product.title or "", "offer": (waiting.amount, waiting.currency),
                  "amount": (decision.amount, product.currency)},
            buyer_id=waiting.buyer_id, conversation_id=waiting.conversation_id,
            buttons=[[("btn_accept_counter", f"offer:accept:{offer.id}")]]))
    await session.flush()
    return notices


async def _waiting(session: AsyncSession, product_id: uuid.UUID, *, only: object = None,
                   excluding: object = None) -> list[Offer]:
    """Pending buyer offers on the product (only those of one conversation, or all but one),
    best first. A buyer offer stays pending only while it waits: on sale, it is answered in
    the turn that made it."""
    query = select(Offer).where(Offer.product_id == product_id,
                                Offer.made_by == OfferParty.BUYER,
                                Offer.status == OfferStatus.PENDING)
    if only is not None:
        query = query.where(Offer.conversation_id == only)
    if excluding is not None:
        query = query.where(Offer.conversation_id != excluding)
    return list((await session.scalars(query.order_by(Offer.amount.desc()))).all())
