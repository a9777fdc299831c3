"""The seeded marketplace category tree and keyword matching of a seller's text against it.

The tree lives in `agents/data/categories.json` (MercadoLibre-style ids). Each category carries
Spanish and English keywords and a `brands` map of brand -> product lines ("Apple": ["iPhone"]).
A brand's own name is a trigger too, unless an ancestor category already lists that brand (then
only its product lines are: "Nike" belongs to clothing, "Air Max" to its shoes child).

Matching is word based and accent/case insensitive: a keyword matches whole words (a plural "s"
or "es" on the text's word is allowed), multi-word keywords score per content word, and a brand
or product line scores high when it belongs to one branch of the tree ("Trek", "iPhone") and
like a plain keyword when it spans several ("Samsung", "Sony"). A category's score adds its
ancestors' scores, so leaves win over parents; a tie between siblings resolves to their parent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from agents.category_scoring import Score, Term, content_weight, score_terms
from agents.word_matching import fold, phrase_positions, word_tokens, words_of

DATA_PATH = Path(__file__).with_name("data") / "categories.json"

@dataclass(frozen=True)
class Category:
    id: str
    parent_id: str | None
    name_es: str
    name_en: str
    keywords_es: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    brands: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (brand, product lines)
    required_attributes: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_es


@dataclass(frozen=True)
class CategoryMatch:
    """The category a text fits best and how strongly (0 = nothing matched, the fallback)."""

    category_id: str
    name_es: str
    name_en: str
    strength: float
    matched: tuple[str, ...] = ()  # the keywords and brands that matched, for explanations

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_es


@dataclass(frozen=True)
class BrandMention:
    """A brand found in a text: the brand, the trigger written (brand or product line), where."""

    brand: str
    trigger: str
    start: int
    end: int


class CategoryTree:
    """The category tree: lookups, paths and matching of free text."""

    def __init__(self, categories: Sequence[Category], fallback_id: str) -> None:
        self._by_id = {category.id: category for category in categories}
        if len(self._by_id) != len(categories):
            raise ValueError("category ids must be unique")
        for category in categories:
            if category.parent_id is not None and category.parent_id not in self._by_id:
                raise ValueError(f"{category.id}: unknown parent {category.parent_id}")
            if len(self._ancestor_ids(category.id)) >= len(categories):
                raise ValueError(f"{category.id}: parent cycle")
        if fallback_id not in self._by_id:
            raise ValueError(f"unknown fallback category {fallback_id}")
        self._order = {category.id: index for index, category in enumerate(categories)}
        self._fallback_id = fallback_id
        self._terms = self._build_terms()
        # Every brand trigger once, longest first, for reading brands out of a text.
        self._triggers = sorted(
            {(term.words, term.label, term.brand or term.label)
             for terms in self._terms.values() for term in terms if term.brand is not None},
            key=lambda trigger: (-len(trigger[0]), trigger[1]),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> CategoryTree:
        """The tree from `path` (default: the seeded JSON), parsed once per path."""
        return _load_cached(str(path or DATA_PATH))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoryTree:
        categories = [
            Category(
                id=raw["id"],
                parent_id=raw.get("parent_id"),
                name_es=raw["name_es"],
                name_en=raw["name_en"],
                keywords_es=tuple(raw.get("keywords_es", ())),
                keywords_en=tuple(raw.get("keywords_en", ())),
                brands=tuple(
                    (brand, tuple(lines)) for brand, lines in raw.get("brands", {}).items()
                ),
                required_attributes=tuple(raw.get("required_attributes", ())),
            )
            for raw in data["categories"]
        ]
        return cls(categories, data["fallback_id"])

    # -- lookups -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Category]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def fallback(self) -> Category:
        return self._by_id[self._fallback_id]

    def get(self, category_id: str) -> Category | None:
        return self._by_id.get(category_id)

    def path(self, category_id: str) -> list[Category]:
        """The categories from the root down to `category_id` ([] when unknown)."""
        if category_id not in self._by_id:
            return []
        ids = [category_id, *self._ancestor_ids(category_id)]
        return [self._by_id[cid] for cid in reversed(ids)]

    def children(self, category_id: str) -> list[Category]:
        return [c for c in self._by_id.values() if c.parent_id == category_id]

    def is_leaf(self, category_id: str) -> bool:
        return not self.children(category_id)

    def find_by_name(self, name: str) -> Category | None:
        """The category named `name` in Spanish or English (accent/case-insensitive), or by id."""
        wanted = " ".join(fold(name).split())
        for category in self._by_id.values():
            if wanted in (fold(category.name_es), fold(category.name_en), fold(category.id)):
                return category
        return None

    # -- matching ----------------------------------------------------------------------------

    def match(self, text: str) -> CategoryMatch:
        """The category `text` fits best, with a strength in 0..1 (fallback with 0 if none)."""
        words = words_of(text)
        own = {cid: score for cid, terms in self._terms.items()
               if (score := score_terms(terms, words)).total > 0}
        if not own:
            return self._as_match(self.fallback, 0.0, ())
        totals = {cid: self._with_ancestors(cid, own) for cid in own}
        best_total = max(score.total for score in totals.values())
        best_keywords = max(s.keyword_total for s in totals.values() if s.total == best_total)
        tied = sorted(
            (cid for cid, s in totals.items()
             if s.total == best_total and s.keyword_total == best_keywords),
            key=lambda cid: (-len(self._ancestor_ids(cid)), self._order[cid]),
        )
        chosen, factor = tied[0], 1.0
        if len(tied) > 1 and (common := self._common_ancestor(tied)) is not None:
            chosen, factor = common, 0.8  # siblings tie: the parent is the honest answer
        runner_up = max(
            (s.total for cid, s in totals.items() if not self._related(cid, chosen)), default=0.0
        )
        if runner_up >= best_total:
            factor *= 0.7
        elif runner_up >= 0.75 * best_total:
            factor *= 0.85
        strength = round((1 - 0.5**best_total) * factor, 2)
        matched = totals[chosen].matched if chosen in totals else totals[tied[0]].matched
        return self._as_match(self._by_id[chosen], strength, matched)

    def brand_mentions(self, text: str) -> list[BrandMention]:
        """Brands and product lines written in `text`, in reading order, longest trigger first."""
        tokens = word_tokens(text)
        words = tuple(token.text for token in tokens)
        taken: set[int] = set()
        mentions: list[BrandMention] = []
        for trigger_words, label, brand in self._triggers:
            for pos in phrase_positions(words, trigger_words):
                span = set(range(pos, pos + len(trigger_words)))
                if span & taken:
                    continue
                taken |= span
                end = tokens[pos + len(trigger_words) - 1].end
                mentions.append(BrandMention(brand, label, tokens[pos].start, end))
        return sorted(mentions, key=lambda mention: mention.start)

    # -- internals ---------------------------------------------------------------------------

    def _ancestor_ids(self, category_id: str) -> list[str]:
        ancestors: list[str] = []
        parent = self._by_id[category_id].parent_id
        while parent is not None and len(ancestors) <= len(self._by_id):
            ancestors.append(parent)
            parent = self._by_id[parent].parent_id
        return ancestors

    def _root_id(self, category_id: str) -> str:
        return ([category_id, *self._ancestor_ids(category_id)])[-1]

    def _related(self, a: str, b: str) -> bool:
        return a == b or a in self._ancestor_ids(b) or b in self._ancestor_ids(a)

    def _common_ancestor(self, ids: Sequence[str]) -> str | None:
        shared = set(self._ancestor_ids(ids[0]))
        for cid in ids[1:]:
            shared &= set(self._ancestor_ids(cid))
        return next((cid for cid in self._ancestor_ids(ids[0]) if cid in shared), None)

    def _with_ancestors(self, category_id: str, own: dict[str, Score]) -> Score:
        scores = [own[cid] for cid in [category_id, *self._ancestor_ids(category_id)] if cid in own]
        return Score(
            total=sum(s.total for s in scores),
            keyword_total=sum(s.keyword_total for s in scores),
            matched=tuple(label for s in scores for label in s.matched),
        )

    def _build_terms(self) -> dict[str, tuple[Term, ...]]:
        triggers: dict[str, list[tuple[str, str]]] = {}  # category id -> [(brand, trigger)]
        for category in self._by_id.values():
            ancestor_brands = {
                brand for aid in self._ancestor_ids(category.id)
                for brand, _ in self._by_id[aid].brands
            }
            triggers[category.id] = [
                (brand, trigger)
                for brand, lines in category.brands
                for trigger in ([] if brand in ancestor_brands else [brand]) + list(lines)
            ]
        branches: dict[tuple[str, ...], set[str]] = {}
        for cid, pairs in triggers.items():
            for _, trigger in pairs:
                branches.setdefault(words_of(trigger), set()).add(self._root_id(cid))
        terms: dict[str, tuple[Term, ...]] = {}
        for category in self._by_id.values():
            keyword_terms = [
                Term(words_of(keyword), content_weight(words_of(keyword)), keyword, None)
                for keyword in dict.fromkeys(category.keywords_es + category.keywords_en)
            ]
            brand_terms = [
                Term(
                    words,
                    # A trigger that points at one branch is strong evidence; a shared one is not.
                    1 + content_weight(words) if len(branches[words]) == 1 else 1.0,
                    trigger,
                    brand,
                )
                for brand, trigger in triggers[category.id]
                for words in [words_of(trigger)]
            ]
            # Longest phrases claim their words first ("bici de montaña" before "bici").
            all_terms = sorted(keyword_terms + brand_terms, key=lambda t: -len(t.words))
            terms[category.id] = tuple(t for t in all_terms if t.words)
        return terms

    @staticmethod
    def _as_match(category: Category, strength: float, matched: tuple[str, ...]) -> CategoryMatch:
        return CategoryMatch(category.id, category.name_es, category.name_en, strength, matched)


@lru_cache(maxsize=4)
def _load_cached(path: str) -> CategoryTree:
    with open(path, encoding="utf-8") as fh:
        return CategoryTree.from_dict(json.load(fh))
