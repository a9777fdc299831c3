"""The fields an intent carries: a meeting's place and time, a search's query and price limit,
a seller command's new title, description, condition, version, conversation id or prices.

Part of the intent reader (agents/intents.py); works on the original text and its folded copy.
"""

from __future__ import annotations

import re

from agents.intents_amounts import amount_spans, to_decimal


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SEARCH = _rx(
    r"\b(?:busco|estoy buscando|buscando|looking for|search(?:ing)? for|do you (?:have|sell)"
    r"(?: any)?|have you got|got any|tienes|teneis|tienen|vendes|vendeis|hay|quiero comprar|"
    r"necesito|i need|i want to buy|anything like)\b")
_TIME = _rx(
    r"\b(?:por la (?:manana|tarde|noche)|in the (?:morning|afternoon|evening)|a? ?al? mediodia|"
    r"at (?:noon|midday|night)|after work|despues del trabajo|a primera hora|first thing)\b"
    r"|\b(?:(?:a|sobre|hacia|desde|antes de|despues de) las? |(?:at|around|about|by|after|"
    r"before) )?\d{1,2}(?:[:.h]\d{2})?\s?(?:am|pm|h|hs)?(?:(?<=[0-9mh])| (?:de la (?:manana|"
    r"tarde|noche)|en punto|y media|y cuarto))\b(?:\s+de la (?:manana|tarde|noche))?"
    r"|\b(?:pasado manana|manana|hoy|esta (?:tarde|noche|manana)|este (?:finde|fin de semana)|"
    r"el finde|(?:el |este )?(?:proximo )?(?:lunes|martes|miercoles|jueves|viernes|sabado|"
    r"domingo)|today|tomorrow|tonight|this (?:morning|afternoon|evening|weekend)|(?:on |next )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:the |this )?weekend)\b"
)
_PLACE_PREP = _rx(
    r"\b(?:en|in|at|delante de|enfrente de|frente a|junto a|cerca de|al lado de|near|outside"
    r"(?: of)?|in front of|next to)\s+(?:(?:el|la|los|las|the|un|una|a|an)\s+)?")
_PLACE_END = _rx(r"[,.?!;:()]|\s(?:y|and|if|si|para|to|so|or|o|porque|because|que|ok|vale|por|"
                 r"for|con|with)\b")
_NOT_PLACE = _rx(r"(?:persona|person|mano|efectivo|cash|total|serio|realidad|fact|punto|tarde|"
                 r"manana|noche|morning|afternoon|evening|weekend|finde|\d)")


def meeting_fields(original: str, folded: str) -> dict[str, object]:
    """The place and the time a meeting message names (each only when it names one)."""
    fields: dict[str, object] = {}
    spans = [match.span() for match in _TIME.finditer(folded)]
    if spans:
        start, end = spans[0]
        for next_start, next_end in spans[1:]:
            if not re.fullmatch(r"[\s,]*(?:a|at|on|en)?[\s,]*", folded[end:next_start]):
                break
            end = next_end
        time = re.sub(r"^(?:at|on)\s+", "", original[start:end].strip(), flags=re.IGNORECASE)
        fields["time"] = time
    for match in _PLACE_PREP.finditer(folded):
        begin = match.end()
        if _NOT_PLACE.match(folded, begin) or any(s <= match.start() < e for s, e in spans):
            continue
        stop = _PLACE_END.search(folded, begin)
        finish = stop.start() if stop else len(folded)
        finish = min([finish] + [s for s, _ in spans if s >= begin])
        place = original[begin:finish].strip()
        if place:
            fields["place"] = place
            break
    return fields


_PRICE_LIMIT = _rx(r"\s*(?:por |for |a |de |at )?(?:menos de|less than|under|below|hasta|up to|"
                   r"max(?:imo)?|no mas de|por debajo de|de menos de)\s*[€$£]?\s*(\d[\d.,]*)"
                   r"\s*(?:€|\$|euros?|pesos|dollars|bucks|e\b)?")


def search_fields(original: str, folded: str) -> dict[str, object]:
    """The query (and a price limit, if any) of a search message."""
    fields: dict[str, object] = {}
    trigger = SEARCH.search(folded)
    begin = trigger.end() if trigger else 0
    limit = _PRICE_LIMIT.search(folded, begin)
    if limit:
        value = to_decimal(limit.group(1))
        if value is not None:
            fields["max_price"] = value
    stop = re.search(r"[?.!¿¡]|" + (re.escape(limit.group()) if limit else "$"), folded[begin:])
    finish = begin + (stop.start() if stop else len(folded) - begin)
    query = original[begin:finish]
    query = re.sub(r"^\s*(?:(?:un|una|unos|unas|a|an|any|some|algun|alguna|algún|otros|otras|"
                   r"other|el|la|los|las|the)\s+)*", "", query, flags=re.IGNORECASE)
    query = re.sub(r"\s*(?:a la venta|en venta|for sale|please|pls|por favor|porfa)\s*$", "",
                   query, flags=re.IGNORECASE)
    fields["query"] = query.strip(" ,;:-")
    return fields


