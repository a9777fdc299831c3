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

from agents.intents_amounts import find_amounts, fold
from agents.intents_fields import SEARCH, meeting_fields, search_fields, seller_fields
from agents.intents_language import detect_language

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

SELL = _rx(r"\b(?:vendo|vendemos|se vende|selling|for sale|i'?m selling|i want to sell|quiero "
           r"vender|want to sell|nuevo producto|new product|new listing|nuevo anuncio|sell my|"
           r"sell a|sell an|sell this)\b")
REVERT = _rx(r"\b(?:version|v)\s*\.?\s*\d+|\b(?:version anterior|previous version|"
             r"last version|ultima version|undo|deshaz)\b")
REVERT_VERB = _rx(r"\b(?:vuelve|volver|vuelvo|revert\w*|restore|restaura\w*|go back|back to|"
                  r"usa|use|recupera\w*|pon|switch|anterior|previous|undo|deshaz)\b")
TAKE_OVER = _rx(
    r"\b(?:take over|taking over|tomo el control|toma(?:r)? el control|me encargo yo|yo me encargo"
    r"|(?:lo|la) llevo yo|dejame (?:a mi|hablar|contestar|responder)|i'?ll (?:handle|take|"
    r"answer|reply)(?: it| this| that| over| myself)?|let me (?:handle|talk|reply|answer)|"
    r"takeover|intervengo|paso a hablar yo|hablo yo)\b")
HAND_BACK = _rx(
    r"\b(?:hand (?:it |this |that )?back|give it back|back to (?:you|the bot)|te la devuelvo|"
    r"te lo devuelvo|devuelve\w* (?:la conversacion|el chat)|devuelvela|devuelvo|sigue tu|"
    r"continua tu|sigues tu|you take it from here|you can (?:continue|take it)|retoma\w*|"
    r"vuelve a llevar\w*|take it back|your turn|(?:devuelv|pas)\w* al bot)\b")
SHOW_CONVERSATION = _rx(r"\b(?:muestra\w*|mostrar|ensena\w*|ver|show|see|open|abre|lee|read)\b"
                        r".*\b(?:conversacion|conversation|chat|mensajes|messages)\b")
EDIT_TITLE = _rx(r"(?:^\W*(?:titulo|title)\s+[^\s?]|\b(?:titulo|title)\s*[:=]|\brename (?:it )?"
                 r"(?:to|as)\s+\S|\b(?:cambia\w*|pon\w*|change|set|update|rename|nuevo|new)\b.{0,20}\b(?:titulo|title)\b\s*(?:a|to|por|as|:)?\s*\S)")
EDIT_DESCRIPTION = _rx(r"(?:^\W*(?:descripcion|description)\s+[^\s?]|\b(?:descripcion|"
                       r"description)\s*[:=]|\b(?:cambia\w*|pon\w*|change|set|update|nueva|new|add|anade|agrega)\b.{0,25}\b(?:descripcion|"
                       r"description)\b\s*(?:a|to|por|as|:|que)\s*\S)")
REGENERATE = _rx(
    r"\b(?:regenera\w*|regenerate|otra (?:descripcion|version|propuesta|opcion|vez)|another "
    r"(?:version|one|description|option|try|draft)|try again|intentalo de nuevo|rewrite|"
    r"reescribe\w*|redo|rehaz\w*|new (?:version|description|draft)|genera\w* (?:otra|de nuevo)"
    r"|no me gusta|i don'?t like (?:it|this|the))\b")
SET_FLOOR = _rx(
    r"\b(?:minimo|minimum|min|floor|suelo|no bajes de|don'?t go (?:below|under|lower than)|never "
    r"(?:go )?below|not (?:go )?below|no (?:menos|por debajo) de|precio mas bajo|lowest|"
    r"limite|nothing (?:below|under|less than)|no aceptes (?:menos|nada por debajo)|don'?t "
    r"accept (?:less|anything (?:below|under)))\b")
MARK_SOLD = _rx(r"\b(?:vendid[oa]|(?:lo|la|ya lo|ya la) vendi|se vendio|sold|mark\w* (?:it )?as "
                r"sold|marca\w* como vendid[oa])\b")
REACTIVATE = _rx(
    r"\b(?:reactiva\w*|reactivate|activa\w* de nuevo|vuelve a (?:activar|publicar)\w*|unpause|"
    r"resume|re-?list|despausa\w*|(?:make it|put it) (?:live|active|back) (?:again|up)|ponlo "
    r"(?:de nuevo|otra vez) (?:a la venta|activo)|vuelve a poner\w* (?:a la venta|en venta|"
    r"activo))\b")
PAUSE = _rx(r"\b(?:pausa\w*|pause\w*|oculta\w*|hide|desactiva\w*|deactivate|quita\w* de la venta|"
            r"take (?:it )?(?:down|offline)|unlist|retira\w*|quita\w* (?:el |mi )?anuncio)\b")
PUBLISH = _rx(r"\b(?:publica\w*|publish\w*|post it|list it|put it (?:up|online|live)|go live|"
              r"ponlo a la venta|ponlo en venta|subelo)\b")
