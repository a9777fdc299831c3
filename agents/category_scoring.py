"""How a text's words score against one category's terms (its keywords, brands and product
lines): the arithmetic `categories.CategoryTree.match` adds up over the tree. Plain functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.word_matching import phrase_positions

# Words that do not make a keyword more specific ("bici de montaña" is as specific as 2 words).
FILLER_WORDS = frozenset(
    {"de", "del", "la", "el", "los", "las", "para", "y", "con", "en", "a", "of", "for", "the",
     "and", "with", "s"}
)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    weight: float
    label: str
    brand: str | None  # set for brand and product-line triggers


@dataclass(frozen=True)
class Score:
    total: float
    keyword_total: float
    matched: tuple[str, ...]


def content_weight(words: Sequence[str]) -> float:
    return float(max(1, sum(1 for word in words if word not in FILLER_WORDS)))


def score_terms(terms: Sequence[Term], words: Sequence[str]) -> Score:
    taken: set[int] = set()
    keyword_total = 0.0
    brand_best = 0.0
    matched: list[str] = []
    for term in terms:
        for pos in phrase_positions(words, term.words):
            span = set(range(pos, pos + len(term.words)))
            if span & taken:
                continue
            taken |= span
            matched.append(term.label)
            if term.brand is None:
                keyword_total += term.weight
            else:
                brand_best = max(brand_best, term.weight)  # one brand per item: no stacking
            break  # a keyword repeated in the text counts once
    return Score(keyword_total + brand_best, keyword_total, tuple(matched))