ORDINALS = {"primera": 1, "first": 1, "segunda": 2, "second": 2, "tercera": 3, "third": 3,
            "cuarta": 4, "fourth": 4, "quinta": 5, "fifth": 5}
# "vuelve a la 2", "go back to the second one": a version named by its number alone.
VERSION_SHORT = _rx(r"\b(?:la|the|#)\s*(\d{1,2})\b(?!\s*(?:€|\$|£|%|eur|euros?|pounds?|quid))"
                    r"|\b(?:la|the|a|to)\s+(" + "|".join(ORDINALS) + r")\b")

_QUOTES = " \"'«»“”‘’"


def seller_fields(intent: str, original: str, folded: str) -> dict[str, object]:
    """The values a seller command carries: new title, version, conversation id..."""
    def after(pattern: str) -> str | None:
        match = re.search(pattern, folded)
        return original[match.end() :].strip(_QUOTES) if match else None

    fields: dict[str, object] = {}
    if intent == "edit_title":
        fields["title"] = after(
            r"\b(?:titulo|title|rename(?: it)?)\b(?:\s*(?:[:=]|\b(?:a|to|por|as)\b))*\s*")
    elif intent == "edit_description":
        fields["description"] = after(
            r"\b(?:descripcion|description)\b(?:\s*(?:[:=]|\b(?:a|to|por|as|que)\b))*\s*")
    elif intent in ("set_price", "set_floor"):
        fields.update(_price_fields(intent, original, folded))
    elif intent == "set_condition":
        used = re.search(r"usad|used|como nuev|like new", folded)
        fields["condition"] = "used" if used else "new"
    elif intent == "revert":
        version = re.search(r"\b(?:version|v)\s*\.?\s*(\d+)", folded)
        short = VERSION_SHORT.search(folded)
        if version:
            fields["version"] = int(version.group(1))
        elif short:
            fields["version"] = int(short.group(1)) if short.group(1) else ORDINALS[short.group(2)]
    elif intent in ("take_over", "hand_back", "show_conversation"):
        ident = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", folded)
        ident = ident or re.search(r"\b(?:conversacion|conversation|chat|conv)\s*(?:id\s*)?[#:]?"
                                   r"\s*([\w-]*\d[\w-]*)", folded)
        if ident:
            group = 1 if ident.groups() else 0
            fields["conversation_id"] = original[ident.start(group) : ident.end(group)]
    elif intent == "publish":
        if re.search(r"mercado ?libre|\bmeli\b", folded):
            fields["marketplace"] = "mercadolibre"
        elif re.search(r"\bcatalog", folded):
            fields["marketplace"] = "catalog"
    elif intent == "list_products":
        for status, pattern in (("sold", r"vendid|sold"), ("paused", r"pausad|paused|ocult"),
                                ("published", r"publicad|published|activ|live"),
                                ("draft", r"borrador|draft")):
            if re.search(pattern, folded):
                fields["status"] = status
                break
    return {key: value for key, value in fields.items() if value not in (None, "")}


_FLOOR_WORD = _rx(r"minimo|minimum|\bmin\b|floor|suelo|no bajes|below|under|menos|lowest|limite|"
                  r"debajo")
_PRICE_WORD = _rx(r"precio|price|ponlo|ponle|bajalo|sube|baja|cambia|change|set|make it|drop|lower")


def _price_fields(intent: str, original: str, folded: str) -> dict[str, object]:
    """Which amount is the new price and which the floor ("price 300 and minimum 250")."""
    fields: dict[str, object] = {}
    for value, start, _money in amount_spans(original, folded):
        window = folded[max(0, start - 30) : start]
        floors = [m.end() for m in _FLOOR_WORD.finditer(window)]
        prices = [m.end() for m in _PRICE_WORD.finditer(window)]
        is_floor = bool(floors) and (not prices or floors[-1] > prices[-1])
        if intent == "set_floor" and not floors and not prices:
            is_floor = True
        fields.setdefault("min_price" if is_floor else "price", value)
    return fields
