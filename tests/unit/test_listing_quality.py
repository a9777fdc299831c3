"""Listing confidence from checks, its routes, what to ask the seller, and the model's schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agents.categories import CategoryTree
from agents.listing_description import compose_description
from agents.listing_draft import read_product_sentence
from agents.listing_quality import (
    WEIGHTS,
    ListingConfidence,
    missing_fields,
    route_listing,
    score_listing,
)
from agents.listing_schema import ListingProposal, describe_validation_error

TREE = CategoryTree.load()
DESCRIPTION = (
    "En venta: Bici Trek Marlin 5 talla M. Estado: usado (poco uso). Características: marca "
    "Trek, modelo Marlin 5, talla M."
)


def _listing(**overrides: Any) -> dict[str, Any]:
    listing: dict[str, Any] = {
        "title": "Bici Trek Marlin 5 talla M",
        "description": DESCRIPTION,
        "category_strength": 0.88,
        "price": Decimal(350),
        "price_source": "given",
        "photo_count": 1,
        "attributes": {"BRAND": "Trek", "SIZE": "M"},
        "required_attributes": ["BRAND", "SIZE"],
    }
    return {**listing, **overrides}


def _from_sentence(text: str, photos: int) -> dict[str, Any]:
    """What the offline writer would score for a seller's sentence."""
    draft = read_product_sentence(text)
    match = TREE.match(text)
    category = TREE.get(match.category_id)
    return {
        "title": draft.title,
        "description": compose_description(draft, category, draft.language),
        "category_strength": match.strength,
        "price": draft.price,
        "price_source": draft.price_source,
        "photo_count": photos,
        "attributes": draft.attributes,
        "required_attributes": list(category.required_attributes) if category else [],
    }


def test_weights_sum_to_one_and_breakdown_has_every_check() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    confidence = score_listing(**_listing())
    assert set(confidence.breakdown) == {
        "title", "description", "category", "price", "attributes", "photo"
    }
    assert confidence.overall == round(confidence.overall, 2)


def test_complete_listing_is_published_at_once() -> None:
    confidence = score_listing(**_listing())
    assert confidence.overall > 0.85
    assert route_listing(confidence) == "quick_publish"


@pytest.mark.parametrize(
    "text",
    [
        "Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
        "Selling my iPhone 13 Pro 128GB, like new, 650 euros",
        "Vendo sofá de 3 plazas IKEA, gris, 120€",
        "Guitarra eléctrica Fender Stratocaster, 1.200€, como nueva",
    ],
)
def test_sentence_with_price_photo_and_brand_is_quick_publish(text: str) -> None:
    assert route_listing(score_listing(**_from_sentence(text, photos=1))) == "quick_publish"


@pytest.mark.parametrize(
    "text",
    [
        "Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
        "Selling my iPhone 13 Pro 128GB, like new, 650 euros",
    ],
)
def test_price_without_photo_is_reviewed(text: str) -> None:
    # Documented rule: without a photo the best a listing gets is "review" (0.80 at most).
    confidence = score_listing(**_from_sentence(text, photos=0))
    assert confidence.overall <= 0.80
    assert route_listing(confidence) == "review"


def test_price_without_photo_and_weak_rest_asks() -> None:
    weak = _listing(photo_count=0, category_strength=0.0, attributes={},
                    description="Bici.")
    assert route_listing(score_listing(**weak)) == "ask"


@pytest.mark.parametrize("photos", [0, 1, 5])
def test_no_price_asks(photos: int) -> None:
    text = "Vendo bici Trek Marlin 5 talla M, poco uso"
    confidence = score_listing(**_from_sentence(text, photos=photos))
    assert confidence.breakdown["price"] == 0.0
    assert route_listing(confidence) == "ask"


def test_estimated_price_is_worth_less_than_a_given_one() -> None:
    given_price = score_listing(**_listing())
    estimated = score_listing(**_listing(price_source="estimated", category_strength=1.0))
    assert estimated.breakdown["price"] == 0.6
    assert estimated.overall < given_price.overall
    assert route_listing(estimated) == "review"  # a guessed price is always shown to the seller


