"""The fraud path of a buyer turn, and the seller's unblock button.

The rules are agents.domain.fraud_policy's; here they are applied to the turn: the chat's recorded
signals and trust score, the reply to the buyer, the notice to the seller (in words, with an
Unblock button when the buyer was blocked). A block is the seller's: every chat between the
two closes (conversations.status = blocked), other sellers' chats go on. A blocked buyer is
told once that the chat is closed, then gets silence.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from agents.conversation.buyer_facts import OPEN_QUESTIONS_KEPT
from agents.domain.fraud_notices import reasons
from agents.domain.fraud_policy import UNBLOCKED, FraudVerdict, fraud_verdict
from agents.domain.fraud_signals import FraudSignal, apply_trust_penalty, safe_decline_text
from agents.domain.intents import question_key
from agents.llm.agent_turn import AgentOutput
from agents.texts import text as render
from agents.turn_context import Notification, TurnContext
from storage.models import (
    Buyer,
    ConversationState,
    ConversationStatus,
    OfferStatus,
    Product,
    ProductStatus,
)
from storage.repositories import conversations as conversations_repo
from storage.repositories.turn_snapshot import OfferFacts

_DEAL_STATUSES = (ProductStatus.RESERVED, ProductStatus.SOLD)
RECORDED_KEPT = 20  # signal kinds a chat keeps on record (the oldest drop out first)


async def closed_chat(ctx: TurnContext) -> AgentOutput | None:
    """For a buyer whose chat is closed (`is_closed`): the one notice that it is, or None
    once they were told (silence)."""
    conversation = ctx.conversation
    if conversation.status is ConversationStatus.BLOCKED:
        return None
    conversation.status = ConversationStatus.BLOCKED
    return AgentOutput(text=render("buyer_chat_closed", ctx.language),
                       tool_calls=[{"name": "chat_closed", "args": {}, "result": None}])


async def is_closed(ctx: TurnContext) -> bool:
    """Whether this buyer may not talk in this chat: blocked by an operator, or by this
    product's seller (in this chat, or in another one of theirs before this one began)."""
    conversation, buyer = ctx.conversation, ctx.buyer
    if conversation.status is ConversationStatus.BLOCKED or (buyer and buyer.is_blocked):
        return True
    if buyer is None or conversation.seller_id is None or \
            conversation.state is not ConversationState.NEW:
        return False  # a block closes the chats that exist; only a new one needs looking up
    return await conversations_repo.blocked_by_seller(ctx.session, conversation.seller_id,
                                                      buyer.id)


def has_deal(ctx: TurnContext, offers: list[OfferFacts]) -> bool:
    """The product is reserved for, or sold to, this buyer (their offer was accepted)."""
    product = ctx.product
    return product is not None and product.status in _DEAL_STATUSES and any(
        offer.status is OfferStatus.ACCEPTED for offer in offers)


async def fraud_path(ctx: TurnContext, text: str, signals: list[FraudSignal],
                     offers: list[OfferFacts]) -> AgentOutput:
    """Warn, close the chat, or (with a deal, for contact) pass the message to the seller."""
    conversation = ctx.conversation
    verdict = fraud_verdict(signals, recorded=conversation.fraud_signals or [],
                            has_deal=has_deal(ctx, offers))
    if verdict.action == "pass_to_seller":
        return _pass_to_seller(ctx, text, verdict)
    conversation.flagged = True
    conversation.fraud_signals = [*(conversation.fraud_signals or []),
                                  *verdict.kinds][-RECORDED_KEPT:]
    # the turn's buyer is a snapshot: the penalty applies to the fresh, locked row
    buyer = None if ctx.buyer is None else await ctx.session.get(
        Buyer, ctx.buyer.id, with_for_update=True)
    if buyer is not None:
        ctx.buyer = buyer
        score = apply_trust_penalty(buyer.trust_score, verdict.signals)
        buyer.trust_score = Decimal(str(round(score, 2)))
    reply = safe_decline_text(ctx.language)
    if verdict.action == "block":
        reply = f"{reply}\n\n{render('buyer_chat_closed', ctx.language)}"
        conversation.status = ConversationStatus.BLOCKED
        if buyer is not None and conversation.seller_id is not None:
            await conversations_repo.set_block(ctx.session, conversation.seller_id, buyer.id,
                                               blocked=True)
    elif verdict.action == "last_warning":
        reply = f"{reply} {render('buyer_fraud_last_warning', ctx.language)}"
    _tell_seller(ctx, verdict)
    return AgentOutput(text=reply, tool_calls=[{
        "name": "fraud_guard", "args": {"signals": verdict.kinds},
        "result": {"action": verdict.action}}])


def _tell_seller(ctx: TurnContext, verdict: FraudVerdict) -> None:
    if ctx.product is None:
        return
    blocked = verdict.action == "block"
    buttons = [[("btn_unblock", f"block:undo:{ctx.conversation.id}")]] if blocked else []
    ctx.notifications.append(Notification(
        "seller_fraud_blocked" if blocked else "seller_fraud_warning",
        {"buyer": ctx.buyer.name if ctx.buyer else "?", "title": ctx.product.title or "",
         "reasons": reasons(verdict.signals)},
        seller_id=ctx.product.seller_id, buttons=buttons))


def _pass_to_seller(ctx: TurnContext, text: str, verdict: FraudVerdict) -> AgentOutput:
    """A buyer with a deal arranging contact: the seller gets the message, nothing is flagged."""
    assert ctx.product is not None
    asked = list(ctx.conversation.open_questions or [])
    if (key := question_key(text)) not in asked:  # waits for the seller's answer
        ctx.conversation.open_questions = [*asked, key][-OPEN_QUESTIONS_KEPT:]
    ctx.notifications.append(Notification(
        "seller_contact_request", {"buyer": ctx.buyer.name if ctx.buyer else "?",
                                   "title": ctx.product.title or "", "text": text[:3000]},
        seller_id=ctx.product.seller_id))
    return AgentOutput(text=render("buyer_contact_passed", ctx.language), tool_calls=[{
        "name": "pass_to_seller", "args": {"signals": verdict.kinds}, "result": None}])


async def unblock(ctx: TurnContext, conversation_id: str) -> AgentOutput | None:
    """The seller's Unblock button: their chats with the buyer reopen, warnings count anew.
    None when the button is not this seller's (the caller says so)."""
    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, uuid.UUID(conversation_id))
    except ValueError:
        target = None
    if target is None or target.seller_id != ctx.seller.id or target.buyer_id is None:
        return None
    reopened = await conversations_repo.set_block(ctx.session, ctx.seller.id, target.buyer_id,
                                                  blocked=False, marker=UNBLOCKED)
    buyer = await ctx.session.get(Buyer, target.buyer_id)
    product = await ctx.session.get(Product, target.product_id) if target.product_id else None
    title = product.title if product is not None and product.title else ""
    if target.id in reopened:
        ctx.notifications.append(Notification("buyer_unblocked", {"title": title},
                                              buyer_id=target.buyer_id,
                                              conversation_id=target.id))
    return AgentOutput(
        text=render("seller_unblocked", ctx.language, buyer=buyer.name if buyer else "?",
                    title=title),
        tool_calls=[{"name": "unblock_buyer", "args": {"conversation_id": conversation_id},
                     "result": {"reopened": len(reopened)}}])
