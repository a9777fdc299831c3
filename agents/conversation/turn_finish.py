"""A turn's final short transaction: the reply guarded and stored, the inbound marked processed,
the conversation written against the version the turn read.

Runs inside `ctx.transaction()`; `turns.finish_turn` raises `StaleTurn` when the conversation
moved on since the snapshot (the service then runs the turn again on fresh rows) and
`AlreadyAnswered` when another run processed the inbound first.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog

from agents.conversation.outbound_guard import guard_buyer_message
from agents.conversation.outbox import OutboundMessage, outbound_row
from agents.domain import conversation_state
from agents.domain.negotiation_replies import format_money
from agents.llm.agent_turn import AgentOutput
from agents.llm.conversation_memory import rolling_summary
from agents.selling import negotiating
from agents.turn_context import TurnContext
from storage.models import ConversationKind, ConversationState, Seller
from storage.repositories import offers as offers_repo
from storage.repositories import turns
from storage.repositories.turn_snapshot import OfferFacts, TurnRows

log = structlog.get_logger(__name__)
_DIGIT = re.compile(r"\d")


@dataclass
class TurnResult:
    inbound_id: uuid.UUID | None
    replies: list[OutboundMessage] = field(default_factory=list)
    deliveries: list[OutboundMessage] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    duplicate: bool = False
    conversation_id: uuid.UUID | None = None


async def finish(ctx: TurnContext, rows: TurnRows, output: AgentOutput | None,
                 *, pressed: bool) -> TurnResult:
    """Store the turn's outcome in the open transaction. The notifications still pending are
    stored when it closes, after the reply: the reply comes first in the chats' order."""
    conversation, inbound = ctx.conversation, rows.inbound
    # the same list: the transaction's exit adds what it stores
    result = TurnResult(inbound.id, conversation_id=conversation.id, deliveries=ctx.deliveries,
                        tools=output.tools if output else [])
    reply: dict[str, Any] | None = None
    if output is not None and output.text:
        # Only tools and buttons write offers; the chat's lock keeps other turns out.
        unchanged = rows.offers if not output.tool_calls and not pressed else None
        text = await _guarded(ctx, output.text, unchanged) if ctx.role == "buyer" \
            else output.text
        out, reply = outbound_row(
            conversation, text, recipient=ctx.role, buttons=ctx.buttons, reply_to=inbound.id,
            extra={"tool_calls": output.tool_calls, "input_tokens": output.input_tokens,
                   "output_tokens": output.output_tokens,
                   "cost_usd": Decimal(f"{output.cost_usd:.8f}"),
                   "latency_ms": output.latency_ms, "model": output.model})
        result.replies.append(out)
    _advance_state(ctx)
    conversation.summary = rolling_summary(conversation, rows.offers, 0)
    await turns.finish_turn(ctx.session, inbound_id=inbound.id, conversation=conversation,
                            reply=reply, at=ctx.now())
    return result


async def _guarded(ctx: TurnContext, text: str, offers: list[OfferFacts] | None) -> str:
    """The reply as the outbound guard lets it go. `offers`: the conversation's offers as the
    turn read them, when nothing in the turn could change them (None: read them again)."""
    product = ctx.product
    if product is None or product.price is None:
        return text
    if not _DIGIT.search(unicodedata.normalize("NFKD", text)):
        return text  # the guard reads figures only: without a digit it has nothing to check
    seller = ctx.conversation_seller
    if seller is None or seller.id != product.seller_id:
        seller = await ctx.session.get(Seller, product.seller_id)
    policy = negotiating.seller_policy(ctx.settings.negotiation, seller)
    floor = negotiating.product_floor(product, policy)
    figures = offers_repo.figures_of(offers) if offers is not None else \
        await offers_repo.figures(ctx.session, ctx.conversation.id)  # the tools' too
    best = figures.standing_counter or product.price
    fallback = {"es": "Lo mejor que puedo ofrecerte es {amount}.",
                "en": "The best I can offer is {amount}."}
    verdict = guard_buyer_message(
        text, floor=floor, price=product.price, recorded_amounts=figures.recorded,
        agreed_amounts=figures.agreed,
        fallback=fallback.get(ctx.language, fallback["es"]).format(
            amount=format_money(best, product.currency, ctx.language)))
    if verdict.replaced:
        log.warning("outbound_guard.replaced", reason=verdict.reason,
                    conversation_id=str(ctx.conversation.id))
    return verdict.text


def _advance_state(ctx: TurnContext) -> None:
    conversation = ctx.conversation
    if conversation.kind is not ConversationKind.BUYER_CHAT:
        return
    state = conversation_state.ConversationState(conversation.state.value)
    events = ctx.events or ["message"]
    for event in events:
        try:
            state = conversation_state.next_state(state, conversation_state.ConversationEvent(
                event))
        except ValueError:
            continue
    conversation.state = ConversationState(state.value)
    conversation.detected_intent = events[-1]