def test_vague_sentence_with_price_and_photo_is_reviewed() -> None:
    listing = _from_sentence("Vendo bici, 100€", photos=1)  # no brand, no size
    assert route_listing(score_listing(**listing)) == "review"


@pytest.mark.parametrize(
    ("title", "score"),
    [
        ("Bici Trek Marlin 5 talla M", 1.0),
        ("", 0.0),
        (None, 0.0),
        ("Bici", 0.4),  # too short
        ("Bici " * 20, 0.4),  # too long
        ("Artículo en venta", 0.3),  # says nothing about the item
    ],
)
def test_title_check(title: str | None, score: float) -> None:
    assert score_listing(**_listing(title=title)).breakdown["title"] == score


@pytest.mark.parametrize(
    ("description", "score"),
    [
        (DESCRIPTION, 1.0),
        ("", 0.0),
        ("Bici en buen estado.", 0.3),  # under 50 characters
        ("bici bici bici bici bici bici bici bici bici bici bici bici bici", 0.6),  # padding
    ],
)
def test_description_check(description: str, score: float) -> None:
    assert score_listing(**_listing(description=description)).breakdown["description"] == score


@pytest.mark.parametrize(
    ("attributes", "required", "score"),
    [
        ({"BRAND": "Trek", "SIZE": "M"}, ["BRAND", "SIZE"], 1.0),
        ({"brand": "Trek"}, ["BRAND", "SIZE"], 0.5),  # names compare case-insensitively
        ({"BRAND": " ", "SIZE": None}, ["BRAND", "SIZE"], 0.0),  # blank is not filled
        ({}, [], 1.0),  # nothing required
    ],
)
def test_attributes_check(attributes: dict, required: list[str], score: float) -> None:
    confidence = score_listing(**_listing(attributes=attributes, required_attributes=required))
    assert confidence.breakdown["attributes"] == score


def test_category_strength_is_clamped() -> None:
    assert score_listing(**_listing(category_strength=7)).breakdown["category"] == 1.0
    assert score_listing(**_listing(category_strength=-1)).breakdown["category"] == 0.0


@pytest.mark.parametrize(
    ("value", "route"),
    [(1.0, "quick_publish"), (0.86, "quick_publish"), (0.85, "review"), (0.71, "review"),
     (0.70, "ask"), (0.0, "ask")],
)
def test_route_thresholds(value: float, route: str) -> None:
    assert route_listing(value) == route
    assert route_listing(ListingConfidence(overall=value, breakdown={})) == route


def test_missing_fields_in_asking_order() -> None:
    assert missing_fields(
        price=None, photo_count=0, attributes={"BRAND": "Trek"},
        required_attributes=["BRAND", "SIZE", "MODEL"], category_strength=0.0,
    ) == ["price", "photo", "size", "model", "category"]
    assert missing_fields(**_listing()) == []
    assert missing_fields(**_listing(price_source="estimated")) == ["price"]  # to confirm


def test_missing_fields_for_a_bare_sentence() -> None:
    listing = _from_sentence("Vendo bici", photos=0)
    assert missing_fields(**listing) == ["price", "photo", "brand", "size"]


@settings(max_examples=200, deadline=None)
@given(
    title=st.one_of(st.none(), st.text(max_size=80)),
    description=st.one_of(st.none(), st.text(max_size=200)),
    strength=st.floats(min_value=0, max_value=1),
    price=st.one_of(st.none(), st.decimals(min_value=1, max_value=10_000, places=2)),
    source=st.sampled_from(["given", "estimated", None]),
    photos=st.integers(min_value=0, max_value=10),
    filled=st.sets(st.sampled_from(["BRAND", "SIZE", "MODEL"])),
)
def test_confidence_rules_hold_for_any_listing(
    title: str | None, description: str | None, strength: float, price: Decimal | None,
    source: str | None, photos: int, filled: set[str],
) -> None:
    kwargs = {
        "title": title, "description": description, "category_strength": strength,
        "price": price, "price_source": source, "photo_count": photos,
        "attributes": {name: "x" for name in filled},
        "required_attributes": ["BRAND", "SIZE", "MODEL"],
    }
    confidence = score_listing(**kwargs)
    assert 0.0 <= confidence.overall <= 1.0
    if price is None or source is None:
        assert confidence.overall <= 0.60
        assert route_listing(confidence) == "ask"
    if source == "estimated":
        assert route_listing(confidence) != "quick_publish"
    if photos == 0:
        assert route_listing(confidence) != "quick_publish"
        with_photo = score_listing(**{**kwargs, "photo_count": 1})
        assert with_photo.overall > confidence.overall  # a photo always helps


