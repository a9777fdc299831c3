"""The last check on every message to a buyer: it must not leak or undercut the seller's floor.

The model phrases decisions but never sees the floor; this guard still reads its text, because a
model can guess, echo or hallucinate figures. A message is replaced by a safe fallback (the
policy's own wording) when it names the floor figure in any common formatting, or when it
promises a price below the floor. Amounts already said in the conversation (recorded offers) are
allowed. The guard errs on the side of replacing: a fallback costs style, a leak costs money.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

FLOOR_FIGURE = "floor_figure"
BELOW_FLOOR = "below_floor"
FALSE_DEAL = "false_deal"  # a buyer's rejected offer presented as agreed


@dataclass(frozen=True)
class GuardVerdict:
    text: str  # what may be sent: the original text, or the fallback
    replaced: bool
    reason: str | None  # FLOOR_FIGURE or BELOW_FLOOR when replaced


def _fold(text: str) -> str:
    """Lowercase without accents, one character per character so match offsets stay valid."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[0].lower()
        folded.append(base if len(base) == 1 else char)
    return "".join(folded)


# A run of digits with the separators people put inside amounts: 1.250,00 / 1,250.00 / 1 250.
_GROUP_SEPARATORS = ".,'\u00a0\u202f"
_NUMBER_RUN = re.compile(r"\d+(?:[.,'\u00a0\u202f]\d+)*")
# Plain spaces as thousands separators ("1 250 €") only matter for naming the floor.
_SPACED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?(?![\d])")


def _digits_grouped(parts: list[str], separators: list[str]) -> bool:
    return (
        1 <= len(parts[0]) <= 3
        and all(len(part) == 3 for part in parts[1:])
        and len(set(separators)) == 1
    )


def _interpret(run: str) -> tuple[Decimal | None, set[Decimal]]:
    """The likeliest value of a number run, and every value it could be read as."""
    parts = re.split(r"[.,'\u00a0\u202f]", run)
    separators = [char for char in run if char in _GROUP_SEPARATORS]
    if not separators:
        value = Decimal(run)
        return value, {value}
    readings: list[Decimal] = []
    if _digits_grouped(parts, separators):  # 1.250 / 1,250 / 1.250.000 as thousands
        readings.append(Decimal("".join(parts)))
    last_sep, last_part = separators[-1], parts[-1]
    head_parts, head_seps = parts[:-1], separators[:-1]
    head_ok = len(head_parts) == 1 or (
        _digits_grouped(head_parts, head_seps) and head_seps[0] != last_sep
    )
    if last_sep in ".," and head_ok and 1 <= len(last_part) <= 3:
        # 560,00 / 1.250,50 / 12.5; a 3-digit tail (1.250) is only a second reading.
        decimal_reading = Decimal("".join(head_parts) + "." + last_part)
        if len(last_part) <= 2:
            readings.insert(0, decimal_reading)
        else:
            readings.append(decimal_reading)
    if not readings:
        # Odd shapes (1.2.3, 12,3456): every piece could be a figure on its own.
        return None, {Decimal(part) for part in parts} | {Decimal("".join(parts))}
    return readings[0], set(readings)


