"""Reading the asking price of a seller's sentence: "350€", "€350", "1.200", "350 euros".

The price is a figure written with a currency, a price word ("precio", "for") or, as a last
resort, alone between commas. A past price ("pagué 500€") and a count ("por 3 meses") are not.
"""

from __future__ import annotations

import re
from decimal import Decimal

from agents.word_matching import fold, word_tokens

DEFAULT_CURRENCY = "EUR"

_AMOUNT = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PRICE = re.compile(
    r"(?P<kw>\b(?:precio|price|por|pido|asking|for|s[oó]lo|only)\b\s*:?\s*)?"
    r"(?P<pre>US\$|U\$S|USD|EUR|ARS|GBP|€|\$|£)?\s?"
    rf"(?P<amount>{_AMOUNT})"
    r"(?:\s?(?P<post>€|\$|£|eur[o0]s?|eur|usd|us\$|u\$s|d[oó]lares|dollars?|bucks|pesos|ars|"
    r"libras?|pounds?|quid|gbp)(?!\w))?(?!\w)",
    re.IGNORECASE,
)
# A number alone between commas ("Vendo MacBook Air, 1,200") is read as a price, as a last resort.
_BARE_PRICE = re.compile(rf"(?:^|(?<=[,;:]))\s*(?P<amount>{_AMOUNT})\s*(?=[,;!?]|\.(?:\s|$)|$)")
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
    candidates: list[tuple[int, int, int, Decimal, str]] = []  # (-score, start, end, value, cur)
    for m in _PRICE.finditer(text):
        kw, pre, post = m.group("kw"), m.group("pre"), m.group("post")
        start = m.start("amount")
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
                       DEFAULT_CURRENCY) for m in _BARE_PRICE.finditer(text)]
    candidates = [c for c in candidates if c[3] > 0]
    if not candidates:
        return [], None, DEFAULT_CURRENCY
    best = min(candidates, key=lambda c: (c[0], c[1]))
    return [(c[1], c[2]) for c in candidates], best[3], best[4]
