"""One turn's logic: pick the path (blocked, takeover, fraud, button, agent), then store replies.

Buyer-bound text always passes the outbound guard (agents/conversation/turn_finish.py) before it is
stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from agents.conversation import fraud_chat, search_followup, seller_answers
from agents.conversation.button_actions import direct_button, no_deal, pressed
from agents.conversation.buyer_facts import availability, buyer_context
from agents.conversation.seller_context import seller_context
from agents.conversation.turn_finish import TurnResult, finish
from agents.domain.fraud_signals import detect_fraud_signals
from agents.domain.intents_language import reply_language
from agents.domain.negotiation_replies import format_money
from agents.llm.agent_turn import AgentOutput, charge, run_agent
from agents.llm.conversation_memory import inbound_content, rolling_summary, window_messages
from agents.llm.prompts import system_prompt
from agents.llm.turn_meter import metering
from agents.selling.negotiating import takes_offers
from agents.texts import text as render
from agents.turn_context import Button, Notification, PhotoRef, TurnContext, money
from storage.models import Author, Buyer, ConversationStatus, Direction, MessageType, Product
from storage.repositories import conversations as conversations_repo
from storage.repositories import offers as offers_repo
from storage.repositories.turn_snapshot import OfferFacts, TurnRows

if TYPE_CHECKING:
    from agents.llm.agent_factory import Agents
    from agents.llm.listing_writer import ListingWriter
    from agents.turn_context import TurnTransactions
    from config.settings import Settings

log = structlog.get_logger(__name__)


class TurnServices(Protocol):
    """What a turn takes from the conversation service that runs it (conversation_service.py
    passes itself); a protocol so this module needs nothing from the service's."""

    settings: Settings
    agents: Agents
    clock: Callable[[], datetime]
    listing_writer: ListingWriter
    transactions: TurnTransactions


def build_context(service: TurnServices, rows: TurnRows) -> TurnContext:
    inbound, conversation = rows.inbound, rows.conversation
    role = "seller" if inbound.author is Author.SELLER else "buyer"
    speaker = rows.seller if role == "seller" else rows.buyer
    speaker_id = conversation.seller_id if role == "seller" else conversation.buyer_id
    entities = inbound.entities or {}
    photos = [PhotoRef(**p) for p in entities.get("photos", [])]
    language = getattr(speaker, "language", "es") or "es"
    if role == "buyer":
        language = reply_language(inbound.text, language)
    return TurnContext(settings=service.settings, clock=service.clock,
                       role=role, language=language,
                       conversation=conversation,
                       seller=rows.seller if role == "seller" else None,
                       buyer=rows.buyer, product=rows.product, photos=photos,
                       listing_writer=service.listing_writer,
                       transactions=service.transactions, inbound_id=inbound.id,
                       actor=f"{inbound.author.value}:{speaker_id}",
                       conversation_seller=rows.seller)


def _prompt(ctx: TurnContext, offers: list[OfferFacts], older: int,
            seller_facts: dict[str, Any] | None = None) -> str:
    speaker = ctx.seller if ctx.role == "seller" else ctx.buyer
    values: dict[str, object] = {"language": ctx.language,
                                 "speaker_name": getattr(speaker, "name", None),
                                 "conversation_state": ctx.conversation.state.value}
    product = ctx.product
    if ctx.role == "buyer" and product is not None:
        standing = offers_repo.standing_counter_in(offers)
        negotiable = takes_offers(product, ctx.settings.negotiation, ctx.conversation_seller)
        values.update(buyer_context(product),
                      price_negotiable="yes" if negotiable else "no",
                      standing_counter=money(standing.amount) if standing else None,
                      # asked again, they need no second ask_seller call
                      open_questions=" | ".join(ctx.conversation.open_questions or []))
    values.update(seller_facts or {})
    summary = rolling_summary(ctx.conversation, offers, older)
    return system_prompt(ctx.role, values, summary)


Direct = Callable[[], Awaitable[AgentOutput | None]]


