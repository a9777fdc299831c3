"""Money amounts in a chat message: "400", "400€", "€400", "1.200", "te doy 400", "400 pesos".

Part of the intent reader (agents/domain/intents.py). A number counts as money when a currency is
written next to it, or when nothing around it says it is a size, model, time, date, count or
year ("iPhone 13", "talla 42", "a las 18:00", "2 mandos", "del 2019"). Works on the original
text and its folded copy (agents.domain.intents_amounts.fold), whose indexes match.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal


@functools.lru_cache(maxsize=1024)  # a listing's sentences are folded at every question
def fold(text: str) -> str:
    """Lower-case and strip accents one character at a time, so indexes match the original."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return (unicodedata.normalize("NFD", char)[0].lower() or char)[0]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CURRENCY_AFTER = {
    "€": "EUR", "e": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "pavos": "EUR",
    "$": "USD", "usd": "USD", "dolar": "USD", "dolares": "USD",
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "peso": "MXN", "pesos": "MXN",
    "mxn": "MXN", "ars": "ARS", "£": "GBP", "gbp": "GBP", "libras": "GBP", "pounds": "GBP",
    "quid": "GBP", "pound": "GBP", "libra": "GBP",
}
_CURRENCY_BEFORE = {"€": "EUR", "eur": "EUR", "$": "USD", "us$": "USD", "usd": "USD",
                    "£": "GBP", "gbp": "GBP", "mxn": "MXN"}
# A bare number followed by one of these words is still a price ("400 y lo recojo hoy");
# followed by any other word it counts things or measures them ("2 mandos", "128 gb").
_FOLLOW_OK = frozenset(
    "y e and si if o or ok okay vale final finales max maximo maximum tops top entonces then "
    "por for en in cash efectivo is es seria would como mas more plus con with ya now ahora hoy "
    "today mismo right pero but no negociable negotiable obo ono fijo firm me te lo i que the it "
    "dale please pls porfa seguro sin without incluido included total shipped delivered enviado "
    "puesto each cada per ea tomorrow manana tonight el la los las al del para ultima ultimo "
    "last mi my oferta offer tops venga go va actually instead though tho mejor entonces".split()
)
# "ponle 75 a la chaqueta", "set 40 to the lamp": the amount is for the thing named after it
# (not "2 a la semana", "3 to the power").
_FOR_THE_ITEM = re.compile(r" +(?:a|to|for|on|para) +(?:la|el|los|las|mi|my|the|esa|ese|esta|este|"
                           r"this|that)\b(?! *(?:semana|mes|hora|dia|vez|week|month|hour|day|"
                           r"power|time|end)\b)")
# Words right before a bare number that make it a size, model, version, id or year.
_MODEL_PREV = frozenset(
    "talla tallas size sizes numero num nº pie version v modelo model serie series gen "
    "generacion generation edicion edition capitulo tomo vol volumen volume temporada season "
    "conversacion conversation chat id ref referencia piso puerta x iphone ipad galaxy pixel "
    "xbox ps playstation macbook kindle watch airpods redmi xiaomi note rtx gtx ryzen core "
    "intel i7 i5 i3 nike air jordan".split()
)
_CUE_WORDS = frozenset(
    "doy ofrezco pago pagaria precio price take offer best is a en por for de ok vale deal "
    "max maximo minimo minimum floor final ultimo dejas dejarias dejo pongo ponlo ponle pay give "
    "do sell sold vendido venderias would accept acepto hago te le que about how what whats "
    "bajalo sube baja reduce lower raise change set to at son quedaria".split()
)
_YEAR_PREV = frozenset("del desde ano year from since modelo model of in".split())
_TIME_PREV = frozenset("las la at around sobre hacia till until by".split())
_DATE_PREV = frozenset("el dia the on".split())


