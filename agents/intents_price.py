"""What a buyer's price question asks: the price, whether it is firm, or how low it can go.

Part of the intent reader (agents/intents.py); pure rules on the folded text. "¿Cuánto
cuesta?" wants the price; "is the price firm?", "¿es negociable?", "¿aceptas ofertas?" want to
know whether the seller takes offers; "what's the lowest you'd go?", "¿cuánto es lo mínimo?",
"¿me lo dejas más barato?" want a lower figure, which is never given (the floor stays secret):
the buyer is invited to make an offer instead.
"""

from __future__ import annotations

import re

# "how low", "lowest", "minimum", "bottom line", "best price", "lo menos", "más barato".
LOWEST = re.compile(
    r"\b(?:lowest|minimum|min price|(?:the )?least (?:you'?d|you would|you will|you can)|"
    r"(?:do|go|get) (?:any |a bit |a little )?better|mejorar(?:lo|la|me)?|algo mejor|"
    r"bottom (?:line|price|dollar)|rock bottom|how low|"
    r"best (?:price|you can do|you could do|deal)|cheapest|any cheaper|cheaper|"
    r"(?:go|come) (?:down|lower)|knock (?:it |some(?:thing)? )?(?:off|down)|discount|"
    r"lo (?:minimo|menos)|el minimo|(?:precio|cantidad) minim[oa]|minimo|como minimo|"
    r"(?:mas|muy) barato|mas economico|rebaj\w*|descuento|bajar\w*|baja(?:s|rias|rlo|rla)?\b|"
    r"(?:me lo|lo) (?:dejas|dejarias|dejaria)|dejarlo|cuanto (?:lo )?(?:dejas|dejarias)|"
    r"(?:ultimo|mejor) precio|precio final|last price|final price)\b")
# "¿es negociable?", "open to offers?", "¿hay margen?": about offers whatever the words around.
FIRMNESS = re.compile(
    r"\b(?:negotia\w*|non[- ]negotiable|wiggle room|room (?:for|to) (?:negotiat\w*|haggl\w*|"
    r"move)|(?:take|takes|taking|accept\w*|open to|consider\w*|do you do|entertain) (?:any )?"
    r"offers?|ono|obo|haggl\w*|negociabl\w*|negociar|innegociable|regatea\w*|margen|"
    r"(?:aceptas|admites|acepta|admite|aceptarias|escuchas|se aceptan|se admiten) (?:alguna |"
    r"una )?(?:ofertas?|contraofertas?|propuestas?)|(?:se puede|podemos|puedo|se podria) "
    r"(?:hablar (?:el|del) precio|regatear))\b")
# "firm", "fixed", "fijo": about the price only next to a price word ("is the price firm?",
# "¿precio fijo?") or alone ("is that firm?"); "is the mattress firm?" is about the mattress.
_FIRM_WORD = re.compile(r"\b(?:firm|fixed|set in stone|flexible|fij[oa]|cerrad[oa]|"
                        r"inamovible)\b")
_PRICE_WORD = re.compile(r"\b(?:precio|price|prices|precios|cuanto|how much|asking)\b")
_ALONE = re.compile(r"^\W*(?:(?:is|es) )?(?:(?:it|that|this|eso|esto) )?(?:(?:is|es) )?"
                    r"\w+\W*$")


def price_kind(folded: str) -> str | None:
    """"lowest", "firm", or None (a plain price question, or no price question at all)."""
    if LOWEST.search(folded):
        return "lowest"
    if FIRMNESS.search(folded):
        return "firm"
    if _FIRM_WORD.search(folded) and (_PRICE_WORD.search(folded) or _ALONE.match(folded)):
        return "firm"
    return None
