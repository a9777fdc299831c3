"""One turn's logic: pick the path (blocked, takeover, fraud, button, agent), then store replies.

Buyer-bound text always passes the outbound guard before it is stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from agents import conversation_state, negotiating, selling
from agents.agent_turn import AgentOutput, phrase_result, run_agent
from agents.buyer_facts import availability
from agents.conversation_memory import inbound_content, rolling_summary, window_messages
from agents.fraud_signals import (
    apply_trust_penalty,
    detect_fraud_signals,
    safe_decline_text,
    should_block,
)
from agents.negotiation import format_money
from agents.outbound_guard import guard_buyer_message
from agents.outbox import deliver_notification, store_outbound
from agents.prompts import system_prompt
from agents.texts import text as render
from agents.tools.seller import _listing_writer
from agents.turn_context import Notification, PhotoRef, TurnContext, money
from storage.models import (
    Author,
    Buyer,
    Conversation,
    ConversationKind,
    ConversationState,
    Message,
    MessageType,
    Offer,
    Product,
    Seller,
)
from storage.repositories import conversations as conversations_repo
from storage.repositories import offers as offers_repo

if TYPE_CHECKING:
    from agents.conversation_service import ConversationService, TurnResult

log = structlog.get_logger(__name__)


async def build_context(session: AsyncSession, service: ConversationService,
                        conversation: Conversation, inbound: Message) -> TurnContext:
    role = "seller" if inbound.author is Author.SELLER else "buyer"
    seller = await session.get(Seller, conversation.seller_id) if conversation.seller_id else None
    buyer = await session.get(Buyer, conversation.buyer_id) if conversation.buyer_id else None
    product = await session.get(Product, conversation.product_id) \
        if conversation.product_id else None
    speaker = seller if role == "seller" else buyer
    entities = inbound.entities or {}
    photos = [PhotoRef(**p) for p in entities.get("photos", [])]
    return TurnContext(session=session, settings=service.settings, clock=service.clock,
                       role=role, language=getattr(speaker, "language", "es") or "es",
                       conversation=conversation, seller=seller if role == "seller" else None,
                       buyer=buyer, product=product, photos=photos)


async def _prompt(ctx: TurnContext, offers: list[Offer], older: int) -> str:
    speaker = ctx.seller if ctx.role == "seller" else ctx.buyer
    values: dict[str, object] = {"language": ctx.language,
                                 "speaker_name": getattr(speaker, "name", None),
                                 "conversation_state": ctx.conversation.state.value}
    product = ctx.product
    if ctx.role == "buyer" and product is not None:
        standing = await offers_repo.standing_counter(ctx.session, ctx.conversation.id)
        values.update(product_title=product.title, product_price=money(product.price),
                      currency=product.currency, product_status=availability(product),
                      standing_counter=money(standing.amount) if standing else None)
    summary = rolling_summary(ctx.conversation, offers, older)
    return system_prompt(ctx.role, values, summary)


async def run_turn(session: AsyncSession, service: ConversationService,
                   conversation: Conversation, inbound: Message) -> TurnResult:
    from agents.conversation_service import TurnResult

    ctx = await build_context(session, service, conversation, inbound)
    window = service.settings.llm.history_window
    recent = await conversations_repo.recent_messages(session, conversation.id, window + 1)
    history = window_messages([m for m in recent if m.id != inbound.id][-window:])
    offers = list(await offers_repo.in_conversation(session, conversation.id))
    ctx.system_prompt = await _prompt(ctx, offers, max(0, conversation.message_count - window))
    agent = service.agents.for_role(ctx.role)
    human = inbound_content(inbound.text, len(ctx.photos))
    callback = (inbound.entities or {}).get("callback")

    entities = inbound.entities or {}
    output: AgentOutput | None = None
    if inbound.message_type in _UNSUPPORTED:
        output = AgentOutput(text=render("unsupported_media", ctx.language))
    elif ctx.role == "buyer" and ctx.buyer is not None and ctx.buyer.is_blocked:
        log.info("turn.blocked_buyer", conversation_id=str(conversation.id))
    elif ctx.role == "buyer" and conversation.human_takeover:
        _relay_to_seller(ctx, inbound.text)
    elif ctx.role == "buyer" and (signals := detect_fraud_signals(inbound.text)):
        output = _fraud_path(ctx, signals)
    elif ctx.role == "buyer" and "open" in entities and _is_bare_start(inbound.text):
        output = AgentOutput(text=_intro(ctx))
    elif ctx.role == "seller" and entities.get("relay_to"):
        output = await _relay_to_buyer(ctx, str(entities["relay_to"]), inbound.text)
    elif callback:
        output = await _button(ctx, agent, history, human, str(callback))
    else:
        output = await run_agent(agent, ctx, history, human)

    result = TurnResult(inbound.id, conversation_id=conversation.id,
                        tools=output.tools if output else [])
    if output is not None and output.text:
        reply_text = await _guarded(ctx, output.text) if ctx.role == "buyer" else output.text
        result.replies.append(await store_outbound(
            session, conversation, reply_text, recipient=ctx.role, buttons=ctx.buttons,
            reply_to=inbound.id, extra={
                "tool_calls": output.tool_calls, "input_tokens": output.input_tokens,
                "output_tokens": output.output_tokens, "latency_ms": output.latency_ms,
                "model": output.model}))
    for notification in ctx.notifications:
        delivered = await deliver_notification(session, notification, now=ctx.now(),
                                               buyer_conversation=conversation)
        if delivered is not None:
            result.deliveries.append(delivered)
    _advance_state(ctx)
    await conversations_repo.record_activity(session, conversation,
                                             messages=len(result.replies), at=ctx.now())
    conversation.summary = rolling_summary(conversation, offers, 0)
    await session.flush()
    return result


_UNSUPPORTED = {MessageType.STICKER, MessageType.VOICE, MessageType.DOCUMENT}


def _is_bare_start(text: str) -> bool:
    return not text.strip() or text.strip().startswith("/start")


def _intro(ctx: TurnContext) -> str:
    product = ctx.product
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
    import uuid as _uuid

    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, _uuid.UUID(conversation_id),
                                              lock=True)
    except ValueError:
        target = None
    if target is None or target.seller_id != ctx.seller.id or target.buyer_id is None:
        return AgentOutput(text=_no_deal(ctx.language))
    target.human_takeover = True
    ctx.notifications.append(Notification("seller_says", {"text": text[:3500]},
                                          buyer_id=target.buyer_id, conversation_id=target.id))
    buyer = await ctx.session.get(Buyer, target.buyer_id)
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


def _fraud_path(ctx: TurnContext, signals: list[Any]) -> AgentOutput:
    conversation, buyer = ctx.conversation, ctx.buyer
    kinds = sorted({str(s.kind) for s in signals})
    conversation.flagged = True
    conversation.fraud_signals = [*conversation.fraud_signals, *kinds][-20:]
    if buyer is not None:
        score = apply_trust_penalty(buyer.trust_score, signals)
        buyer.trust_score = Decimal(str(round(score, 2)))
        if should_block(score):
            buyer.is_blocked = True
    if ctx.product is not None:
        ctx.notifications.append(Notification(
            "seller_fraud_warning", {"buyer": buyer.name if buyer else "?",
                                     "title": ctx.product.title or "",
                                     "kinds": ", ".join(kinds)},
            seller_id=ctx.product.seller_id))
    return AgentOutput(text=safe_decline_text(ctx.language),
                       tool_calls=[{"name": "fraud_guard", "args": {"signals": kinds},
                                    "result": None}])


async def _button(ctx: TurnContext, agent: Any, history: list[Any], human: str,
                  data: str) -> AgentOutput:
    """Buttons run domain code directly; the model only phrases the outcome."""
    parts = data.split(":")
    result: dict[str, Any]
    tool = parts[0]
    if ctx.role == "buyer" and data == "offer:accept":
        tool, result = "accept_counter", await negotiating.accept_counter(ctx)
    elif ctx.role == "seller" and parts[0] == "listing" and len(parts) == 3:
        tool, result = await _listing_button(ctx, parts[1], parts[2])
    elif ctx.role == "seller" and parts[0] == "sale" and len(parts) == 3:
        return await _sale_button(ctx, parts[1] == "confirm", parts[2])
    elif ctx.role == "seller" and parts[0] == "takeover" and len(parts) == 3:
        return await _takeover_button(ctx, parts[1] == "take", parts[2])
    else:
        return await run_agent(agent, ctx, history, human)
    return await phrase_result(agent, ctx, history, human, tool, result)


async def _listing_button(ctx: TurnContext, action: str, product_id: str
                          ) -> tuple[str, dict[str, Any]]:
    tools = {"publish": "publish_product", "regenerate": "regenerate_listing",
             "cancel": "pause_product", "edit": "update_product"}
    tool = tools.get(action, "update_product")
    try:
        product = await selling.resolve_product(ctx, product_id)
        if action == "publish":
            return tool, await selling.publish(ctx, product)
        if action == "regenerate":
            return tool, await selling.generate_listing(ctx, _listing_writer(), product)
        if action == "cancel":
            return tool, await selling.change_status(ctx, product, "cancel")
        return tool, {"product": selling.product_state(product),
                      "hint": "ask which field to change: title, description, price, floor"}
    except selling.SellingError as exc:
        return tool, exc.as_result()


async def _sale_button(ctx: TurnContext, confirm: bool, offer_id: str) -> AgentOutput:
    import uuid as _uuid

    assert ctx.seller is not None
    try:
        offer = await offers_repo.get(ctx.session, _uuid.UUID(offer_id))
    except ValueError:
        offer = None
    settled = None if offer is None else await negotiating.settle_sale(
        ctx.session, seller=ctx.seller, offer=offer, confirm=confirm, now=ctx.now())
    if settled is None or offer is None:
        return AgentOutput(text=_no_deal(ctx.language))
    product, buyer, buyer_conversation = settled
    key = "buyer_sale_confirmed" if confirm else "buyer_sale_declined"
    ctx.notifications.append(Notification(key, {"title": product.title or "",
                                                 "amount": (offer.amount, offer.currency)},
                                          buyer_id=buyer.id,
                                          conversation_id=buyer_conversation.id))
    amount = format_money(offer.amount, offer.currency, ctx.language)
    done = {"es": f"Hecho: «{product.title}» vendido por {amount}.",
            "en": f"Done: “{product.title}” sold for {amount}."} if confirm else {
        "es": f"De acuerdo: «{product.title}» vuelve a estar a la venta.",
        "en": f"All right: “{product.title}” is on sale again."}
    return AgentOutput(text=done.get(ctx.language, done["es"]),
                       tool_calls=[{"name": "confirm_sale" if confirm else "decline_sale",
                                    "args": {"offer_id": offer_id}, "result": None}])


async def _takeover_button(ctx: TurnContext, take: bool, conversation_id: str) -> AgentOutput:
    import uuid as _uuid

    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, _uuid.UUID(conversation_id),
                                              lock=True)
    except ValueError:
        target = None
    if target is None or target.seller_id != ctx.seller.id:
        return AgentOutput(text=_no_deal(ctx.language))
    target.human_takeover = take
    buyer = await ctx.session.get(Buyer, target.buyer_id) if target.buyer_id else None
    name = buyer.name if buyer else "?"
    key = "seller_took_over" if take else "handed_back"
    reply = render(key, ctx.language, buyer=name) if not take else {
        "es": f"Ahora atiendes tú a {name}: responde a sus mensajes citándolos.",
        "en": f"You are now answering {name}: reply to their messages by quoting them.",
    }.get(ctx.language, "")
    tool = "take_over_conversation" if take else "hand_back_conversation"
    return AgentOutput(text=reply, tool_calls=[{"name": tool,
                                                "args": {"conversation_id": conversation_id},
                                                "result": {"human_takeover": take}}])


def _no_deal(language: str) -> str:
    return {"es": "Esa venta ya no está pendiente.",
            "en": "That sale is no longer pending."}.get(language, "Esa venta ya no está pendiente.")


async def _guarded(ctx: TurnContext, text: str) -> str:
    product = ctx.product
    if product is None or product.price is None:
        return text
    policy = negotiating.seller_policy(ctx.settings.negotiation,
                                       await ctx.session.get(Seller, product.seller_id))
    floor = negotiating.product_floor(product, policy)
    recorded = await offers_repo.recorded_amounts(ctx.session, ctx.conversation.id)
    standing = await offers_repo.standing_counter(ctx.session, ctx.conversation.id)
    best = standing.amount if standing else product.price
    fallback = {"es": "Lo mejor que puedo ofrecerte es {amount}.",
                "en": "The best I can offer is {amount}."}
    verdict = guard_buyer_message(
        text, floor=floor, price=product.price, recorded_amounts=recorded,
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
