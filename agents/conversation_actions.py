"""One turn's logic: pick the path (blocked, takeover, fraud, button, agent), then store replies.

Buyer-bound text always passes the outbound guard before it is stored.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from agents import conversation_state, fraud_chat, negotiating, search_followup, seller_answers
from agents.agent_turn import AgentOutput, run_agent
from agents.button_actions import no_deal, pressed
from agents.buyer_facts import availability, buyer_context
from agents.conversation_memory import inbound_content, rolling_summary, window_messages
from agents.fraud_signals import detect_fraud_signals
from agents.negotiation import format_money
from agents.outbound_guard import guard_buyer_message
from agents.outbox import deliver_notification, outbound_row
from agents.prompts import system_prompt
from agents.seller_context import seller_context
from agents.texts import text as render
from agents.turn_context import Button, Notification, PhotoRef, TurnContext, money
from storage.models import (
    Author,
    Buyer,
    ConversationKind,
    ConversationState,
    ConversationStatus,
    Direction,
    MessageType,
    Product,
    Seller,
)
from storage.repositories import conversations as conversations_repo
from storage.repositories import offers as offers_repo
from storage.repositories import turns
from storage.repositories.turns import OfferFacts, TurnRows

if TYPE_CHECKING:
    from agents.conversation_service import ConversationService, TurnResult

log = structlog.get_logger(__name__)


def build_context(service: ConversationService, session: AsyncSession,
                  rows: TurnRows) -> TurnContext:
    inbound, conversation = rows.inbound, rows.conversation
    role = "seller" if inbound.author is Author.SELLER else "buyer"
    speaker = rows.seller if role == "seller" else rows.buyer
    entities = inbound.entities or {}
    photos = [PhotoRef(**p) for p in entities.get("photos", [])]
    return TurnContext(session=session, settings=service.settings, clock=service.clock,
                       role=role, language=getattr(speaker, "language", "es") or "es",
                       conversation=conversation,
                       seller=rows.seller if role == "seller" else None,
                       buyer=rows.buyer, product=rows.product, photos=photos,
                       listing_writer=service.listing_writer)


def _prompt(ctx: TurnContext, offers: list[OfferFacts], older: int,
            seller_facts: dict[str, Any] | None = None) -> str:
    speaker = ctx.seller if ctx.role == "seller" else ctx.buyer
    values: dict[str, object] = {"language": ctx.language,
                                 "speaker_name": getattr(speaker, "name", None),
                                 "conversation_state": ctx.conversation.state.value}
    product = ctx.product
    if ctx.role == "buyer" and product is not None:
        standing = offers_repo.standing_counter_in(offers)
        values.update(buyer_context(product),
                      standing_counter=money(standing.amount) if standing else None,
                      # asked again, they need no second ask_seller call
                      open_questions=" | ".join(ctx.conversation.open_questions or []))
    values.update(seller_facts or {})
    summary = rolling_summary(ctx.conversation, offers, older)
    return system_prompt(ctx.role, values, summary)


async def run_turn(session: AsyncSession, service: ConversationService,
                   rows: TurnRows) -> TurnResult:
    """One turn on the rows `turns.lock_turn` read (they stay in the session's
    identity map for the turn: the tools' and the guard's look-ups of them need no query)."""
    from agents.conversation_service import TurnResult

    conversation, inbound = rows.conversation, rows.inbound
    ctx = build_context(service, session, rows)
    window = service.settings.llm.history_window
    history = window_messages([m for m in rows.history if m.id != inbound.id][-window:])
    offers = rows.offers
    seller_facts = await seller_context(session, ctx.seller) if ctx.role == "seller" else None
    ctx.system_prompt = _prompt(ctx, offers, max(0, conversation.message_count - window),
                                seller_facts)
    agent = service.agents.for_role(ctx.role)
    human = inbound_content(inbound.text, len(ctx.photos))
    callback = (inbound.entities or {}).get("callback")

    entities = inbound.entities or {}
    output: AgentOutput | None = None
    if inbound.message_type in _UNSUPPORTED:
        output = AgentOutput(text=render("unsupported_media", ctx.language))
    elif ctx.role == "buyer" and await fraud_chat.is_closed(ctx):
        log.info("turn.blocked_buyer", conversation_id=str(conversation.id))
        output = await fraud_chat.closed_chat(ctx)  # told once, then silence
    elif ctx.role == "buyer" and (signals := detect_fraud_signals(inbound.text)):
        # Checked before a takeover relay: the seller must be warned before reading it.
        output = await fraud_chat.fraud_path(ctx, inbound.text, signals, offers)
        if conversation.human_takeover and output.tools == ["fraud_guard"] and \
                conversation.status is not ConversationStatus.BLOCKED:
            _relay_to_seller(ctx, inbound.text)
    elif ctx.role == "buyer" and conversation.human_takeover:
        _relay_to_seller(ctx, inbound.text)
    elif ctx.role == "buyer" and "open" in entities and _is_bare_start(inbound.text):
        output = AgentOutput(text=_intro(ctx))
    elif ctx.role == "buyer" and not callback and (
            named := await search_followup.product_named(ctx, inbound.text)) is not None:
        output = _named_result(ctx, named)
    elif ctx.role == "seller" and entities.get("relay_to"):
        output = await _relay_to_buyer(ctx, str(entities["relay_to"]), inbound.text)
    elif ctx.role == "seller" and not callback and (answered := await seller_answers.plain_answer(
            ctx, inbound, after_notice=_after_notice(rows))) is not None:
        output = answered
    elif callback:
        output = await pressed(ctx, agent, history, human, str(callback))
    else:
        output = await run_agent(agent, ctx, history, human)

    result = TurnResult(inbound.id, conversation_id=conversation.id,
                        tools=output.tools if output else [])
    reply: dict[str, Any] | None = None
    if output is not None and output.text:
        # Only tools and buttons write offers; the conversation is locked against other turns.
        unchanged = offers if not output.tool_calls and not callback else None
        reply_text = await _guarded(ctx, output.text, unchanged) if ctx.role == "buyer" \
            else output.text
        out, reply = outbound_row(
            conversation, reply_text, recipient=ctx.role, buttons=ctx.buttons,
            reply_to=inbound.id, extra={
                "tool_calls": output.tool_calls, "input_tokens": output.input_tokens,
                "output_tokens": output.output_tokens, "latency_ms": output.latency_ms,
                "model": output.model})
        result.replies.append(out)
    _advance_state(ctx)
    conversation.summary = rolling_summary(conversation, offers, 0)
    # The inbound marked processed, the reply stored, the conversation's count, state and
    # summary written: one statement, before the notifications, so the reply comes first in
    # the chat's order.
    await turns.finish_turn(session, inbound_id=inbound.id, conversation=conversation,
                            reply=reply, at=ctx.now())
    for notification in ctx.notifications:
        delivered = await deliver_notification(session, notification, now=ctx.now(),
                                               buyer_conversation=conversation)
        if delivered is not None:
            result.deliveries.append(delivered)
    return result  # what else the turn changed in the session is written at the commit


_UNSUPPORTED = {MessageType.STICKER, MessageType.VOICE, MessageType.DOCUMENT}
_DIGIT = re.compile(r"\d")


def _after_notice(rows: TurnRows) -> bool:
    """Whether the bot's last message in this chat was a notice (about a buyer)."""
    last = next((m for m in reversed(rows.history) if m.direction is Direction.OUTBOUND), None)
    return last is not None and last.message_type is MessageType.NOTIFICATION


