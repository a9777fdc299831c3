"""The seeded category tree: data integrity, lookups and keyword matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.domain.categories import CategoryTree
from agents.domain.word_matching import fold, word_tokens

TREE = CategoryTree.load()


def test_load_is_cached_and_seeds_enough_categories() -> None:
    assert CategoryTree.load() is TREE
    assert len(TREE) >= 50
    assert TREE.fallback.id == "MLA1953"
    assert (TREE.fallback.name_es, TREE.fallback.name_en) == ("Otros", "Other")


def test_every_category_is_well_formed() -> None:
    for category in TREE:
        assert category.id.startswith("MLA") and category.id[3:].isdigit()
        assert category.name_es and category.name_en
        assert category.parent_id is None or TREE.get(category.parent_id) is not None
        assert all(name.isupper() for name in category.required_attributes)
        if category.id != TREE.fallback.id and TREE.is_leaf(category.id):
            # A leaf nobody can match is dead data.
            assert category.keywords_es or category.keywords_en or category.brands


@pytest.mark.parametrize(
    ("category_id", "name_es"),
    [
        ("MLA1051", "Celulares y Teléfonos"),
        ("MLA1055", "Celulares y Smartphones"),
        ("MLA1276", "Deportes y Fitness"),
        ("MLA1292", "Ciclismo"),
    ],
)
def test_well_known_mercadolibre_ids(category_id: str, name_es: str) -> None:
    category = TREE.get(category_id)
    assert category is not None and category.name_es == name_es


def test_get_path_children() -> None:
    assert TREE.get("nope") is None
    assert [c.id for c in TREE.path("MLA1293")] == ["MLA1276", "MLA1292", "MLA1293"]
    assert TREE.path("nope") == []
    assert {c.id for c in TREE.children("MLA1292")} >= {"MLA1293", "MLA1294"}
    assert TREE.is_leaf("MLA1293") and not TREE.is_leaf("MLA1292")
    assert TREE.get("MLA1055").name("en") == "Cell Phones & Smartphones"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Celulares y Teléfonos", "MLA1051"),
        ("celulares y telefonos", "MLA1051"),
        ("  CELULARES   Y TELÉFONOS ", "MLA1051"),
        ("Phones", "MLA1051"),
        ("bicycles", "MLA1293"),
        ("Sofás y Sillones", "MLA1632"),
        ("mla1055", "MLA1055"),
    ],
)
def test_find_by_name(name: str, expected: str) -> None:
    found = TREE.find_by_name(name)
    assert found is not None and found.id == expected


def test_find_by_name_unknown() -> None:
    assert TREE.find_by_name("Naves espaciales") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bici", "MLA1293"),  # the leaf, not Ciclismo or Deportes
        ("BICIS", "MLA1293"),  # case and plural
        ("Vendo teléfono móvil", "MLA1055"),
        ("vendo telefono movil", "MLA1055"),  # accents do not matter
        ("MacBook Pro 2019", "MLA1652"),  # "book" inside a word is not a book
        ("tablet Lenovo", "MLA82067"),  # "tablet" is not "table"
        ("mesa de comedor", "MLA1633"),
        ("bicicleta estática", "MLA1338"),  # the longer phrase wins over "bicicleta"
        ("casco de moto", "MLA1748"),
        ("juego de mesa Catan", "MLA1132"),
        ("silla de coche para bebé", "MLA1384"),
        ("zapatillas New Balance", "MLA109027"),
        ("camiseta Nike", "MLA1430"),  # garments without a gender stay in the parent
        ("chaqueta de mujer", "MLA1432"),
        ("Apple Watch", "MLA1439"),
        ("monitor Samsung", "MLA1655"),  # a keyword beats a brand sold in many branches
        ("IKEA", "MLA1631"),  # siblings tie: their parent
        ("Cecotec", "MLA5726"),
    ],
)
def test_match_picks_the_expected_category(text: str, expected: str) -> None:
    assert TREE.match(text).category_id == expected


def test_nothing_matched_is_the_fallback_with_zero_strength() -> None:
    for text in ("", "hola", "vendo esto, 20€", "casco"):
        match = TREE.match(text)
        assert (match.category_id, match.strength, match.matched) == ("MLA1953", 0.0, ())
        assert (match.name_es, match.name_en) == ("Otros", "Other")


def test_strength_grows_with_evidence() -> None:
    one_keyword = TREE.match("vendo una bici").strength
    unique_brand = TREE.match("vendo Trek").strength
    brand_and_keyword = TREE.match("vendo bici Trek").strength
    several = TREE.match("bici de montaña Trek con pedales").strength
    assert 0.4 <= one_keyword <= 0.6
    assert unique_brand > one_keyword
    assert brand_and_keyword >= 0.85
    assert several >= brand_and_keyword


def test_brand_sold_in_many_branches_is_weak() -> None:
    shared = TREE.match("Samsung")  # phones, TVs, appliances...
    assert shared.strength < 0.5
    assert TREE.match("iPhone").strength >= 0.75  # a product line of one branch


def test_match_reports_what_matched() -> None:
    match = TREE.match("Vendo bici de montaña Trek Marlin 5")
    assert set(match.matched) == {"bici de montaña", "Trek"}


def test_brand_mentions_in_reading_order() -> None:
    mentions = TREE.brand_mentions("Selling my iPhone 13 and a trek bike, Samsung Galaxy too")
    assert [(m.brand, m.trigger) for m in mentions] == [
        ("Apple", "iPhone"), ("Trek", "Trek"), ("Samsung", "Samsung"), ("Samsung", "Galaxy"),
    ]
    text = "Selling my iPhone 13"
    assert text[mentions[0].start:mentions[0].end] == "iPhone"


def test_brand_of_an_ancestor_is_not_repeated_on_the_child() -> None:
    # "Nike" belongs to clothing; the shoes child only claims Nike's shoe lines.
    assert TREE.match("zapatillas Nike Air Max").category_id == "MLA109027"
    assert TREE.match("sudadera Nike").category_id == "MLA1430"


def test_fold_and_tokens() -> None:
    assert fold("Teléfonos ÑANDÚ") == "telefonos nandu"
    tokens = word_tokens("Bici, 350€!")
    assert [(t.text, t.start, t.end) for t in tokens] == [("bici", 0, 4), ("350", 6, 9)]


def _data(*categories: dict, fallback: str = "X1") -> dict:
    return {"fallback_id": fallback, "categories": list(categories)}


def _cat(cid: str, parent: str | None = None, **extra: object) -> dict:
    return {"id": cid, "parent_id": parent, "name_es": cid, "name_en": cid, **extra}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data(_cat("X1"), _cat("X1")), "unique"),
        (_data(_cat("X1"), _cat("X2", "X9")), "unknown parent"),
        (_data(_cat("X2"), fallback="X1"), "fallback"),
        (_data(_cat("X1"), _cat("X2", "X3"), _cat("X3", "X2")), "cycle"),
    ],
)
def test_tree_refuses_broken_data(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CategoryTree.from_dict(data)


def test_small_tree_sibling_tie_and_runner_up() -> None:
    tree = CategoryTree.from_dict(_data(
        _cat("X1"),
        _cat("P"),
        _cat("A", "P", keywords_es=["uno"], brands={"Marca": []}),
        _cat("B", "P", keywords_es=["dos"], brands={"Marca": []}),
        _cat("Q", keywords_en=["uno"]),
    ))
    assert tree.match("Marca").category_id == "P"
    tie = tree.match("uno")  # A and Q tie across branches: the deeper one, weaker
    assert tie.category_id == "A"
    assert tie.strength < tree.match("uno Marca").strength


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_match_never_fails_and_stays_in_range(text: str) -> None:
    match = TREE.match(text)
    assert TREE.get(match.category_id) is not None
    assert 0.0 <= match.strength <= 1.0
    assert (match.strength == 0.0) == (match.category_id == TREE.fallback.id)