LIST_PRODUCTS = _rx(
    r"\b(?:mis (?:productos|anuncios|articulos|cosas|ventas)|(?:que|cuales) (?:productos|"
    r"anuncios|cosas) tengo|my (?:products|listings|items|ads|"
    r"stuff)|que (?:tengo|vendo) (?:a la venta|en venta|publicado)|what (?:am i|i'?m) selling|"
    r"list (?:my )?(?:products|listings|items)|listado|inventario|inventory|"
    r"show (?:me )?(?:all )?my)\b")
SET_CONDITION = _rx(
    r"\b(?:estado|condicion|condition)\s*[:=]?\s*(?:es\s+|is\s+|a\s+|to\s+)?(?:nuev[oa]|"
    r"usad[oa]|new|used|como nuev[oa]|like new|a estrenar)\b|\b(?:es|esta|it'?s|is|mark (?:it "
    r")?as|ponlo como|ponla como|marcalo como|set (?:it )?(?:as|to)|cambia\w* a)\s+(?:nuev[oa]|"
    r"usad[oa]|new|brand new|used|como nuev[oa]|like new|a estrenar|precintad[oa]|sealed)\b")
SET_PRICE = _rx(r"\b(?:precio|price|cuesta|ponlo|ponla|ponle|bajalo|bajala|baja\w*|sube\w*|"
                r"rebaja\w*|cambia\w*|change|make it|set|now|ahora|reduce|lower|raise|drop|"
                r"que sea|deja(?:lo|la))\b")

CHANGE_PRICE = _rx(r"\b(?:cambia\w*|change|set|update|modifica\w*|pon\w*|new|nuevo)\b.{0,15}"
                   r"\b(?:precio|price)\b")


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
    return bool(search_fields(text.original, text.folded).get("query"))


def _is_meeting(text: _Text) -> bool:
    if MEET_STRONG.search(text.folded):
        return True
    if not MEET_WEAK.search(text.folded):
        return False
    fields = meeting_fields(text.original, text.folded)
    return bool(fields) or not LOCATION.search(text.folded)


def _is_revert(text: _Text) -> bool:
    return bool(REVERT.search(text.folded)) and bool(REVERT_VERB.search(text.folded))


def _is_product_sentence(text: _Text) -> bool:
    words = re.findall(r"[^\W\d_]{2,}", text.folded)
    return bool(text.amounts) and len(words) >= 3


# First match wins. Buyers: a plain "no thanks" beats everything, a search beats its price
# limit, an amount makes an offer ("vale, 600 entonces"), and the specific questions come
# before the vague ones ("¿cuánto cuesta el envío?" is about shipping, not price).
BUYER_RULES: tuple[Rule, ...] = (
    ("help", _has(HELP)),
    ("decline", _has(DECLINE_STRONG)),
    ("search", _is_search),
    ("offer", lambda text: bool(text.amounts)),
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
    ("greeting", _has(GREETING)),
)
# Sellers: a photo caption is a product; explicit commands come before prices, and a sentence
# with a price and a few words is a product ("Bici Trek talla M, 350€"), a bare amount a price.
SELLER_RULES: tuple[Rule, ...] = (
    ("help", _has(HELP)),
    ("sell", lambda text: bool(text.photos)),
    ("list_products", _has(LIST_PRODUCTS)),
    ("sell", _has(SELL)),
    ("revert", _is_revert),
    ("hand_back", _has(HAND_BACK)),
    ("take_over", _has(TAKE_OVER)),
    ("show_conversation", _has(SHOW_CONVERSATION)),
    ("edit_title", _has(EDIT_TITLE)),
    ("edit_description", _has(EDIT_DESCRIPTION)),
    ("regenerate", _has(REGENERATE)),
    ("set_floor", _has(SET_FLOOR)),
    ("mark_sold", _has(MARK_SOLD)),
    ("reactivate", _has(REACTIVATE)),
    ("pause", _has(PAUSE)),
    ("publish", _has(PUBLISH)),
    ("set_condition", _has(SET_CONDITION)),
    ("set_price", lambda text: bool(text.amounts) and bool(SET_PRICE.search(text.folded))),
    ("set_price", _has(CHANGE_PRICE)),
    ("sell", _is_product_sentence),
    ("set_price", lambda text: bool(text.amounts)),
    ("acknowledge", _has(ACKNOWLEDGE)),
    ("thanks", _has(THANKS)),
    ("greeting", _has(GREETING)),
)
SELLER_ONLY_INTENTS = frozenset(
    "sell revert hand_back take_over show_conversation edit_title edit_description regenerate "
    "set_floor mark_sold reactivate pause publish list_products set_condition".split()
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
        asks_if_sold = seller_intent == "mark_sold" and "?" in clean  # "¿está vendido?"
        role = "seller" if seller_intent in SELLER_ONLY_INTENTS and not asks_if_sold else "buyer"
    intent = _classify(SELLER_RULES if role == "seller" else BUYER_RULES, subject)
    fields: dict[str, object] = {"photos": photos} if photos else {}
    if intent == "offer" and FINAL_OFFER.search(folded):
        fields["final"] = True
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
