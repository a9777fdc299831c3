"""The seller answers a buyer without quoting.

While exactly one buyer waits for the seller (a forwarded question, or a chat the seller took
over), a plain message that is not a seller command answers that buyer, and the seller is told
where it went. With several waiting, the seller is asked which buyer it is for, with a button
per chat (`answer:<conversation>:<message seq>`: the button carries the seller's message, which
is stored, so nothing is lost while the seller chooses).
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from sqlalchemy import select

from agents.agent_turn import AgentOutput
from agents.intents import CHANGE_PRICE, SELL, SET_PRICE, read_message
from agents.intents_amounts import fold
from agents.texts import text as render
from agents.turn_context import Button, Notification, TurnContext
from storage.models import Author, Buyer, Conversation, Message, Product
from storage.repositories import conversations as conversations_repo

# Intents that read as an answer only when the words say nothing else: a bare "hola" or
# "gracias" is not an answer, "hola, sí, tiene garantía hasta marzo" is.
_SMALL_TALK = frozenset({"greeting", "thanks", "acknowledge"})
_SMALL_TALK_WORDS = 4
_LABEL_CHARS = 40


def reads_as_answer(text: str) -> Literal["words", "weak"] | None:
    """Whether a seller's message can be an answer to a buyer rather than a command to the
    bot ("publica la bici", "precio 300", "vendo una silla"): "words", or "weak" when it
    reads as a figure or a condition and nothing else ("mide 68 cm", "la bici son 350€",
    "está como nueva"), which may as well answer the bot's own question. Pure."""
    clean = text.strip()
    if not clean or clean.startswith("/"):
        return None
    folded = fold(clean)
    intent = read_message(clean, role="seller").intent
    if intent == "question_other":
        return "words"
    if intent in _SMALL_TALK:
        return "words" if len(re.findall(r"\w+", folded)) >= _SMALL_TALK_WORDS else None
    if intent == "sell" and not SELL.search(folded):
        return "weak"
    if intent == "set_price" and not (SET_PRICE.search(folded) or CHANGE_PRICE.search(folded)):
        return "weak"
    return "weak" if intent == "set_condition" else None


async def plain_answer(ctx: TurnContext, message: Message, *, after_notice: bool
                       ) -> AgentOutput | None:
    """The seller's plain message as an answer to the buyer waiting, or the question which
    buyer it is for; None when it is not an answer (the seller assistant handles it).
    `after_notice`: the bot's last message to the seller was a notice about a buyer (not a
    question of its own, which a weak answer would rather be for)."""
    kind = reads_as_answer(message.text or "")
    if ctx.seller is None or ctx.photos or kind is None:
        return None
    waiting = await conversations_repo.waiting_for_seller(ctx.session, ctx.seller.id)
    if not waiting:
        return None
    if kind == "weak" and not after_notice and not any(w.human_takeover for w in waiting):
        return None  # a chat the seller took over expects their words
    if len(waiting) == 1:
        return await answer(ctx, waiting[0], message.text or "")
    rows = []
    for target in waiting:
        buyer = await ctx.session.get(Buyer, target.buyer_id) if target.buyer_id else None
        rows.append([Button(_label(buyer, target),
                            f"answer:{target.id}:{message.seq}")])
    ctx.buttons = rows
    return AgentOutput(text=render("seller_answer_which", ctx.language),
                       tool_calls=[{"name": "ask_which_buyer", "args": {},
                                    "result": {"waiting": len(waiting)}}])


def _label(buyer: Buyer | None, target: Conversation) -> str:
    questions = target.open_questions or []
    about = questions[-1] if questions else "…"
    label = f"{buyer.name if buyer else '?'}: {about}"
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"


async def answer_button(ctx: TurnContext, conversation_id: str, seq: str) -> AgentOutput | None:
    """The seller chose the buyer of a stored message; None when the button is not theirs."""
    assert ctx.seller is not None
    try:
        target = await conversations_repo.get(ctx.session, uuid.UUID(conversation_id),
                                              lock=True)
        number = int(seq)
    except ValueError:
        return None
    message = await ctx.session.scalar(select(Message).where(
        Message.seq == number, Message.conversation_id == ctx.conversation.id,
        Message.author == Author.SELLER))
    if target is None or message is None or not message.text or not (
            target.open_questions or target.human_takeover):
        return None  # answered meanwhile: the button is out of date
    return await answer(ctx, target, message.text)


async def answer(ctx: TurnContext, target: Conversation, text: str) -> AgentOutput | None:
    """Send the seller's words to the buyer of `target` and tell the seller where they went.
    A chat the seller took over stays theirs; otherwise the bot goes on answering there."""
    assert ctx.seller is not None
    if target.seller_id != ctx.seller.id or target.buyer_id is None:
        return None
    questions = list(target.open_questions or [])
    target.open_questions = []  # the seller answered them
    ctx.notifications.append(Notification("seller_says", {"text": text[:3500]},
                                          buyer_id=target.buyer_id, conversation_id=target.id))
    buyer = await ctx.session.get(Buyer, target.buyer_id)
    product = await ctx.session.get(Product, target.product_id) if target.product_id else None
    values = {"buyer": buyer.name if buyer else "?",
              "title": product.title if product is not None and product.title else ""}
    if target.human_takeover:
        reply = render("relayed_to_buyer", ctx.language, buyer=values["buyer"])
        button = Button(render("btn_hand_back", ctx.language), f"takeover:handback:{target.id}")
    else:
        reply = render("seller_answer_sent", ctx.language,
                       question=questions[-1] if questions else "…", **values)
        button = Button(render("btn_take_over", ctx.language), f"takeover:take:{target.id}")
    ctx.buttons = [[button]]
    return AgentOutput(text=reply, tool_calls=[{
        "name": "answer_buyer", "args": {"conversation_id": str(target.id)},
        "result": {"sent": True}}])
