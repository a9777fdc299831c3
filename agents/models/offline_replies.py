"""Turning tool results into the offline model's reply, in the speaker's language.

Each tool of the contract (see the agent tool contract) has one phrasing; an error result
becomes an apologetic sentence. Figures come only from the results, the Context block and
the speaker's own message.
"""

from __future__ import annotations

import re
from typing import Any

from agents.intents import fold
from agents.models.offline_facts import (
    GENERAL_CONDITION,
    INTENT_TOPICS,
    question_facts,
    topic_facts,
)
from agents.models.offline_price import price_answer
from agents.models.offline_seller_replies import SELLER_PHRASES, quote
from agents.models.offline_texts import TEXTS, money, say, word
from agents.models.offline_turn import ToolOutcome, Turn


def phrase_outcomes(turn: Turn) -> str:
    """The reply for all of this turn's tool results, in order."""
    parts = [part for part in (phrase_outcome(o, turn) for o in turn.outcomes) if part]
    if not parts:
        return say("done", turn.language)
    return ("\n" if any("\n" in part for part in parts) else " ").join(parts)


def details_answer(turn: Turn, product: dict[str, Any]) -> str | None:
    """The answer to the buyer's question from a product_details result, or None if absent."""
    language, intent = turn.language, turn.parsed.intent
    status = str(product.get("status") or "")
    if intent == "availability":
        return _status_text(status, turn)
    if intent == "photos_request":
        return None  # photos come from the seller, never from the listing's words
    if intent in ("price_question", "offer", "accept"):
        return price_answer(turn, product)
    parts: list[str] = []
    topic = INTENT_TOPICS.get(intent)
    if topic == "condition":
        # "¿Tiene garantía?" wants that fact; only "¿En qué estado está?" wants the overview.
        if GENERAL_CONDITION.search(fold(turn.human_text)):
            condition = str(product.get("condition") or "not_specified")
            if condition != "not_specified":
                parts.append(say("condition_is", language, condition=word(condition, language)))
            facts = topic_facts("condition", product)
        else:
            facts = question_facts(turn.human_text, product)
    elif topic:
        facts = topic_facts(topic, product)
    else:
        facts = question_facts(turn.human_text, product)
    if facts:
        parts.append(say("listing_says", language, quote=quote(" ".join(facts), language)))
    return " ".join(parts) or None


def phrase_outcome(outcome: ToolOutcome, turn: Turn) -> str:
    """One tool result as one or a few sentences."""
    language = turn.language
    if outcome.error:
        if outcome.error == "no_counter":
            return say("no_counter", language)
        if outcome.error == "stale_counter":
            counter = money(outcome.result.get("counter"), _currency(outcome.result, turn),
                            language)
            return say("stale_counter", language, counter=counter)
        if outcome.error == "ambiguous_product":
            options = (" o " if language == "es" else " or ").join(
                quote(str(t), language) for t in outcome.result.get("candidates") or [])
            return say("which_product", language, options=options)
        message = str(outcome.result.get("message") or outcome.error)
        if outcome.error == "not_available" and outcome.result.get("waiting"):
            offer = money(outcome.result.get("offer"), _currency(outcome.result, turn), language)
            return say("reserved_waiting", language, offer=offer)
        if outcome.error == "not_available":  # "The product is sold; offers are not possible"
            status = re.search(r"\b(reserved|sold|paused)\b", message)
            return _status_text(status.group(1) if status else "reserved", turn)
        key = f"error_{outcome.error}"
        if f"{key}_{turn.role}" in TEXTS:  # the same code may need other words for a seller
            key = f"{key}_{turn.role}"
        if key in TEXTS:
            return say(key, language)
        return say("error", language, message=message)
    phrase = _PHRASES.get(outcome.name)
    return phrase(outcome, turn) if phrase else say("done", language)


def _currency(result: dict[str, Any], turn: Turn) -> str | None:
    return result.get("currency") or turn.context.get("currency")


# "¿Sigue reservado?", "is it sold?": a question whose "yes" would mean it is not available.
_ASKS_IF_TAKEN = re.compile(r"reservad|\breserved|vendid|\bsold\b|apartad")


