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


# ------------------------------------------------------------------------------------ intents
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


HELP = _rx(r"^\s*/(?:help|ayuda|start)\b|\b(?:ayuda|help|que puedes hacer|what can you do"
           r"|comandos|commands|como funcionas|how do you work)\b")
GREETING = _rx(r"^\W*(?:hola+|holi|buenas|buenos dias|hey+|hi+|hello+|good (?:morning|afternoon|"
               r"evening)|que tal|saludos|ey|ola)\b")
THANKS = _rx(r"\b(?:gracias|thanks|thank you|thx|ty|cheers|te lo agradezco|appreciate it)\b")
ACKNOWLEDGE = _rx(r"^\W*(?:ok(?:ay|ey)?|vale|perfecto|genial|entendido|got it|great|cool|"
                  r"bien|de acuerdo|alright|sure|👍|👌)\W*$")
DECLINE_STRONG = _rx(
    r"^\W*no\W*$|\bno,? (?:gracias|thanks?|thank you)\b|\bno me interesa|ya no (?:me )?"
    r"(?:interesa|lo quiero|lo necesito)|\b(?:not|no longer) interested\b|\bi'?ll pass\b|"
    r"(?:^|[.,!] *|\b(?:pues|entonces|vale|ok|bueno) )paso\W*(?:$|gracias)|\b(?:olvidalo|"
    r"forget it|never ?mind|nevermind|dejalo|lo dejo|me lo pienso|lo pensare|i'?ll think about"
    r" it|no way|no deal|sin trato|i'?ll leave it)\b")
DECLINE_WEAK = _rx(r"\b(?:muy caro|demasiado caro|carisimo|too expensive|too pricey|too much|"
                   r"out of my budget|se me va de presupuesto)\b")
ACCEPT = _rx(
    r"\b(?:acepto|aceptado|trato hecho|ok deal|deal|it'?s a deal|lo quiero|me lo quedo|"
    r"i'?ll take it|i will take it|i take it|lo compro|me lo llevo|sounds good|agreed|i accept|"
    r"accepted|let'?s do it|lo cojo|(?<!de )hecho|done|venga va|de acuerdo,? (?:lo|me)|cerramos)\b")
SEARCH_NOT = _rx(
    r"\b(?:tienes|teneis|tienen|vendes|vendeis|hay|do you have|have you got|got any|necesito|"
    r"i need)\s+(?:"
    r"(?:la|el|los|las|su|tu|the|its|your|it|lo|mas|more|any more|otra|other|alguna|una|a)\s+)?"
    r"(?:caja|factura|ticket|garantia|cargador|funda|manual|fotos?|photos?|pictures?|pics?|"
    r"box|charger|receipt|warranty|invoice|case|accesorios|accessories|original|todavia|aun|"
    r"still|it\b|lo\b|que|to|saber|know|mas info|more info|detalles|details|medidas|"
    r"dimensions)")
AVAILABILITY = _rx(
    r"\b(?:disponible|dispo|available|avail|(?:tienes|tenes|vendes) (?:todavia|aun)|sigue "
    r"(?:a la venta|en venta)|sigues teniendolo|lo sigues "
    r"teniendo|(?:todavia|aun) (?:lo |la )?(?:tienes|tenes|vendes|esta)|lo tienes (?:todavia|"
    r"aun)|still (?:for sale|have it|got it|selling|there|up|on sale)|is it (?:still )?sold|"
    r"esta vendid[oa]|ya (?:lo |la )?vendiste|se vendio|is (?:this|it) sold|has it sold|en venta|"
    r"for sale|a la venta|reservad[oa]|reserved)\b|^\W*(?:sigue|still)\b|\bsigue\W*$")
MEET_STRONG = _rx(r"\b(?:quedamos|quedar|quedariamos|quedemos|nos vemos|vernos|nos podemos ver"
                  r"|meet|meet up|meeting|see you at)\b")
MEET_WEAK = _rx(r"\b(?:recoger\w*|recojo|pick (?:it |them )?up|picking (?:it )?up|paso a por|"
                r"pasarme|come by|collect|en persona|in person|en mano|(?:pasar|ir) a verl[oa]|"
                r"verl[oa] en persona|(?:see|view) it|come and see)\b")
# Asking to see more of it: only the seller can send that (never answered from the listing).
PHOTOS_REQUEST = _rx(r"\b(?:fotos?|photos?|pictures?|pics?|imagenes|images?|videos?)\b")
SHIPPING = _rx(r"\b(?:envi\w*|mand(?:a|as|ar|arlo|arla|alo|armelo)|correos|mensajer\w*|seur|mrw|"
               r"ship\w*|deliver\w*|postage|courier|send (?:it|them)|mail it|post it|"
               r"a domicilio|entrega a)\b")
PAYMENT = _rx(r"\b(?:pago|pagos|pagar\w*|pague|bizum|paypal|transferencia|efectivo|tarjeta|"
              r"wallapay|payment|pay|paying|cash|card|venmo|zelle|mercado ?pago|contra ?reembolso"
              r"|bank transfer)\b")
CONDITION = _rx(
    r"\b(?:estado|condicion|condition|rayas?|rayad[oa]|rayones|aranazos?|golpes?|scratch\w*|"
    r"dent\w*|damage\w*|danos?|defectos?|defects?|funciona\w*|(?:does it|it|still|all) works?|"
    r"working|bateria|battery|"
    r"usad[oa]|used|nuev[oa]|new|desgaste|wear|rot[oa]|broken|crack\w*|estrenar|precintad[oa]|"
    r"sealed|how old|cuantos anos|antiguedad|hace cuanto|cuanto tiempo|how long have|"
    r"garantia|warranty|fallos?|problemas?|issues?|"
    r"problems?|faults?)\b")
LOCATION = _rx(r"\b(?:donde|where|ubicacion|ubicad[oa]|location|located|zona|barrio|ciudad|"
               r"city|area|de que parte|which part)\b")
PRICE = _rx(r"\b(?:cuanto|precio|price|how much|cost\w*|cuesta|valor|rebaja\w*|descuento|"
            r"discount|negociable|negotiable|lowest|cheaper|mas barato|bajar\w*|baja(?:s|rias)|"
            r"lower|go down|dejarlo|dejas|dejarias|best you can do)\b")
# An offer the buyer calls their last: "venga 250 última oferta", "final offer 250".
FINAL_OFFER = _rx(
    r"\b(?:ultim[oa] (?:oferta|precio|palabra)|(?:oferta|precio) (?:final|definitiv[oa])|"
    r"(?:final|last|best|top) (?:offer|price)|(?:es )?lo maximo que (?:puedo|te doy|llego)|"
    r"no (?:puedo|llego a) mas|ni un (?:euro|centimo|duro) mas|(?:is |that'?s )?the most i can"
    r"|(?:can'?t|cannot) go (?:any )?higher|not a (?:penny|cent) more|take it or leave it|"
    r"lo tomas o lo dejas|(?:and )?that'?s it|y ya esta|tops\b|max(?:imo)?\W*$)")

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
