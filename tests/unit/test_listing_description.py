"""The description the rule-based reader composes: the stated facts only, in prose, in the
listing's language, with no claim the seller did not make."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.domain.categories import CategoryTree
from agents.domain.listing_description import compose_description
from agents.domain.listing_draft import read_product_sentence
from agents.domain.word_matching import fold

TREE = CategoryTree.load()


def test_description_states_only_the_facts() -> None:
    draft = read_product_sentence("Vendo bici Trek Marlin 5 talla M, 350€, poco uso")
    description = compose_description(draft, TREE.get("MLA1293"), "es")
    assert description.startswith("Bici Trek Marlin 5 talla M, de segunda mano, poco uso.")
    assert "350" not in description  # the price lives in its own field and may change
    assert len(description) >= 50


def test_description_reads_as_prose_not_labelled_fragments() -> None:
    draft = read_product_sentence("Vendo bici de montaña Orbea, con luces y candado, 350 eur0s")
    description = compose_description(draft, TREE.get("MLA1293"), "es")
    # no "Notas del vendedor:" / "Categoría:" labels, no leftover of an unread price
    assert "Notas" not in description and "Categoría" not in description
    assert "eur0s" not in description
    assert "Con luces y candado." in description
    assert "Bicicletas" not in description  # the category has its own field in the listing


def test_description_versions_open_differently() -> None:
    draft = read_product_sentence("Selling my Canon EOS 250D camera, 420€, like new")
    first, second = (compose_description(draft, None, "en", variant=v) for v in (0, 1))
    assert first != second
    assert second.startswith("Selling Canon EOS 250D camera, used, like new.")


def test_description_in_english_and_without_condition() -> None:
    draft = read_product_sentence("Vendo sofá IKEA, 120€")
    assert draft.title == "Sofá IKEA - Sofás y Sillones"  # short: its category, not "en venta"
    description = compose_description(draft, TREE.match(draft.text), "en")
    assert description.startswith("Sofá IKEA - Sofás y Sillones.")
    assert "Condition" not in description and "new" not in description.lower().split()


def test_description_never_claims_new_for_used() -> None:
    draft = read_product_sentence("Selling my iPhone 13 Pro, like new, 650 euros")
    description = compose_description(draft, None, "en")
    assert "iPhone 13 Pro, used, like new." in description


def test_description_language_of_the_seller_notes() -> None:
    draft = read_product_sentence("Selling my iPhone 13, like new, 650 euros")
    # Written in Spanish: the canonical words, not the seller's English phrase.
    assert draft.title.startswith("iPhone 13 - ")
    assert "de segunda mano." in compose_description(draft, None, "es")


def _fold_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=100), st.sampled_from(["es", "en"]))
def test_any_text_gives_a_valid_draft_and_description(text: str, language: str) -> None:
    draft = read_product_sentence(text, language_hint=language)
    assert 10 <= len(draft.title) <= 60
    assert draft.price is None or draft.price > 0
    description = compose_description(draft, TREE.match(text), language)
    assert len(description) >= 50
    if draft.condition != "new":
        # Never invents a "new" claim the sentence did not make.
        assert not {"nuevo", "new"} & (_fold_words(description) - _fold_words(text))



@pytest.mark.parametrize("closing", ["Pregúntame lo que necesites.", "Escríbeme si te interesa."])
def test_a_versions_closing_line_is_not_followed_by_a_filler(closing: str) -> None:
    draft = read_product_sentence("vendo bici infantil de 16 pulgadas")
    description = compose_description(draft, None, "es", photos=False, closing=" " + closing)
    assert description.endswith(closing) and len(description) >= 50
    assert "Pregúntame cualquier duda" not in description


def test_with_no_photo_the_description_does_not_point_to_photos() -> None:
    draft = read_product_sentence("Selling a cast iron casserole dish, 25 pounds")
    assert "photos" not in compose_description(draft, None, "en", photos=False)
    assert "photos" in compose_description(draft, None, "en", photos=True)