_CURRENCY_BEFORE = re.compile(r"(?:[€$£]|\beur|\busd|\bgbp|\bus\$)\s?$")
_CURRENCY_AFTER = re.compile(
    r"^\s?(?:[€$£]|(?:eur|euros?|usd|gbp|dolar(?:es)?|dollars?|bucks|pavos|libras|pounds?|"
    r"pesos?)\b)"
)
# Words that make a following number a quantity, a size or a time, not money.
_UNIT_AFTER = re.compile(
    r"^\s?(?:%|°|º|[:h]\d|x\b|(?:h|hs|am|pm|gb|tb|mb|kb|ghz|mhz|mah|wh|w|kw|v|kg|g|gr|km|cm|mm|"
    r"m|l|ml|mp|hz|pulgadas|inch(?:es)?|pies|ft|dias?|days?|semanas?|weeks?|mes(?:es)?|"
    r"months?|anos?|years?|horas?|hours?|minutos?|mins?|minutes?|segundos?|seconds?|personas?|"
    r"people|persons?|unidades?|units?|uds?|pcs|piezas?|pieces?|veces|times|calles?|blocks?|"
    r"kilometros?|metros?|meters?|miles|millas?|plazas?|seats?|puertas?|doors?|ruedas?|"
    r"wheels?|velocidades?|speeds?|marchas?|gears?|fotos?|photos?|pictures?|videos?|"
    r"o'?clock|de la (?:manana|tarde|noche)|in the (?:morning|afternoon|evening))\b)"
)
# Phrases after which a figure is a price ("te lo dejo en 500", "deal at 500", "price: 500").
_PRICE_LEAD = re.compile(
    r"\b(?:te lo dejo|lo dejo|dejo|dejarlo|dejartelo|precio|price|deal|trato|cerramos|"
    r"sell(?: it)?|vendo|venderlo|vendertelo|let (?:it|you have it) go|yours|tuyo|cuesta|"
    r"costs?|pagas|pay(?: me)?|pagame|pagar|offer|oferta|ofrezco|contraoferta|counter(?:offer)?|"
    r"can do|puedo hacer|hago|rebajo|bajo|bajarlo|bajar|go down|come down|lower|drop)"
    r"(?:\s*(?:\b(?:en|a|por|de|for|at|to|of|is|es|now|ahora|seria|sera|would be|will be|solo|only|"
    r"just|final|ultimo|last|un|una|the|el|la|it|lo|te|me|you|para ti|for you|hasta|tan solo)"
    r"\b|[:=\-]))*\s*$"
)
_WEAK_LEAD = re.compile(r"\b(?:por|for)\s*$")
_TIME_PRONE_LEAD = re.compile(r"\b(?:a|at)\s*$")  # "a las 17:30", "meet at 5": needs a cue
_MONEY_CUE = re.compile(
    r"(?:\b(?:precio|price|dejo|deal|trato|vend|sell|oferta|offer|pag|pay|cuest|cost|rebaj|"
    r"descuent|discount|baj|lower|euro|dolar|dollar|tuyo|yours)|[€$£])"
)
_DEAL_WORD = re.compile(
    r"\b(?:dejo|dejarlo|dejartelo|deal|trato|cerramos|sell|vendo|venderlo|vendertelo|let|"
    r"yours|tuyo|offer|oferta|ofrezco|contraoferta|counter|can do|puedo hacer|hago|rebajo|bajo|"
    r"bajarlo|bajar|go down|come down|lower|drop)\b"
)
_SHIPPING = re.compile(r"\b(?:envio|envios|shipping|postage|delivery|gastos|portes|comision|fee)")
_SHIPPING_AFTER = re.compile(
    r"^\s?(?:[€$£]|(?:eur|euros?|usd|dolar(?:es)?|dollars?)\b)?\s*(?:(?:de|del|for|of|para|"
    r"para el|en)\s+)?(?:envio|shipping|postage|delivery|gastos|portes)"
)
# A clause that announces an agreement, and one that denies it ("no puedo dejarlo en 100").
_ACCEPTANCE = re.compile(
    r"\b(?:deal|trato hecho|trato|acepto|aceptad[oa]|accepted|agreed|de acuerdo|reservad[oa]|"
    r"reserved|yours|tuyo|sold|vendid[oa]|done|hecho)\b"
)
_NEGATION = re.compile(
    r"\b(?:no|not|can ?t|cannot|won ?t|don ?t|isn ?t|ni|tampoco|never|nunca|sorry|lo siento)\b"
)
_CLAUSE_BREAK = re.compile(r"[;!?\n]|[.,](?=\s)|[.,]$")
# Words that may follow a price without making it a count of things ("por 500 y te lo llevas").
_CONTINUATION_WORDS = frozenset(
    "y e and o or si if pero but porque because que ya ok vale en con with para is es el la lo "
    "max maximo tops firm firme fijo fijos no mas more menos less cash efectivo final hoy today "
    "manana tomorrow now ahora mismo then entonces incluido included negociables negotiable "
    "como as".split()
)


def _clause_before(folded: str, start: int) -> str:
    before = folded[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end():] if breaks else before


def _clause_after(folded: str, end: int) -> str:
    after = folded[end:]
    first_break = _CLAUSE_BREAK.search(after)
    return after[:first_break.start()] if first_break else after