def _status_text(status: str, turn: Turn) -> str:
    title = turn.context.get("product_title")
    if status == "available":
        key = "not_taken" if _ASKS_IF_TAKEN.search(fold(turn.human_text)) else "available"
        return say(f"{key}_title", turn.language, title=title) if title else say(
            key, turn.language)
    if status in ("reserved", "sold", "paused"):
        return say(status, turn.language)
    return say("status_is", turn.language, status=word(status, turn.language))


def _availability(outcome: ToolOutcome, turn: Turn) -> str:
    result = outcome.result
    status = str(result.get("status") or ("available" if result.get("available") else "paused"))
    return _status_text(status, turn)


def _details(outcome: ToolOutcome, turn: Turn) -> str:
    answer = details_answer(turn, outcome.result.get("product") or {})
    if answer is None and not turn.called("ask_seller"):
        return say("not_in_listing", turn.language)
    return answer or ""


def _offer(outcome: ToolOutcome, turn: Turn) -> str:
    result, language = outcome.result, turn.language
    currency = _currency(result, turn)
    decision = result.get("decision")
    if decision == "accept":
        key = "offer_accept" if result.get("reserved", True) else "offer_accept_unreserved"
        # "amount" is the deal (an offer above the price is accepted at the price).
        deal = result.get("amount") or result.get("offer")
        return say(key, language, amount=money(deal, currency, language))
    if decision == "counter":
        return say("offer_counter", language, offer=money(result.get("offer"), currency, language),
                   counter=money(result.get("counter"), currency, language))
    standing = turn.context.get("standing_counter")
    if result.get("reason") == "max_rounds":
        text = say("offer_no_lower", language)
        if standing:
            text += say("counter_stands", language, counter=money(standing, currency, language))
        return text
    text = say("offer_too_low", language)  # names the asking price only, never a floor
    price = turn.context.get("product_price")
    if price:
        text += say("asking_price", language, price=money(price, currency, language))
    return text + say("offer_again", language)


def _counter_accepted(outcome: ToolOutcome, turn: Turn) -> str:
    amount = money(outcome.result.get("amount"), _currency(outcome.result, turn), turn.language)
    return say("counter_accepted", turn.language, amount=amount)


def _meeting(outcome: ToolOutcome, turn: Turn) -> str:
    place = outcome.result.get("place") or outcome.args.get("place", "")
    time = outcome.result.get("time") or outcome.args.get("time", "")
    return say("meeting_sent", turn.language, place=place, time=time)


def _search(outcome: ToolOutcome, turn: Turn) -> str:
    language = turn.language
    products = outcome.result.get("products") or []
    if not products:
        return say("search_none", language, query=outcome.args.get("query", ""))
    lines = [say("search_found", language)]
    for product in products[:5]:
        price = money(product.get("price"), product.get("currency"), language)
        line = f"• {product.get('title')} — {price}"
        if product.get("condition"):
            line += f" ({word(str(product['condition']), language)})"
        if product.get("status") in ("reserved", "sold"):
            line += f" · {word(str(product['status']), language)}"
        lines.append(line)
    return "\n".join(lines)


def _conversation(outcome: ToolOutcome, turn: Turn) -> str:
    conversation = outcome.result.get("conversation") or {}
    state = word(str(conversation.get("state", "")), turn.language)
    lines = [say("conversation", turn.language, buyer=conversation.get("buyer", ""), state=state)]
    for message in (conversation.get("messages") or [])[-6:]:
        arrow = "→" if message.get("direction") == "outbound" else "←"
        lines.append(f"{arrow} {message.get('text', '')}")
    return "\n".join(lines)


def _takeover(outcome: ToolOutcome, turn: Turn) -> str:
    ident = outcome.result.get("conversation_id") or outcome.args.get("conversation_id", "")
    key = "took_over" if outcome.name == "take_over_conversation" else "handed_back"
    return say(key, turn.language, id=ident)


_PHRASES = {
    "check_availability": _availability,
    "product_details": _details,
    "make_offer": _offer,
    "accept_counter": _counter_accepted,
    "propose_meeting": _meeting,
    "ask_seller": lambda outcome, turn: say(
        "already_asked" if outcome.result.get("already_asked") else
        "asked_for_photos" if turn.parsed.intent == "photos_request" else "asked_seller",
        turn.language),
    "search_products": _search,
    "show_conversation": _conversation,
    "take_over_conversation": _takeover,
    "hand_back_conversation": _takeover,
    **SELLER_PHRASES,
}
