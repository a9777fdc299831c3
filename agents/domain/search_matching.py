"""Which products a buyer's search names: whole words of the title, category and description,
folded ("sofa" finds "Sofá cama", "bookcases" a "bookcase"), never pieces of words ("cama"
does not find a "Cámara"), and the search's filler words ("any", "going", "alguien", "barato")
name nothing.

Pure rules with no framework import; the search tool ranks the database's candidates with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.domain.product_matching import COMMAND_WORDS, names
from agents.domain.word_matching import fold

_WORD = re.compile(r"[^\W_]+")
# Words of a search that say how, not what: "hi, any shelves going for less than 50?".
FILLER_WORDS = COMMAND_WORDS | frozenset(fold(
    "any anything some got have has going after looking look search searching find need want "
    "buy buying cheap cheaper good nice used second hand secondhand less under max maximum most "
    "upto up than hello hi hey there please pls thanks sell seller sells someone anyone anybody "
    "busco buscando buscaba necesito quiero comprar tienes teneis tienen tiene hay alguien "
    "alguno alguna algun vende vendeis venden vendes barato barata baratos baratas economico "
    "buen buena menos hasta maximo pase pasen supere cuesta cueste cuesten euros eur libras "
    "buenas holi que cosa cosas algo mucho poco segunda mano").split())

# A buyer's haggling words: "is the price firm?", "ok 300 final offer" name no product.
HAGGLE_WORDS = frozenset(fold(
    "firm fijo fija negociable negotiable final offer oferta ofertas ultima ultimo last deal "
    "trato doy give giving te me tomarias take would could accept acepto aceptas rebaja "
    "discount descuento best mejor cheaper barato barata cash efectivo pay pago pagar "
    "howabout about what's whats cuanto cuanta how much lowest minimo how fine alright okay "
    "venga vamos dale").split())


@dataclass(frozen=True)
class Listed:
    """A product as the search sees it."""

    id: object
    title: str
    category: str = ""
    description: str = ""


def search_words(query: str) -> list[str]:
    """The folded words of a search that may name a product."""
    words = [fold(m.group()) for m in _WORD.finditer(query or "")]
    return [w for w in dict.fromkeys(words) if w not in FILLER_WORDS and not w.isdigit()
            and len(w) >= 3]


def _words(text: str) -> set[str]:
    return {fold(m.group()) for m in _WORD.finditer(text or "")}


def relevance(words: Sequence[str], product: Listed) -> int:
    """Title and category words count three times a description word; 0 names nothing."""
    named, described = _words(product.title) | _words(product.category), _words(
        product.description)
    total = 0
    for word in words:
        strong = max((names(word, p) for p in named), default=0)
        weak = max((names(word, p) for p in described), default=0)
        total += 3 * strong if strong else weak
    return total


def ranked(query: str, products: Sequence[Listed]) -> list[object]:
    """The ids of the products the search names, best first (ties keep the given order); with
    no naming words (a bare "under 50"), every product in the given order."""
    words = search_words(query)
    if not words:
        return [p.id for p in products]
    scored = [(relevance(words, p), i, p.id) for i, p in enumerate(products)]
    return [pid for score, _, pid in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]
