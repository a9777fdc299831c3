"""Answering a buyer from the product facts in the Context block, in the call that reads the
question: no tool call, no second model call.

A message may hold several questions ("¿Está disponible? ¿Haces envíos?"); each is answered.
The ones the facts do not answer go to the seller together, and the answered ones are said
again with the seller's note once that tool result is back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from agents.intents import question_key, read_message
from agents.models.offline_replies import details_answer
from agents.models.offline_turn import Turn

QUESTION_INTENTS = frozenset(
    "price_question condition_question shipping_question payment_question location_question "
    "photos_request question_other".split()
)
_ANSWERABLE = QUESTION_INTENTS | {"availability"}
_QUESTION_END = re.compile(r"(?<=\?)\s+")


@dataclass
class FactsAnswer:
    """What the facts answer (text), what they leave for the seller (None: nothing; "": only
    what is no question), and whether some of it is with the seller already."""

    text: str
    unanswered: str | None = None
    already_asked: bool = False


def context_product(context: dict[str, str]) -> dict[str, Any] | None:
    """The product facts the Context block carries, as product_details returns them; None
    when the block has no product facts (then the tools fetch them)."""
    if "product_condition" not in context:
        return None
    try:
        attributes = json.loads(context.get("product_attributes") or "{}")
    except ValueError:
        attributes = {}
    return {
        "title": context.get("product_title"),
        "description": context.get("product_description"),
        "price": context.get("product_price"),
        "currency": context.get("currency"),
        "condition": context["product_condition"],
        "category": context.get("product_category"),
        "status": context.get("product_status"),
        "attributes": attributes if isinstance(attributes, dict) else {},
    }


def questions_of(turn: Turn) -> list[Turn]:
    """The turn once per question of the message when it asks several, else [turn]."""
    parts = [part for part in _QUESTION_END.split(turn.human_text.strip()) if part.strip()]
    if len(parts) < 2:
        return [turn]
    each = [replace(turn, human_text=part, parsed=replace(
        read_message(part, turn.language, role="buyer"), language=turn.language))
        for part in parts]
    if any(question.parsed.intent not in _ANSWERABLE for question in each):
        return [turn]  # an offer or a request among them: read the message as one
    return each


def answer_from_facts(turn: Turn, facts: dict[str, Any]) -> FactsAnswer:
    """Each question answered from the facts; the ones left over, for the seller, unless the
    Context block says the seller has them already (open_questions)."""
    with_seller = set(filter(None, turn.context.get("open_questions", "").split(" | ")))
    answers: list[str] = []
    unanswered: list[str] = []
    already_asked = False
    for question in _one_per_price_question(questions_of(turn)):
        answer = details_answer(question, facts)
        if answer is not None:
            if answer not in answers:  # two questions with one answer: said once
                answers.append(answer)
        elif question.parsed.intent not in QUESTION_INTENTS:
            unanswered.append("")
        elif question_key(question.human_text) in with_seller:
            already_asked = True
        else:
            unanswered.append(question.human_text.strip())
    left = " ".join(part for part in unanswered if part)
    return FactsAnswer(" ".join(answers), left if unanswered else None, already_asked)


_PRICE_KIND_RANK = {None: 0, "firm": 1, "lowest": 2}


def _one_per_price_question(questions: list[Turn]) -> list[Turn]:
    """"Is the price firm? What's the lowest you'd go?" asks about the price once: the most
    specific of its price questions stands for all (each alone would repeat the price)."""
    priced = [q for q in questions if q.parsed.intent == "price_question"]
    if len(priced) < 2:
        return questions
    kept = max(priced, key=lambda q: _PRICE_KIND_RANK.get(q.parsed.fields.get("price_kind"), 0))
    return [q for q in questions if q.parsed.intent != "price_question" or q is kept]


def with_answered_questions(turn: Turn, phrased: str) -> str:
    """The tool results' phrasing, after the answers the facts gave to the other questions of
    a message that asked several (nothing to add for a single question)."""
    facts = context_product(turn.context)
    if facts is None or not turn.called("ask_seller") or len(questions_of(turn)) < 2:
        return phrased
    answered = answer_from_facts(turn, facts).text
    return f"{answered} {phrased}" if answered else phrased
