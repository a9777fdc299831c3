"""One seller message that sells several things, each with its own price.

"Vendo una mesa 40€ y cuatro sillas 60€" or "selling a desk for 80 and a lamp for 15" names two
items and two prices: a seller means two listings (each item sells, and is priced, on its own),
so the message becomes one draft per item rather than a question back. A second amount that is
not another item's price stays in one draft: "350€, mínimo 300", "paid 500, asking 300",
"mesa y cuatro sillas por 100€" (one price for the set). Pure rules on the seller's text.
"""

from __future__ import annotations

import re
from itertools import pairwise

from agents.domain.intents_amounts import amount_spans, fold
from agents.domain.price_reading import floor_spans

# What joins two priced items: "40€ y cuatro sillas", "80, and a lamp", "15; también un ...".
_JOIN = re.compile(r"(?:\s*[,;+&/\n]|\.\s|\s+(?:y|e|and|plus|tambien|also|ademas|as well as)\b)"
                   r"(?:\s*(?:y|and|tambien|also|ademas)\b)?\s*")
# What may follow the first price before the join: it still qualifies that price.
_QUALIFIER = re.compile(r"^\s*(?:(?:ono|obo|negociables?|negotiable|each|cada un[oa]|firm|"
                        r"fijo|o\.?n\.?o\.?)\b\W*)*$")
# Words before the next amount that make it about the same item, not another one.
_SAME_ITEM = re.compile(
    r"\b(?:minimo|minim[oa]|min|minimum|floor|suelo|lowest|no menos|not less|at least|"
    r"o|or|antes|was|pague|paid|cost|costo|costaba|compre|bought|retail|rrp|pvp|envio|"
    r"shipping|postage|rebajad[oa]|reduced|total|juntos|together|lote|lot|todo|all|pido|"
    r"asking|dejo|if|si)\b")
# Leading words that sell ("vendo", "I'm selling"), kept for each item.
_LEAD = re.compile(r"^\W*(?:(?:hola|hi|hello|hey|buenas)\W+)?(?:vendo|se venden?|i'?m selling|"
                   r"i am selling|selling|for sale|a la venta|pongo a la venta)\b\W*")
_ITEM_WORD = re.compile(r"\b(?=\w*[^\W\d_])\w{3,}")  # "mesa", "ps5"


def split_items(text: str) -> list[str]:
    """The message as one text per priced item, or [text] when it sells one thing."""
    folded = fold(text)
    spans = amount_spans(text, folded)
    if len(spans) < 2:
        return [text]
    lead = _LEAD.match(folded)
    lead_text = text[: lead.end()] if lead else ""
    floors = {start for _, start, _, _ in floor_spans(text)}
    bounds: list[tuple[int, int]] = []  # (where an item's text ends, where the next begins)
    for (_, start, _), (_, next_start, _) in pairwise(spans):
        end = _amount_end(folded, start)
        join = _JOIN.search(folded, end, next_start)
        if not join or not _QUALIFIER.match(folded[end:join.start()]):
            return [text]
        item = folded[join.end():next_start]
        if not _ITEM_WORD.search(item) or _SAME_ITEM.search(item) or next_start in floors:
            return [text]  # "40€ y 60€", "350€, mínimo 300", "150 or 130 if you collect"
        bounds.append((join.start(), join.end()))
    if not _ITEM_WORD.search(folded[len(lead_text): bounds[0][0]]):
        return [text]
    starts = [0] + [b for _, b in bounds]
    ends = [a for a, _ in bounds] + [len(text)]
    items = [_tidy(text[a:b]) for a, b in zip(starts, ends, strict=True)]
    items = items[:1] + [_tidy(lead_text + item) for item in items[1:]]
    return items if all(items) else [text]


def bundle_currency(text: str) -> str | None:
    """The one currency the message writes its prices in ("a desk for £80 and a lamp for 15":
    the lamp is in pounds too), or None when it writes none or several."""
    written = {money for _, _, money in amount_spans(text, fold(text)) if money}
    return written.pop() if len(written) == 1 else None


def _amount_end(folded: str, start: int) -> int:
    """Where the amount starting at `start` ends, with a currency written after it."""
    match = re.match(r"\d+(?:[.,]\d+)*(?:\s?(?:[€$£]|(?:eur[o0]?s?|euros?|usd|dolares|"
                     r"dollars?|bucks|pesos|gbp|libras?|pounds?|quid)\b))?", folded[start:])
    return start + (match.end() if match else 0)


def _tidy(piece: str) -> str:
    return " ".join(piece.strip(" \t\n,;+&/.").split())