# -- the structured output schema ------------------------------------------------------------

VALID = {
    "title": "  Bici Trek Marlin 5 talla M ",
    "description": "Bicicleta de montaña Trek Marlin 5, talla M, con poco uso y revisada.",
    "category_id": "MLA1293",
    "condition": "used",
    "suggested_price": 350,
    "currency": "EUR",
    "attributes": {"BRAND": "Trek", "SIZE": "M"},
}


def test_valid_proposal_is_normalised() -> None:
    proposal = ListingProposal.model_validate({
        **VALID, "condition": " Used ", "currency": "eur", "suggested_price": "349.999",
        "attributes": {"brand": "Trek", "screen size": 27, "color": "", "year": 2019},
    })
    assert proposal.title == "Bici Trek Marlin 5 talla M"
    assert proposal.condition == "used"
    assert proposal.currency == "EUR"
    assert proposal.suggested_price == Decimal("350.00")
    assert proposal.attributes == {"BRAND": "Trek", "SCREEN_SIZE": "27", "YEAR": "2019"}


def test_price_is_optional() -> None:
    proposal = ListingProposal.model_validate({**VALID, "suggested_price": None})
    assert proposal.suggested_price is None
    assert ListingProposal.model_validate(
        {k: v for k, v in VALID.items() if k not in ("suggested_price", "currency")}
    ).currency == "EUR"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Bici", "title: String should have at least 10 characters (got 'Bici')"),
        ("title", "x" * 61, "title: String should have at most 60 characters"),
        ("title", "   bici     ", "title: String should have at least 10 characters"),
        ("description", "Muy bonita.", "description: String should have at least 50 characters"),
        ("condition", "broken", "condition: Input should be 'new', 'used' or 'not_specified'"),
        ("suggested_price", 0, "suggested_price: Input should be greater than 0 (got 0)"),
        ("suggested_price", -5, "suggested_price: Input should be greater than 0"),
        ("currency", "euro", "currency: currency must be a 3-letter ISO 4217 code"),
        ("category_id", "", "category_id: String should have at least 1 character"),
    ],
)
def test_invalid_proposals_explain_themselves(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ListingProposal.model_validate({**VALID, field: value})
    described = describe_validation_error(caught.value)
    assert described.startswith("Invalid listing proposal: ")
    assert message in described


def test_unknown_category_is_refused_when_the_ids_are_given() -> None:
    ids = {category.id for category in TREE}
    assert ListingProposal.model_validate(VALID, context={"category_ids": ids})
    with pytest.raises(ValidationError) as caught:
        ListingProposal.model_validate({**VALID, "category_id": "MLA0"},
                                       context={"category_ids": ids})
    assert "category_id: unknown category id 'MLA0'" in describe_validation_error(caught.value)


def test_several_problems_are_all_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        ListingProposal.model_validate({"title": "x"})
    described = describe_validation_error(caught.value)
    for field in ("title", "description", "category_id", "condition"):
        assert f"{field}:" in described


def test_json_schema_carries_the_instructions() -> None:
    schema = ListingProposal.model_json_schema()
    properties = schema["properties"]
    assert set(schema["required"]) == {"title", "description", "category_id", "condition"}
    assert properties["title"]["minLength"] == 10 and properties["title"]["maxLength"] == 60
    assert properties["description"]["minLength"] == 50
    assert properties["condition"]["enum"] == ["new", "used", "not_specified"]
    # A plain number for the model, not Decimal's number-or-string union.
    assert {"type": "number"} in properties["suggested_price"]["anyOf"]
    for name, spec in properties.items():
        assert len(spec.get("description", "")) > 30, name
