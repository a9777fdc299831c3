"""Reading one chat message: its language, intent, money amounts and the fields an intent needs.

Pure rules with no framework import. The offline model uses them to decide which tool to call;
the service may store the result as the message's intent and entities. Matching runs on a
folded copy of the text (lower case, accents removed, same length as the original) so that
"envío", "envio" and "ENVIO" read alike and spans can be cut from the original text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from agents.domain.intents_amounts import find_amounts, fold
from agents.domain.intents_commands import (
    CHANGE_PRICE,
    DELETE,
    EDIT_DESCRIPTION,
    EDIT_TITLE,
    HAND_BACK,
    LIST_PRODUCTS,
    MARK_SOLD,
    PAUSE,
    PUBLISH,
    REACTIVATE,
    REGENERATE,
    REVERT,
    REVERT_VERB,
    SELL,
    SELL_WEAK,
    SET_CONDITION,
    SET_FLOOR,
    SET_PRICE,
    SHOW_CONVERSATION,
    SHOW_LISTING,
    TAKE_OVER,
)
from agents.domain.intents_fields import (
    SEARCH,
    VERSION_SHORT,
    meeting_fields,
    search_fields,
    seller_fields,
)
from agents.domain.intents_language import detect_language
from agents.domain.intents_phrases import (
    ACCEPT,
    ACKNOWLEDGE,
    AVAILABILITY,
    CONDITION,
    DECLINE_STRONG,
    DECLINE_WEAK,
    FINAL_OFFER,
    GREETING,
    HELP,
    LOCATION,
    MEET_STRONG,
    MEET_WEAK,
    PAYMENT,
    PHOTOS_REQUEST,
    PRICE,
    SEARCH_NOT,
    SHIPPING,
    THANKS,
)
from agents.domain.intents_price import price_kind

PHOTOS_MARKER = re.compile(r"\s*\[(?:photos|fotos):\s*(\d+)\]\s*", re.IGNORECASE)


@dataclass
class ParsedMessage:
    """What one message says, as far as the rules can tell."""

    language: str
    intent: str
    amounts: list[Decimal] = field(default_factory=list)
    currency: str | None = None
    fields: dict[str, object] = field(default_factory=dict)


@dataclass
class _Text:
    original: str
    folded: str
    amounts: list[Decimal]
    photos: int


Rule = tuple[str, Callable[[_Text], bool]]


def _has(pattern: re.Pattern[str]) -> Callable[[_Text], bool]:
    return lambda text: bool(pattern.search(text.folded))


def _is_search(text: _Text) -> bool:
    if not SEARCH.search(text.folded) or SEARCH_NOT.search(text.folded):
        return False
    if price_kind(text.folded) == "firm":  # "¿hay margen?" asks about this price
        return False
    return bool(search_fields(text.original, text.folded).get("query"))


def _is_meeting(text: _Text) -> bool:
    if MEET_STRONG.search(text.folded):
        return True
    if not MEET_WEAK.search(text.folded):
        return False
    fields = meeting_fields(text.original, text.folded)
    return bool(fields) or not LOCATION.search(text.folded)


def _is_revert(text: _Text) -> bool:
    named = REVERT.search(text.folded) or VERSION_SHORT.search(text.folded)
    return bool(named) and bool(REVERT_VERB.search(text.folded))


def _is_product_sentence(text: _Text) -> bool:
    words = re.findall(r"[^\W\d_]{2,}", text.folded)
    return bool(text.amounts) and len(words) >= 3


# What may follow a greeting and still be one: "hola, ¿qué tal?", "hi there, how are you?".
_PLEASANTRY = re.compile(
    r"\b(?:(?:como|que) (?:estas|esta|tal|va|andas)\w*(?: todo)?|how are (?:you|u|things)|"
    r"how'?s it going|how do you do|buen[oa]s(?: dias| tardes| noches)?|good (?:morning|"
    r"afternoon|evening|day)|there|everyone|all|a todos|amig[oa]s?|guys|folks|hola+|hi+|hey+|"
    r"hello+)\b")


def _is_greeting(text: _Text) -> bool:
    """A greeting and nothing else ("hola!", "hi Ana, how are you?"); "hola! ¿tiene funda?"
    asks something, and is read as what it asks."""
    said = GREETING.search(text.folded)
    if not said:
        return False
    rest = _PLEASANTRY.sub(" ", text.folded[said.end():])
    words = re.findall(r"[^\W\d_]+", rest)
    return not words if "?" in rest else len(words) <= 1


# "I have a question about the bike for sale", "me interesa la mesa en venta": about one on sale.
_ABOUT_ONE_ON_SALE = re.compile(r"\b(?:question|pregunta|duda|doubt|interested|interesa\w*)\b")


def _is_offered(text: _Text) -> bool:
    """"Kallax shelf for sale, 50€": on sale, and not a question (checked after the commands:
    "ponlo a la venta" publishes)."""
    asks = "?" in text.original or SEARCH.search(text.folded) or GREETING.search(text.folded) \
        or _ABOUT_ONE_ON_SALE.search(text.folded)
    return bool(SELL_WEAK.search(text.folded)) and not asks


# First match wins. Buyers: a plain "no thanks" beats everything, a search beats its price
# limit, an amount makes an offer ("vale, 600 entonces"), and the specific questions come
# before the vague ones ("¿cuánto cuesta el envío?" is about shipping, not price).
BUYER_RULES: tuple[Rule, ...] = (
    ("help", _has(HELP)),
    ("decline", _has(DECLINE_STRONG)),
    ("search", _is_search),
    ("offer", lambda text: bool(text.amounts)),
    # before "accept": "what's the best deal you can do?" asks, it does not agree
    ("price_question", lambda text: price_kind(text.folded) is not None),
    ("accept", _has(ACCEPT)),
    ("availability", _has(AVAILABILITY)),
    ("meeting", _is_meeting),
    ("photos_request", _has(PHOTOS_REQUEST)),
    ("shipping_question", _has(SHIPPING)),
    ("payment_question", _has(PAYMENT)),
    ("condition_question", _has(CONDITION)),
    ("location_question", _has(LOCATION)),
    ("price_question", _has(PRICE)),
    ("decline", _has(DECLINE_WEAK)),
    ("acknowledge", _has(ACKNOWLEDGE)),
    ("thanks", _has(THANKS)),
    ("greeting", _is_greeting),
)
# Sellers: a photo caption or a clear "I'm selling X" is a product; explicit commands come
# before prices; a sentence with an amount and a few words but no selling verb ("la bici son
# 350€", "the jacket 75") states a price (of the product it names), a bare amount is a price.
SELLER_RULES: tuple[Rule, ...] = (
    ("help", _has(HELP)),
    ("sell", lambda text: bool(text.photos)),
    ("list_products", _has(LIST_PRODUCTS)),
    ("sell", _has(SELL)),
    ("revert", _is_revert),
    ("hand_back", _has(HAND_BACK)),
    ("take_over", _has(TAKE_OVER)),
    ("show_conversation", _has(SHOW_CONVERSATION)),
    ("show_listing", _has(SHOW_LISTING)),
    ("edit_title", _has(EDIT_TITLE)),
    ("edit_description", _has(EDIT_DESCRIPTION)),
    ("delete", _has(DELETE)),
    ("regenerate", _has(REGENERATE)),
    ("set_floor", _has(SET_FLOOR)),
    ("mark_sold", _has(MARK_SOLD)),
    ("reactivate", _has(REACTIVATE)),
    ("pause", _has(PAUSE)),
    ("publish", _has(PUBLISH)),
    ("set_condition", _has(SET_CONDITION)),
    ("sell", _is_offered),
    ("set_price", lambda text: bool(text.amounts) and bool(SET_PRICE.search(text.folded))),
    ("set_price", _has(CHANGE_PRICE)),
    ("price_statement", _is_product_sentence),
    ("set_price", lambda text: bool(text.amounts)),
    ("acknowledge", _has(ACKNOWLEDGE)),
    ("thanks", _has(THANKS)),
    ("greeting", _is_greeting),
)
SELLER_ONLY_INTENTS = frozenset(
    "sell revert hand_back take_over show_conversation edit_title edit_description regenerate "
    "set_floor mark_sold reactivate pause publish list_products set_condition delete".split()
)


# -------------------------------------------------------------------------------------- entry
def read_message(
    text: str, language_hint: str | None = None, *, role: str | None = None
) -> ParsedMessage:
    """Read a buyer's or seller's message; with role None, seller-only commands make it seller."""
    photos_match = PHOTOS_MARKER.search(text)
    photos = int(photos_match.group(1)) if photos_match else 0
    clean = PHOTOS_MARKER.sub(" ", text).strip()
    folded = fold(clean)
    amounts, currency = find_amounts(clean, folded)
    subject = _Text(clean, folded, amounts, photos)
    if role is None:
        seller_intent = _classify(SELLER_RULES, subject)
        # "¿está vendido?", "anyone selling a bike?": questions, a buyer's
        asks = seller_intent in ("mark_sold", "sell") and "?" in clean
        # "looking for a floor lamp": a search, whatever command word it holds
        asks = asks or (seller_intent != "sell" and _is_search(subject))
        role = "seller" if seller_intent in SELLER_ONLY_INTENTS and not asks else "buyer"
    intent = _classify(SELLER_RULES if role == "seller" else BUYER_RULES, subject)
    fields: dict[str, object] = {"photos": photos} if photos else {}
    if intent == "offer" and FINAL_OFFER.search(folded):
        fields["final"] = True
    if intent == "price_question" and price_kind(folded):
        fields["price_kind"] = price_kind(folded)
    if intent == "meeting":
        fields.update(meeting_fields(clean, folded))
    elif intent == "search":
        fields.update(search_fields(clean, folded))
    elif role == "seller":
        fields.update(seller_fields(intent, clean, folded))
    return ParsedMessage(detect_language(clean, language_hint), intent, amounts, currency, fields)


def question_key(question: str) -> str:
    """A question as compared with those already asked: case, accents and punctuation do not
    make it another question ("¿Tiene factura?" is "tiene factura")."""
    return " ".join(re.findall(r"\w+", fold(question)))[:200]


def guess_role(text: str) -> str:
    """"seller" when the message is a seller's (a product sentence, a seller command), else
    "buyer": how the channel places someone it does not know yet."""
    parsed = read_message(text)
    return "seller" if parsed.intent in SELLER_ONLY_INTENTS else "buyer"


def _classify(rules: tuple[Rule, ...], text: _Text) -> str:
    return next((intent for intent, test in rules if test(text)), "question_other")
