"""Which of a seller's products a message names (agents/product_matching.py)."""

from __future__ import annotations

import pytest

from agents.product_matching import Candidate, best_matches, naming_words

PRODUCTS = [
    Candidate(1, "IKEA Kallax shelf 4x4 white"),
    Candidate(2, "Brown leather biker jacket size L"),
    Candidate(3, "Sofá cama de tres plazas gris"),
    Candidate(4, "Bicicleta de montaña Marlin 5 talla M", {"BRAND": "Trek", "MODEL": "Marlin 5"}),
    Candidate(5, "Bicicleta infantil Decathlon 20 pulgadas"),
    Candidate(6, "Canon EOS 250D con objetivo 18-55"),
]


def ids(text: str) -> list[object]:
    return [c.id for c in best_matches(text, PRODUCTS)]


@pytest.mark.parametrize(("text", "expected"), [
    ("set the lowest price for the kallax to 50", [1]),
    ("drop the KALLAX to 55", [1]),
    ("pause the kallax for now", [1]),
    ("the leather one, 80 please", [2]),
    ("el sofa ponlo a 180", [3]),           # accents folded
    ("precio mínimo del SOFÁ 150", [3]),     # case folded
    ("baja la trek a 300", [4]),             # a brand word of the attributes
    ("la marlin en 320", [4]),               # a model word
    ("publica la bicicleta de montaña", [4]),
    ("cambia el precio de la 250d", [6]),    # a model number
    ("publica la bici", [4, 5]),             # a short form of "bicicleta": two match
    ("bicis a 100", [4, 5]),                 # a plural
])
def test_named_products(text: str, expected: list[int]) -> None:
    assert sorted(ids(text)) == expected  # type: ignore[type-var]


@pytest.mark.parametrize("text", [
    "pause it please", "write another version please", "set the price to 300 euros",
    "ponlo a 180", "publícalo", "vuelve a la versión 1", "mark it as sold for 200",
])
def test_commands_that_name_no_product(text: str) -> None:
    assert ids(text) == []


def test_a_sold_product_loses_a_tie_to_one_on_sale() -> None:
    products = [Candidate("old", "Kallax shelf white", active=False),
                Candidate("new", "Kallax shelf black")]
    assert [c.id for c in best_matches("drop the kallax to 40", products)] == ["new"]
    # but a word only the sold one has still names it
    assert [c.id for c in best_matches("the white kallax", products)] == ["old"]


def test_naming_words_drop_commands_numbers_and_short_words() -> None:
    assert naming_words("Drop the Kallax to 55, ok?") == ["kallax"]
    assert naming_words("cambia el título del sofá a: Sofá nuevo") == ["sofa", "sofa"]
    assert naming_words("iPhone 13 128gb") == ["iphone", "128gb"]


def test_a_whole_word_beats_a_short_form() -> None:
    products = [Candidate("camera", "Cámara Canon EOS 250D"),
                Candidate("bed", "Cama de 90 con somier")]
    assert [c.id for c in best_matches("la cama a 100", products)] == ["bed"]


@pytest.mark.parametrize(("word", "title"), [
    ("cama", "Cámara Canon EOS 250D"), ("lamp", "Linen lampshade, cream"),
    ("coche", "Cochecito de bebé Bugaboo"), ("bed", "Bedside table with one drawer"),
])
def test_a_word_that_starts_another_does_not_name_it(word: str, title: str) -> None:
    assert best_matches(f"the {word} to 100", [Candidate("x", title)]) == []


@pytest.mark.parametrize(("word", "title"), [
    ("bici", "Bicicleta de paseo"), ("tele", "Televisor Samsung 50 pulgadas"),
    ("frigo", "Frigorífico Bosch combi"), ("shelves", "Kallax shelf white"),
])
def test_short_forms_and_plurals_still_name_it(word: str, title: str) -> None:
    assert [c.id for c in best_matches(f"la {word} a 100", [Candidate("x", title)])] == ["x"]