async def run_turn(service: TurnServices, rows: TurnRows) -> TurnResult:
    """One turn on the snapshot `turn_snapshot.read_turn` read (committed: nothing is locked).

    A path that needs no model (a note, a safety path, a relay, a sale or takeover button)
    runs whole in the final transaction, with its reply. Otherwise the model runs with no
    transaction open, its tools each in their own, and the final transaction stores the
    reply."""
    conversation, inbound = rows.conversation, rows.inbound
    ctx = build_context(service, rows)
    window = service.settings.llm.history_window
    callback = (inbound.entities or {}).get("callback")
    async with ctx.transaction():
        # Choosing the way reads rows (a seller's block, search results, waiting questions);
        # a way with no model runs here whole, with its reply. Otherwise this only read.
        direct = await _direct_path(ctx, rows, str(callback) if callback else None)
        if direct is not None:
            return await finish(ctx, rows, await direct(), pressed=bool(callback))
        seller_facts = await seller_context(ctx.session, ctx.seller) \
            if ctx.role == "seller" else None
    history = window_messages([m for m in rows.history if m.id != inbound.id][-window:])
    ctx.system_prompt = _prompt(ctx, rows.offers, max(0, conversation.message_count - window),
                                seller_facts)
    agent = service.agents.for_role(ctx.role)
    human = inbound_content(inbound.text, len(ctx.photos))
    with metering() as meter:  # a button's listing writer runs before the phrasing: counted
        if callback:
            output = await pressed(ctx, agent, history, human, str(callback))
        else:
            output = await run_agent(agent, ctx, history, human)
    charge(output, meter, service.settings.llm, conversation_id=str(conversation.id),
           inbound_id=str(inbound.id))
    async with ctx.transaction():
        return await finish(ctx, rows, output, pressed=bool(callback))


async def _direct_path(ctx: TurnContext, rows: TurnRows, callback: str | None
                       ) -> Direct | None:
    """The turn's way when it needs no model: run in the final transaction (ctx.session)."""
    inbound, conversation = rows.inbound, rows.conversation
    entities = inbound.entities or {}

    async def say(text: str) -> AgentOutput:
        return AgentOutput(text=text)

    async def relayed() -> None:
        _relay_to_seller(ctx, inbound.text)

    async def given(output: AgentOutput | None) -> AgentOutput | None:
        return output

    if inbound.message_type in _UNSUPPORTED:
        return lambda: say(render("unsupported_media", ctx.language))
    if ctx.role == "buyer" and await fraud_chat.is_closed(ctx):
        log.info("turn.blocked_buyer", conversation_id=str(conversation.id))
        return lambda: fraud_chat.closed_chat(ctx)  # told once, then silence
    if ctx.role == "buyer" and (signals := detect_fraud_signals(inbound.text)):
        # Checked before a takeover relay: the seller must be warned before reading it.
        async def fraud() -> AgentOutput:
            output = await fraud_chat.fraud_path(ctx, inbound.text, signals, rows.offers)
            if conversation.human_takeover and output.tools == ["fraud_guard"] and \
                    conversation.status is not ConversationStatus.BLOCKED:
                _relay_to_seller(ctx, inbound.text)
            return output
        return fraud
    if ctx.role == "buyer" and conversation.human_takeover:
        return relayed  # type: ignore[return-value]
    if ctx.role == "buyer" and "open" in entities and _is_bare_start(inbound.text):
        return lambda: say(_intro(ctx))
    if ctx.role == "buyer" and not callback and (
            named := await search_followup.product_named(ctx, inbound.text)) is not None:
        return lambda: given(_named_result(ctx, named))
    if ctx.role == "seller" and entities.get("relay_to"):
        return lambda: _relay_to_buyer(ctx, str(entities["relay_to"]), inbound.text)
    if ctx.role == "seller" and not callback and (answered := await seller_answers.plain_answer(
            ctx, inbound, after_notice=_after_notice(rows))) is not None:
        return lambda: given(answered)
    if callback:
        return direct_button(ctx, callback)
    return None


_UNSUPPORTED = {MessageType.STICKER, MessageType.VOICE, MessageType.DOCUMENT}


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