def _is_money(folded: str, start: int, end: int) -> bool:
    """Whether the figure at folded[start:end] reads as an amount of money."""
    before, after = folded[max(0, start - 80):start], folded[end:end + 40]
    clause = _clause_before(folded, start)
    shipping = list(_SHIPPING.finditer(clause))
    deals = list(_DEAL_WORD.finditer(clause))
    if (shipping and (not deals or shipping[-1].start() > deals[-1].start())) or (
        _SHIPPING_AFTER.match(after)
    ):
        # "el envío cuesta 5 €", "5 € de envío": a fee, not the item's price. But in
        # "envío gratis y te lo dejo en 100" the deal comes after the fee talk.
        return False
    if _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.match(after):
        return True
    if _UNIT_AFTER.match(after):
        return False
    if _PRICE_LEAD.search(clause):
        return True
    next_word = re.match(r"\s?([a-z]+)", after)
    plain_figure = next_word is None or next_word.group(1) in _CONTINUATION_WORDS
    cue = _MONEY_CUE.search(clause) or _MONEY_CUE.search(_clause_after(folded, end))
    if _WEAK_LEAD.search(clause):
        # "por 2 fotos" / "for 3 kids" count things; "por 500" / "for 300 it's yours" is money.
        return plain_figure or cue is not None
    if _TIME_PRONE_LEAD.search(clause):
        # "a las 17:30" / "meet at 5" tell the time; "a 300 y es tuyo" names a price.
        return plain_figure and cue is not None
    return False


def _announces_deal(folded: str, start: int, end: int) -> bool:
    """Whether the figure's sentence says it was agreed (and does not deny it)."""
    sentence = _clause_before(folded, start) + folded[start:end] + _clause_after(folded, end)
    around = folded[max(0, start - 60):end + 60]
    return bool(_ACCEPTANCE.search(around)) and not _NEGATION.search(sentence)


def _floor_figures(floor: Decimal) -> set[Decimal]:
    """The floor, and for a floor with cents its whole part (552.50: "552" gives it away).

    Not the floor rounded up (553): that is above the floor, an ordinary counter figure.
    """
    whole = floor.to_integral_value(ROUND_DOWN)
    return {floor, whole} if whole > 0 else {floor}


def _as_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return number


def guard_buyer_message(
    text: str,
    *,
    floor: Decimal,
    price: Decimal,
    recorded_amounts: Collection[Decimal],
    fallback: str,
    agreed_amounts: Collection[Decimal] = (),
) -> GuardVerdict:
    """Let text through, or replace it with fallback when it leaks or undercuts the floor."""
    floor_d, price_d = _as_decimal("floor", floor), _as_decimal("price", price)
    if floor_d > price_d:
        raise ValueError(f"floor must be <= price ({price_d}), got {floor_d}")
    recorded = {_as_decimal("recorded amount", amount) for amount in recorded_amounts}
    agreed = {_as_decimal("agreed amount", amount) for amount in agreed_amounts}
    folded = _fold(text)

    # When the floor is the price, or the buyer already said it, the figure is no secret.
    if floor_d == price_d or floor_d in recorded:
        hidden: set[Decimal] = set()
    else:
        hidden = _floor_figures(floor_d) - recorded - {price_d}

    for match in _SPACED_NUMBER.finditer(folded):
        value = Decimal(re.sub(r" ", "", match.group()).replace(",", "."))
        if value in hidden:
            return GuardVerdict(fallback, True, FLOOR_FIGURE)

    for match in _NUMBER_RUN.finditer(folded):
        likeliest, readings = _interpret(match.group())
        if readings & hidden:
            return GuardVerdict(fallback, True, FLOOR_FIGURE)
        if (
            likeliest is not None
            and likeliest < floor_d
            and likeliest not in recorded
            and _is_money(folded, match.start(), match.end())
        ):
            return GuardVerdict(fallback, True, BELOW_FLOOR)
        if (
            likeliest is not None
            and likeliest < floor_d
            and likeliest in recorded
            and likeliest not in agreed
            and _announces_deal(folded, match.start(), match.end())
        ):
            # A buyer's offer may be quoted ("no puedo dejarlo en 100"), never called a deal.
            return GuardVerdict(fallback, True, FALSE_DEAL)
    return GuardVerdict(text, False, None)
