"""Reading the asking price of a seller's sentence: "350€", "€350", "1.200", "350 euros",
and the floor it may state ("mínimo 300", "won't take less than 250").

The price is a figure written with a currency, a price word ("precio", "for") or, as a last
resort, alone between commas. A past price ("pagué 500€"), a count ("por 3 meses") and a floor
are not.
"""

from __future__ import annotations

import re
from decimal import Decimal

from agents.domain.intents_amounts import fold as fold_in_place
from agents.domain.word_matching import fold, word_tokens

DEFAULT_CURRENCY = "EUR"

_AMOUNT = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PRICE = re.compile(
    r"(?P<kw>\b(?:precio|price|por|pido|asking|for|s[oó]lo|only)\b\s*:?\s*)?"
    r"(?P<pre>US\$|U\$S|USD|EUR|ARS|GBP|€|\$|£)?\s?"
    rf"(?P<amount>{_AMOUNT})"
    r"(?:\s?(?P<post>€|\$|£|eur[o0]s?|eur|usd|us\$|u\$s|d[oó]lares|dollars?|bucks|pesos|ars|"
    r"libras?|pounds?|quid|gbp|ono|obo|o\.n\.o\.?)(?!\w))?(?!\w)",
    re.IGNORECASE,
)
# A number alone between commas ("Vendo MacBook Air, 1,200") is read as a price, as a last resort.
# So is one ending a sentence of its own: "iphone 12 azul, con caja. 380".
_BARE_PRICE = re.compile(rf"(?:^|(?<=[,;:])|(?<=[.!?] ))\s*(?P<amount>{_AMOUNT})\s*"
                         r"(?=[,;!?]|\.(?:\s|$)|$)")
_CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "us$": "USD", "u$s": "USD", "usd": "USD", "dolares": "USD", "dollar": "USD",
    "dollars": "USD", "bucks": "USD", "pesos": "ARS", "ars": "ARS",
    "£": "GBP", "gbp": "GBP", "libras": "GBP", "pounds": "GBP", "libra": "GBP", "pound": "GBP",
    "quid": "GBP", "eur0": "EUR", "eur0s": "EUR",
}
# "por 3 meses", "for 2 years": a number after a price word that is not a price.
UNIT_WORDS = frozenset(
    "mes meses ano anos dia dias semana semanas hora horas month months year years day days week "
    "weeks hour hours km kms veces times persona personas people plaza plazas unidad unidades "
    "unit units pieza piezas pieces cm mm kg gb tb mah pulgadas inch inches".split()
)
# Words just before an amount that make it a past price ("pagué 500€"), not the asking price.
PAST_PRICE_WORDS = frozenset(
    "antes costo pague compre paid cost costs retail rrp pvp was originally bought".split()
)


# What says the amount after it is the least the seller takes: "mínimo 150", "no menos de 150",
# "no bajo de 150", "lowest 250", "won't take less than 250", "not a penny under 250".
_FLOOR_BEFORE = re.compile(
    r"(?:\b(?:minimo|minima|min|minimum|lowest|floor|suelo|limite|at least|al menos|como poco)"
    r"\b[^\d.,;!?¿¡()]{0,20}?"  # "lowest I'd go is", "lo mínimo que acepto es"
    r"|\b(?:no|not|won'?t|wont|will not|don'?t|do not|never|nunca|ni)\b[\w\s']{0,24}?"
    r"\b(?:menos|less|below|under|lower|bajo|debajo|rebajo)(?:\s+(?:de|than|of|a))?)"
    r"\s*(?:(?:de|del|es|is|of|price|precio|:)\s*)*(?:[€$£]\s?)?$")
_AMOUNT_AT = re.compile(_AMOUNT)


def floor_spans(text: str) -> list[tuple[int, int, int, Decimal]]:
    """The amounts the sentence states as its floor: where the floor's words start, where the
    amount starts and ends, and its value. Pure."""
    folded = fold_in_place(text)
    found: list[tuple[int, int, int, Decimal]] = []
    for m in _AMOUNT_AT.finditer(folded):
        window = max(0, m.start() - 40)
        said = _FLOOR_BEFORE.search(folded[window:m.start()])
        if said and (m.start() == 0 or not folded[m.start() - 1].isalnum()):
            end = m.end() + len(re.match(r"\s?(?:€|£|\$|eur[o0]?s?|pounds?|libras?|quid|"
                                         r"dollars?|d[oó]lares|pesos)?(?!\w)",
                                         folded[m.end():]).group())
            found.append((window + said.start(), m.start(), end, parse_amount(m.group())))
    return found


