"""A buyer with no product open names one of the search results they were shown.

"me interesa la canon" after a list with "Canon EOS 250D": the bot talks about that product
(its intro, with the button that opens its chat) instead of saying no product is open. The
results are the Open buttons of the bot's last list in this chat (a few messages back at
most); a name matches a result when
one of its title's words (accents and case aside) is in the message and no other result has it.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from agents.buyer_facts import OPEN_PRODUCT
from agents.intents_amounts import fold
from agents.turn_context import Button, TurnContext
from storage.models import Direction, Message, Product
from storage.repositories import products as products_repo

_MIN_WORD = 3
# Words of a title that name no product in particular.
_COMMON = frozenset(fold(
    "con sin para por de del la las los el una uno the and with for of set lote pack "
    "nuevo nueva usado usada new used negro negra blanco blanca black white gris grey gray "
    "ver open"  # the Open button's own word
).split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", fold(text))
            if len(w) >= _MIN_WORD and w not in _COMMON}


def named_result(text: str, results: list[tuple[str, str]]) -> str | None:
    """The payload of the one result (label, payload) the message names, else None. Pure."""
    said = _words(text)
    matches = [payload for label, payload in results if said & _words(label)]
    return matches[0] if len(matches) == 1 else None


_RECENT = 6  # bot messages looked back at for the last list


async def last_results(ctx: TurnContext) -> list[tuple[str, str]]:
    """(label, payload) of the Open buttons of the bot's last list in this chat."""
    recent = await ctx.session.scalars(
        select(Message.buttons).where(Message.conversation_id == ctx.conversation.id,
                                      Message.direction == Direction.OUTBOUND)
        .order_by(Message.seq.desc()).limit(_RECENT))
    for buttons in recent:
        results = [(str(b.get("text", "")), str(b["callback_data"])[len(OPEN_PRODUCT):])
                   for row in buttons or [] for b in row
                   if str(b.get("callback_data", "")).startswith(OPEN_PRODUCT)]
        if results:
            return results
    return []


async def product_named(ctx: TurnContext, text: str) -> Product | None:
    """The search result this buyer's message names, when they have no product open."""
    if ctx.product is not None or not text.strip():
        return None
    results = await last_results(ctx)
    payload = named_result(text, results) if results else None
    return await products_repo.by_public_ref(ctx.session, payload) if payload else None


def open_button(ctx: TurnContext, product: Product, label: str) -> list[list[Button]]:
    return [[Button(label, f"{OPEN_PRODUCT}{product.public_ref}")]]