def to_decimal(token: str) -> Decimal | None:
    if re.fullmatch(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*", token):
        return Decimal(re.sub(r"[.,]", "", token))  # 1.200 / 1,200: thousands
    match = re.fullmatch(r"(\d{1,3}(?:([.,])\d{3})+)[.,](\d{1,2})", token)
    if match:  # 1.200,50 / 1,200.50
        return Decimal(re.sub(r"[.,]", "", match.group(1)) + "." + match.group(3))
    match = re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", token)
    if match:
        return Decimal(match.group(1) + ("." + match.group(2) if match.group(2) else ""))
    return None  # 1.2.3 and the like are versions, not money


def _word_before(original: str, folded: str, start: int) -> tuple[str, str]:
    match = re.search(r"([^\W\d_][\w'$]*)\s+$", folded[:start])
    if not match:
        return "", ""
    return match.group(1), original[match.start(1) : match.end(1)]


def find_amounts(original: str, folded: str) -> tuple[list[Decimal], str | None]:
    """Money amounts in the message, in order without repeats, and the first currency named."""
    amounts: list[Decimal] = []
    currency: str | None = None
    for value, _start, money in amount_spans(original, folded):
        if value not in amounts:
            amounts.append(value)
        currency = currency or money
    return amounts, currency


def amount_spans(original: str, folded: str) -> list[tuple[Decimal, int, str | None]]:
    """Each money amount with where it starts and the currency written next to it."""
    spans: list[tuple[Decimal, int, str | None]] = []
    for match in _NUMBER.finditer(folded):
        value = to_decimal(match.group())
        if value is None or value == 0 or re.search(r"[^\W\d_]$", folded[: match.start()]):
            continue  # zero, versions like 1.2.3, and S21, PS5, v2, ids
        if _in_identifier(folded, match.start(), match.end()):
            continue  # a piece of "ac686248-1c2d-4e5f-850e-…": an id, never a price
        money = _currency_next_to(folded, match.start(), match.end())
        if money is None and _is_not_money(original, folded, match.start(), match.end(), value):
            continue
        spans.append((value, match.start(), money))
    return spans


# "eur0s", "eur0", "eur05": a zero typed for an o inside a currency word.
_CURRENCY_TYPO = re.compile(r"^(\s*)(eur)0(s?)\b")


def _untypo(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}o{match.group(3)}"


def _currency_next_to(folded: str, start: int, end: int) -> str | None:
    """The currency written right after or before the number, or None when there is none."""
    after = re.match(r"(\s*)([€$£]|[a-z]+\b)", _CURRENCY_TYPO.sub(_untypo, folded[end:end + 12]))
    # "400e" is euros, "400 e" is "400 y" in Spanish chat spelling
    if after and after.group(2) in _CURRENCY_AFTER:
        if after.group(2) != "e" or not after.group(1):
            return _CURRENCY_AFTER[after.group(2)]
    before = re.search(r"(us\$|[€$£]|\b[a-z]+)\s?$", folded[:start])
    if before and before.group(1) in _CURRENCY_BEFORE:
        return _CURRENCY_BEFORE[before.group(1)]
    return None


def _in_identifier(folded: str, start: int, end: int) -> bool:
    """Whether the number is part of a token like a UUID or a reference ("ab12-850e-9f")."""
    token_start = start
    while token_start > 0 and (folded[token_start - 1].isalnum() or folded[token_start - 1] == "-"):
        token_start -= 1
    token_end = end
    while token_end < len(folded) and (folded[token_end].isalnum() or folded[token_end] == "-"):
        token_end += 1
    token = folded[token_start:token_end].strip("-")
    return "-" in token and bool(re.search(r"\d", token)) and bool(re.search(r"[a-z]", token)) \
        and len(token) >= 8


def _is_not_money(original: str, folded: str, start: int, end: int, value: Decimal) -> bool:
    """Whether a number with no currency is a size, model, time, date, count or year."""
    before, after = folded[:start], folded[end:]
    if re.match(r"[^\W\d_]|[:/%º°ª'\"]|\s?x\s?\d|-\d+[^\W\d_]", after):
        return True  # 128gb, 5pm, 18:00, 15/06, 89%, 20x30, 18-55mm
    if re.search(r"[:/#]$", before) or len(re.sub(r"\D", "", folded[start:end])) >= 8:
        return True  # minutes of 18:00, dates, ids, phone numbers
    if re.search(r"[(\[]\s*$", before) and re.match(r"\s*[)\]]", after):
        return True  # "(1)", "[2]": a list marker or a count, not money
    next_word = re.match(r" +([^\W\d_]+)", after)
    if next_word and next_word.group(1) not in _FOLLOW_OK and not _FOR_THE_ITEM.match(after):
        return True  # "2 mandos", "13 pro", "5 talla", "3 years"
    prev, prev_original = _word_before(original, folded, start)
    if prev in _MODEL_PREV or (prev in _TIME_PREV and value <= 24):
        return True
    if prev in _DATE_PREV and value <= 31 and value == value.to_integral_value():
        return True
    recent = set(re.findall(r"[a-z]+", before)[-3:])
    if (recent & _YEAR_PREV and 1950 <= value <= 2035) or (
        value <= 24 and re.match(r" *(?:de la (?:manana|tarde|noche)|in the \w+)", after)
    ):
        return True
    capitalised = any(c.isupper() for c in prev_original) and not (
        prev_original.isupper() and len(prev) > 3
    )
    # One-letter conjunctions start sentences too: "¿Y 520?", "O 480?", "E 300".
    conjunction = prev in {"y", "o", "e", "u"}
    return capitalised and not conjunction and prev not in _CUE_WORDS  # "iPhone 13", "PS 4"