def read_floor(text: str) -> Decimal | None:
    """The floor a seller's sentence states ("Vendo sofá 200€, mínimo 150" -> 150), or None."""
    values = [value for _, _, _, value in floor_spans(text) if value > 0]
    return values[0] if values else None


def parse_amount(raw: str) -> Decimal:
    """"1.200" / "1,200" -> 1200, "350,50" -> 350.50, "1.200,50" -> 1200.50."""
    if "," in raw and "." in raw:
        integer, _, fraction = raw.rpartition("," if raw.rfind(",") > raw.rfind(".") else ".")
        integer = integer.replace(",", "").replace(".", "")
    elif "," in raw or "." in raw:
        parts = raw.split("," if "," in raw else ".")
        # A group of three digits after the separator is thousands, one or two are cents.
        integer, fraction = ("".join(parts), "") if len(parts) > 2 or len(parts[-1]) == 3 else parts
    else:
        integer, fraction = raw, ""
    if len(integer.lstrip("0")) > 10:
        return Decimal(0)  # no second-hand price has eleven digits: not a price
    value = Decimal(f"{integer}.{fraction or '0'}")
    return value.quantize(Decimal(1) if value == value.to_integral_value() else Decimal("0.01"))


def read_price(text: str) -> tuple[list[tuple[int, int]], Decimal | None, str]:
    """The spans of every amount read as money (floors included, so a title leaves them out),
    the asking price and its currency."""
    floors = floor_spans(text)
    floor_starts = {start for _, start, _, _ in floors}
    candidates: list[tuple[int, int, int, Decimal, str]] = []  # (-score, start, end, value, cur)
    for m in _PRICE.finditer(text):
        kw, pre, post = m.group("kw"), m.group("pre"), m.group("post")
        start = m.start("amount")
        if start in floor_starts:
            continue
        if not (kw or pre or post):
            continue
        if not (kw or pre) and start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".,"):
            continue  # "ps5 €" is not "5 €"
        after = [t.text for t in word_tokens(text[m.end():m.end() + 20])][:1]
        unit_follows = bool(after) and after[0] in UNIT_WORDS
        if not (pre or post) and (unit_follows or text[m.end():].startswith("%")):
            continue
        before = {t.text for t in word_tokens(text[:m.start()])[-3:]}
        score = 2 * bool(pre or post) + bool(kw) - 3 * bool(before & PAST_PRICE_WORDS)
        currency = _CURRENCIES.get(fold(pre or post or "").replace(" ", ""), DEFAULT_CURRENCY)
        candidates.append((-score, m.start(), m.end(), parse_amount(m.group("amount")), currency))
    if not candidates:
        candidates = [(0, m.start("amount"), m.end("amount"), parse_amount(m.group("amount")),
                       DEFAULT_CURRENCY) for m in _BARE_PRICE.finditer(text)
                      if m.start("amount") not in floor_starts]
    if not candidates and floors:
        # "vendo bici 300, mínimo 250": the figure just before the floor is the price.
        before = [m for m in _AMOUNT_AT.finditer(text[:floors[0][0]])
                  if re.match(r"\s*(?:[,;.]|\b(?:y|and|but|pero)\b)", text[m.end():])
                  and (m.start() == 0 or not text[m.start() - 1].isalnum())]
        candidates = [(0, m.start(), m.end(), parse_amount(m.group()), DEFAULT_CURRENCY)
                      for m in before[-1:]]
    candidates = [c for c in candidates if c[3] > 0]
    floor_parts = [(said, end) for said, _, end, _ in floors]  # the words go with the figure
    if not candidates:
        return floor_parts, None, DEFAULT_CURRENCY
    best = min(candidates, key=lambda c: (c[0], c[1]))
    return [(c[1], c[2]) for c in candidates] + floor_parts, best[3], best[4]
