"""What the offline model does at one call: which bound tool to call for the speaker's intent,
or what to say when no tool is needed or the results are in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from agents.domain.intents import PHOTOS_MARKER
from agents.domain.listing_bundle import bundle_currency, split_items
from agents.domain.search_matching import HAGGLE_WORDS
from agents.llm.models.offline_questions import (
    QUESTION_INTENTS,
    answer_from_facts,
    context_product,
    with_answered_questions,
)
from agents.llm.models.offline_replies import details_answer, phrase_outcomes
from agents.llm.models.offline_seller import (
    answer_to_question,
    named_product,
    names_a_product,
    next_step,
)
from agents.llm.models.offline_texts import say
from agents.llm.models.offline_turn import Step, Turn, as_number


def plan(turn: Turn) -> Step:
    """The next step of this turn."""
    if turn.waiting_for_tools:
        return _follow_up(turn) or Step(with_answered_questions(turn, phrase_outcomes(turn)))
    if turn.outcomes:  # the results were already phrased once: do not loop
        return Step(phrase_outcomes(turn))
    return _seller_step(turn) if turn.role == "seller" else _buyer_step(turn)


def _call(turn: Turn, name: str, **args: Any) -> Step:
    if not turn.can(name):
        return Step(say("cannot", turn.language))
    return Step(calls=[(name, {key: value for key, value in args.items() if value is not None})])


def _follow_up(turn: Turn) -> Step | None:
    """A product_details result that lacks the fact asked: ask the seller rather than guess."""
    last = turn.outcomes[-1]
    if last.name != "product_details" or last.error or turn.called("ask_seller"):
        return None
    if not turn.can("ask_seller") or turn.parsed.intent not in QUESTION_INTENTS:
        return None
    if details_answer(turn, last.result.get("product") or {}) is not None:
        return None
    return Step(calls=[("ask_seller", {"question": turn.human_text.strip()})])


def _greeting(turn: Turn) -> str:
    name = turn.context.get("speaker_name")
    name = f" {name}" if name else ""
    if turn.role == "seller":
        return say("greeting_seller", turn.language, name=name)
    title = turn.context.get("product_title")
    if title:
        return say("greeting_product", turn.language, name=name, title=title)
    return say("greeting", turn.language, name=name)


_ASKS_OR_OFFERS = frozenset({"offer", "question_other", "price_question", "availability",
                             "condition_question"})


def _buyer_step(turn: Turn) -> Step:
    parsed, context, language = turn.parsed, turn.context, turn.language
    intent = parsed.intent
    if intent == "greeting":
        return Step(_greeting(turn))
    if intent in ("thanks", "decline"):
        return Step(say(intent, language))
    if intent == "help":
        return Step(say("help_buyer", language))
    if "product_title" not in context and intent in _ASKS_OR_OFFERS:
        # No product chat (a newcomer with no link): what they ask or offer for is a search.
        words = (named_product(turn.human_text.split("?")[0]) or "").split()
        query = " ".join(w for w in words if w not in HAGGLE_WORDS)
        limit = parsed.fields.get("max_price") if intent == "search" else None
        if query and turn.can("search_products"):
            return _call(turn, "search_products", query=query,
                         max_price=float(limit) if isinstance(limit, Decimal) else None)
    if intent == "offer" and parsed.amounts:
        return _call(turn, "make_offer", amount=as_number(parsed.amounts[0]),
                     final=True if parsed.fields.get("final") else None)
    if intent in ("accept", "acknowledge"):
        if context.get("standing_counter") and turn.can("accept_counter"):
            return _call(turn, "accept_counter")
        if intent == "acknowledge":
            return Step(say("acknowledge", language))
        if context.get("product_price") and turn.can("make_offer"):
            return _call(turn, "make_offer", amount=as_number(context["product_price"]))
        return _call(turn, "accept_counter")
    facts = context_product(turn.context)
    if facts is not None and intent not in ("meeting", "search"):
        return _from_facts(turn, facts)
    if intent == "availability" and turn.can("check_availability"):
        return _call(turn, "check_availability")
    if intent == "meeting":
        place, time = parsed.fields.get("place"), parsed.fields.get("time")
        if place and time:
            return _call(turn, "propose_meeting", place=str(place), time=str(time))
        key = "ask_place" if time else "ask_time" if place else "ask_place_time"
        return Step(say(key, language))
    if intent == "search":
        if not parsed.fields.get("query"):
            return Step(say("ask_search", language))
        limit = parsed.fields.get("max_price")
        return _call(turn, "search_products", query=str(parsed.fields["query"]),
                     max_price=float(limit) if isinstance(limit, Decimal) else None)
    if turn.can("product_details"):
        return _call(turn, "product_details")
    if turn.can("ask_seller") and intent in QUESTION_INTENTS:
        return _call(turn, "ask_seller", question=turn.human_text.strip())
    return Step(say("cannot", language))


def _from_facts(turn: Turn, facts: dict[str, Any]) -> Step:
    answer = answer_from_facts(turn, facts)
    if answer.unanswered and turn.can("ask_seller"):
        return _call(turn, "ask_seller", question=answer.unanswered)
    parts = [answer.text]
    if answer.already_asked:
        parts.append(say("already_asked", turn.language))
    elif answer.unanswered is not None:
        parts.append(say("not_in_listing", turn.language))
    return Step(" ".join(part for part in parts if part))


_SELLER_PLAIN_CALLS = {
    "publish": "publish_product",
    "list_products": "list_my_products",
    "pause": "pause_product",
    "reactivate": "reactivate_product",
    "regenerate": "regenerate_listing",
    "show_listing": "show_listing",
    "delete": "delete_product",
}
_CONVERSATION_CALLS = {
    "take_over": "take_over_conversation",
    "hand_back": "hand_back_conversation",
    "show_conversation": "show_conversation",
}
_EDIT_FIELDS = {"edit_title": "title", "edit_description": "description",
                "set_condition": "condition"}


def _seller_step(turn: Turn) -> Step:
    answer = answer_to_question(turn)
    if answer is not None:
        return answer
    parsed, language, fields = turn.parsed, turn.language, turn.parsed.fields
    intent = parsed.intent
    if intent == "sell":
        text = PHOTOS_MARKER.sub(" ", turn.human_text).strip()
        items = split_items(text)
        if len(items) > 1 and turn.can("create_product"):  # two prices, two things: two drafts
            currency = bundle_currency(text)
            return Step(calls=[("create_product", {"text": item, **(
                {"currency": currency} if currency else {})}) for item in items])
        return _call(turn, "create_product", text=text)
    if intent == "price_statement":
        # "la bici son 350€": the price of the product it names; naming none, it is not a
        # listing either (a new product needs a photo or a "vendo ...").
        if not names_a_product(turn):
            return Step(say("not_a_listing", language))
        intent = "set_price"
    if intent in ("set_price", "set_floor"):
        price, floor = fields.get("price"), fields.get("min_price")
        if price is None and floor is None and parsed.amounts:
            price, floor = (parsed.amounts[0], None) if intent == "set_price" else (
                None, parsed.amounts[0])
        if intent == "set_floor" and floor is None and len(parsed.amounts) == 1:
            # "minimum price 250" (English puts "price" last, and /floor reads so): a floor
            # command with one amount sets the floor, never the asking price.
            price, floor = None, price
        if price is None and floor is None:
            return Step(say("ask_price" if intent == "set_price" else "ask_floor", language))
        prices = {"price": price, "min_price": floor}
        changes = {key: as_number(value) for key, value in prices.items() if value is not None}
        return _call(turn, "update_product", product_id=named_product(turn.human_text),
                     currency=parsed.currency if price is not None else None, **changes)
    if intent in _EDIT_FIELDS:
        value = fields.get(_EDIT_FIELDS[intent])
        if not value:
            return Step(say("ask_" + _EDIT_FIELDS[intent], language))
        # the product is named before the new value ("cambia el título del sofá a ...")
        head = turn.human_text.split(str(value))[0] if intent != "set_condition" else \
            turn.human_text
        return _call(turn, "update_product", product_id=named_product(head),
                     **{_EDIT_FIELDS[intent]: str(value)})
    if intent in _SELLER_PLAIN_CALLS:
        extra = {"marketplace": fields.get("marketplace")} if intent == "publish" else {}
        if intent == "list_products":
            extra = {"status": fields.get("status")}
        else:
            extra["product_id"] = named_product(turn.human_text)
        return _call(turn, _SELLER_PLAIN_CALLS[intent], **extra)
    if intent == "mark_sold":
        price = as_number(parsed.amounts[0]) if parsed.amounts else None
        return _call(turn, "mark_sold", price=price, product_id=named_product(turn.human_text))
    if intent == "revert":
        if "version" not in fields:
            return Step(say("ask_version", language))
        return _call(turn, "revert_listing", version=int(str(fields["version"])),
                     product_id=named_product(turn.human_text))
    if intent in _CONVERSATION_CALLS:
        ident = fields.get("conversation_id") or turn.context.get("conversation_id")
        if not ident:
            return Step(say("ask_conversation", language))
        return _call(turn, _CONVERSATION_CALLS[intent], conversation_id=str(ident))
    if intent == "greeting":
        return Step(_greeting(turn))
    if intent in ("thanks", "acknowledge"):
        return Step(say(intent, language))
    if intent == "help":
        return Step(say("help_seller", language))
    return Step(next_step(turn))