def _is_bare_start(text: str) -> bool:
    return not text.strip() or text.strip().startswith("/start")


def _named_result(ctx: TurnContext, product: Product) -> AgentOutput:
    """A search result the buyer named: its intro, and the button that opens its chat."""
    ctx.buttons = search_followup.open_button(ctx, product, render("btn_open_chat",
                                                                   ctx.language))
    intro = _intro(ctx, product)
    return AgentOutput(text=f"{intro} {render('open_to_continue', ctx.language)}",
                       tool_calls=[{"name": "named_result", "args": {},
                                    "result": {"start": product.public_ref}}])


def _intro(ctx: TurnContext, product: Product | None = None) -> str:
    product = product or ctx.product
    if product is None:
        return render("product_not_found", ctx.language)
    amount = format_money(product.price, product.currency, ctx.language) if product.price \
        else "?"
    condition = {"new": {"es": "nuevo", "en": "new"}, "used": {"es": "usado", "en": "used"}}.get(
        product.condition.value, {"es": "estado sin indicar", "en": "condition not stated"})
    return render("product_intro", ctx.language, title=product.title or "?", amount=amount,
                  condition=condition.get(ctx.language, condition["es"]),
                  status=render(f"status_{availability(product)}", ctx.language))


async def _relay_to_buyer(ctx: TurnContext, conversation_id: str, text: str) -> AgentOutput:
    """The seller writes into a buyer's chat: relayed, and the bot steps aside there."""
    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, uuid.UUID(conversation_id),
                                              lock=True)
    except ValueError:
        target = None
    if target is None or target.seller_id != ctx.seller.id or target.buyer_id is None:
        return AgentOutput(text=no_deal(ctx.language))
    target.human_takeover = True
    target.open_questions = []  # the seller is answering them
    ctx.notifications.append(Notification("seller_says", {"text": text[:3500]},
                                          buyer_id=target.buyer_id, conversation_id=target.id))
    buyer = await ctx.session.get(Buyer, target.buyer_id)
    # The reply says the bot stays quiet "until you hand it back": offer the way to do that.
    ctx.buttons = [[Button(render("btn_hand_back", ctx.language),
                           f"takeover:handback:{target.id}")]]
    return AgentOutput(text=render("relayed_to_buyer", ctx.language,
                                   buyer=buyer.name if buyer else "?"),
                       tool_calls=[{"name": "take_over_conversation",
                                    "args": {"conversation_id": conversation_id},
                                    "result": {"human_takeover": True}}])


def _relay_to_seller(ctx: TurnContext, text: str) -> None:
    if ctx.product is None:
        return
    ctx.notifications.append(Notification(
        "seller_relay", {"buyer": ctx.buyer.name if ctx.buyer else "?",
                         "title": ctx.product.title or "", "text": text[:3000]},
        seller_id=ctx.product.seller_id))


async def _guarded(ctx: TurnContext, text: str, offers: list[OfferFacts] | None) -> str:
    """The reply as the outbound guard lets it go. `offers`: the conversation's offers as the
    turn read them, when nothing in the turn could change them (None: read them again)."""
    product = ctx.product
    if product is None or product.price is None:
        return text
    if not _DIGIT.search(unicodedata.normalize("NFKD", text)):
        return text  # the guard reads figures only: without a digit it has nothing to check
    policy = negotiating.seller_policy(ctx.settings.negotiation,
                                       await ctx.session.get(Seller, product.seller_id))
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
