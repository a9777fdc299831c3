"""Listing confidence from checks, never from a model's opinion of its own output.

Each check scores one part of a listing in 0..1; the overall confidence is their weighted sum and
decides the route: publish at once, show the seller for review, or ask the seller for what is
missing. The weights make these rules hold whatever the other checks say:

- no price (weight 0.40) caps the confidence at 0.60, so a listing without a price always asks;
- a price the model estimated (scored 0.6) caps it at 0.84: reviewed by the seller, never
  published at once;
- no photo (weight 0.20) caps it at 0.80, so a listing with a price but no photo is at best
  reviewed (review when everything else is good, ask when the rest is weak too).

A complete sentence (price given, a photo, the brand or product line that pins the category)
scores above 0.85 and can be published at once; a vague one ("Vendo bici, 100€" and a photo,
no brand or size) lands in review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Route = Literal["quick_publish", "review", "ask"]
PriceSource = Literal["given", "estimated"] | None

WEIGHTS: Mapping[str, float] = {
    "title": 0.075,
    "description": 0.075,
    "category": 0.15,
    "price": 0.40,
    "attributes": 0.10,
    "photo": 0.20,
}
QUICK_PUBLISH_ABOVE = 0.85
REVIEW_ABOVE = 0.70
TITLE_RANGE = (10, 60)
MIN_DESCRIPTION = 50
ESTIMATED_PRICE_SCORE = 0.6  # a price the model guessed is worth less than one the seller gave

# Words that say nothing about the item: a title made only of these is not informative.
_GENERIC_WORDS = frozenset(
    "articulo artículo item items producto product products cosa cosas thing things objeto "
    "venta sale for en de se vende vendo selling sell".split()
)


@dataclass(frozen=True)
class ListingConfidence:
    overall: float  # 0..1, two decimals
    breakdown: dict[str, float]  # one score per check, keys as in WEIGHTS


def score_listing(
    *,
    title: str | None,
    description: str | None,
    category_strength: float,
    price: Decimal | float | None,
    price_source: PriceSource,
    photo_count: int,
    attributes: Mapping[str, object],
    required_attributes: Sequence[str],
) -> ListingConfidence:
    """The weighted checks of a listing."""
    breakdown = {
        "title": _title_score(title),
        "description": _description_score(description),
        "category": min(1.0, max(0.0, float(category_strength))),
        "price": _price_score(price, price_source),
        "attributes": _attributes_score(attributes, required_attributes),
        "photo": 1.0 if photo_count > 0 else 0.0,
    }
    overall = sum(WEIGHTS[name] * score for name, score in breakdown.items())
    return ListingConfidence(
        overall=round(min(1.0, max(0.0, overall)), 2),
        breakdown={name: round(score, 2) for name, score in breakdown.items()},
    )


def route_listing(confidence: ListingConfidence | float) -> Route:
    """quick_publish above 0.85, review above 0.70, otherwise ask the seller."""
    value = confidence.overall if isinstance(confidence, ListingConfidence) else confidence
    if value > QUICK_PUBLISH_ABOVE:
        return "quick_publish"
    if value > REVIEW_ABOVE:
        return "review"
    return "ask"


def missing_fields(
    *,
    price: Decimal | float | None,
    photo_count: int,
    attributes: Mapping[str, object],
    required_attributes: Sequence[str],
    price_source: PriceSource = "given",
    category_strength: float = 1.0,
    title: str | None = None,
    description: str | None = None,
) -> list[str]:
    """What to ask the seller, most important first: "price", "photo", then required attributes
    in lower case ("brand", "size"), then "category" when nothing matched.

    An estimated price is listed as missing: the seller has to confirm it. Takes the same
    keywords as `score_listing`, so one dict of arguments can feed both.
    """
    del title, description  # accepted so callers can pass score_listing's arguments unchanged
    missing: list[str] = []
    if _price_score(price, price_source) < 1.0:
        missing.append("price")
    if photo_count <= 0:
        missing.append("photo")
    missing += [name.lower() for name in required_attributes if not _filled(attributes, name)]
    if category_strength <= 0:
        missing.append("category")
    return missing


def _title_score(title: str | None) -> float:
    text = " ".join((title or "").split())
    if not text:
        return 0.0
    informative = any(word.lower() not in _GENERIC_WORDS for word in text.split())
    if not informative:
        return 0.3
    low, high = TITLE_RANGE
    return 1.0 if low <= len(text) <= high else 0.4


def _description_score(description: str | None) -> float:
    text = (description or "").strip()
    if not text:
        return 0.0
    if len(text) < MIN_DESCRIPTION:
        return 0.3
    words = [word.strip(".,;:!?()").lower() for word in text.split()]
    content = [word for word in words if len(word) >= 3]
    distinct = set(content)
    # Informative: enough different words, not one phrase repeated to reach the length.
    if len(distinct) >= 6 and len(distinct) >= 0.4 * len(content):
        return 1.0
    return 0.6


def _price_score(price: Decimal | float | None, price_source: PriceSource) -> float:
    if price is None or price_source is None or Decimal(str(price)) <= 0:
        return 0.0
    return 1.0 if price_source == "given" else ESTIMATED_PRICE_SCORE


def _attributes_score(attributes: Mapping[str, object], required: Sequence[str]) -> float:
    if not required:
        return 1.0
    return sum(_filled(attributes, name) for name in required) / len(required)


def _filled(attributes: Mapping[str, object], name: str) -> bool:
    wanted = name.upper()
    return any(
        key.upper() == wanted and value is not None and str(value).strip()
        for key, value in attributes.items()
    )
