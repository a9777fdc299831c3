"""The offline model's answer to a buyer's price question, by what it asks.

"How much?" gets the price; "is it negotiable?" the price and whether the seller takes offers
(the Context block's `price_negotiable`, decided in code: the model never sees the floor);
"what's the lowest you'd go?" never a lower figure, only an invitation to offer (and the bot's
own standing counter, a figure the buyer already has).
"""

from __future__ import annotations

from typing import Any

from agents.models.offline_texts import money, say, word
from agents.models.offline_turn import Turn


def price_answer(turn: Turn, product: dict[str, Any]) -> str:
    """The price, said as the question asks for it, then the status when not on sale."""
    language = turn.language
    currency = product.get("currency") or turn.context.get("currency")
    price = money(product.get("price"), currency, language)
    kind = turn.parsed.fields.get("price_kind") if turn.parsed.intent == "price_question" else None
    negotiable = turn.context.get("price_negotiable")
    if kind is None or negotiable is None:
        text = say("price_is", language, price=price)
    elif negotiable == "no":
        text = say("price_firm", language, price=price)
    elif kind == "firm":
        text = say("price_open", language, price=price)
    else:
        text = say("price_lowest", language, price=price)
        standing = turn.context.get("standing_counter")
        if standing:
            text += say("counter_stands", language, counter=money(standing, currency, language))
    status = str(product.get("status") or "")
    if status and status != "available":
        text += " " + say("status_is", language, status=word(status, language))
    return text
