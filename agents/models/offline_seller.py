"""The offline model's seller side beyond the plain commands: which product a message names,
answers to the bot's own questions ("¿me dices el precio?", "what would you like to change?"),
and the next step to point to when a message is not understood.

It reads the Context block's seller lines (agents/seller_context.py) and the bot's previous
message; the tools still decide which product a command acts on.
"""

from __future__ import annotations

import re
from typing import Any

from agents.intents import fold
from agents.models.offline_texts import TEXTS, say
from agents.models.offline_turn import Step, Turn, as_number
from agents.product_matching import Candidate, best_matches, naming_words


def named_product(text: str) -> str | None:
    """The words of `text` that may name one of the seller's products, or None."""
    return " ".join(naming_words(text)) or None


def names_a_product(turn: Turn) -> bool:
    """Whether the message names one of the seller's products listed in the Context block."""
    listed = turn.context.get("seller_products", "")
    titles = [t.strip() for t in listed.split("|") if t.strip() and t.strip() != "0"]
    candidates = [Candidate(index, title) for index, title in enumerate(titles)]
    return bool(best_matches(turn.human_text, candidates))


def _asked(turn: Turn, key: str) -> bool:
    """Whether the bot's previous message asked this question (in either language)."""
    return any(text.strip() and text.strip() in turn.previous_reply for text in TEXTS[key])


def _asked_price(turn: Turn) -> bool:
    if _asked(turn, "ask_price") or _asked(turn, "next_price"):
        return True
    missing = re.search(r"(?:Me falta|I still need): ([^.]*)", turn.previous_reply)
    return bool(missing) and bool(re.search(r"precio|price", missing.group(1)))


_FIELD_WORDS = (("floor", r"minimo|minimum|floor|lowest|suelo"),
                ("title", r"titulo|title|nombre|name"),
                ("description", r"descripcion|description|texto|text"),
                ("price", r"precio|price"),
                ("condition", r"estado|condition"))
_FREE_TEXT = frozenset({"question_other", "price_statement", "greeting"})


def answer_to_question(turn: Turn) -> Step | None:
    """The Step for a message that answers the bot's own question, or None."""
    if not turn.previous_reply:
        return None
    parsed, language, text = turn.parsed, turn.language, turn.human_text.strip()
    folded = fold(text)
    if _asked(turn, "ask_edit_field") and len(folded.split()) <= 5:
        for name, pattern in _FIELD_WORDS:
            if re.search(pattern, folded) and not parsed.amounts:
                key = "ask_floor" if name == "floor" else f"ask_{name}"
                return Step(say(key, language))
    for name in ("title", "description"):
        if _asked(turn, f"ask_{name}") and parsed.intent in _FREE_TEXT and "?" not in text:
            return Step(calls=[("update_product", {name: text})])
    if _asked(turn, "ask_condition"):
        if re.search(r"\b(?:usad[oa]|used|segunda mano|second hand|como nuev[oa]|like new)\b",
                     folded):
            return Step(calls=[("update_product", {"condition": "used"})])
        if re.search(r"\b(?:nuev[oa]|new|a estrenar|sin estrenar|precintad[oa]|sealed)\b",
                     folded):
            return Step(calls=[("update_product", {"condition": "new"})])
    if parsed.amounts and parsed.intent in ("price_statement", "set_price"):
        asked_floor = _asked(turn, "ask_floor")
        if asked_floor or _asked_price(turn):
            args: dict[str, Any] = {"min_price" if asked_floor else "price":
                                    as_number(parsed.amounts[0])}
            if parsed.currency and not asked_floor:  # "90 quid": the price is in pounds
                args["currency"] = parsed.currency
            named = named_product(text)
            if named and names_a_product(turn):
                args["product_id"] = named
            return Step(calls=[("update_product", args)])
    return None


def next_step(turn: Turn) -> str:
    """What to say to a seller message nobody understood: the next step, not the whole help."""
    context, language = turn.context, turn.language
    title = context.get("focus_title")
    lead = say("not_understood", language)
    if not title:
        return lead + say("next_first_listing", language)
    if context.get("focus_missing") == "price":
        return lead + say("next_price", language, title=title)
    if context.get("focus_status") == "ready":
        return lead + say("next_publish", language, title=title)
    return lead + say("next_generic", language, title=title)
