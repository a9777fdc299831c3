"""The rule-based reader of a seller's sentence and the description it composes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.domain.categories import CategoryTree
from agents.domain.listing_draft import detect_language, read_product_sentence

TREE = CategoryTree.load()

# text, title, price, currency, condition, category id
SENTENCES = [
    ("Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
     "Bici Trek Marlin 5 talla M", "350", "EUR", "used", "MLA1293"),
    ("Vendo bici de montaña Trek Marlin 5, talla M, 350€, poco uso",
     "Bici de montaña Trek Marlin 5 talla M", "350", "EUR", "used", "MLA1293"),
    ("Selling my iPhone 13 Pro 128GB, like new, 650 euros",
     "iPhone 13 Pro 128GB", "650", "EUR", "used", "MLA1055"),
    ("Vendo sofá de 3 plazas IKEA, gris, 120€",
     "Sofá de 3 plazas IKEA gris", "120", "EUR", "not_specified", "MLA1632"),
    ("Vendo PS5 con dos mandos, 400€",
     "PS5 con dos mandos", "400", "EUR", "not_specified", "MLA438566"),
    ("Vendo MacBook Air M1, 1,200",
     "MacBook Air M1", "1200", "EUR", "not_specified", "MLA1652"),
    ("Zapatillas New Balance 574 talla 42, nuevas, 60 euros",
     "Zapatillas New Balance 574 talla 42", "60", "EUR", "new", "MLA109027"),
    ("Hola! Vendo mi Samsung Galaxy S21 negro 256GB, muy buen estado, precio 380",
     "Samsung Galaxy S21 negro 256GB", "380", "EUR", "used", "MLA1055"),
    ("Selling my road bike for 350",
     "Road bike - Bicycles", "350", "EUR", "not_specified", "MLA1293"),
    ("Brand new sealed AirPods Pro, $180",
     "AirPods Pro", "180", "USD", "new", "MLA3697"),
    ("Vendo cochecito Bugaboo Fox 2020, 450 €",
     "Cochecito Bugaboo Fox 2020", "450", "EUR", "not_specified", "MLA1384"),
    ("Guitarra eléctrica Fender Stratocaster, 1.200€, como nueva",
     "Guitarra eléctrica Fender Stratocaster", "1200", "EUR", "used", "MLA1183"),
    ("Vendo lavadora Bosch 8kg, 150 euros, funciona perfectamente",
     "Lavadora Bosch 8kg", "150", "EUR", "not_specified", "MLA1578"),
    ("Selling Canon EOS 250D camera with 18-55 lens, good condition, £300",
     "Canon EOS 250D camera with 18-55 lens", "300", "GBP", "used", "MLA1042"),
    ("Vendo moto Honda CBR 600 del 2015, 12000 km, 4.500€",
     "Moto Honda CBR 600 del 2015", "4500", "EUR", "not_specified", "MLA1763"),
    ("Vendo lámpara de pie, 25€",
     "Lámpara de pie", "25", "EUR", "not_specified", "MLA1636"),
    ("Vendo chaqueta de mujer Zara talla S, sin usar, 30€",
     "Chaqueta de mujer Zara talla S", "30", "EUR", "new", "MLA1432"),
    ("Mesa de comedor extensible de madera, 350,50€",
     "Mesa de comedor extensible de madera", "350.50", "EUR", "not_specified", "MLA1633"),
    ("Vendo Nintendo Switch OLED por 250 dólares",
     "Nintendo Switch OLED", "250", "USD", "not_specified", "MLA438566"),
    ("Selling my Dyson V11 vacuum, used, 200 USD",
     "Dyson V11 vacuum", "200", "USD", "used", "MLA1584"),
    ("Vendo libro de Harry Potter, 5€",
     "Libro de Harry Potter", "5", "EUR", "not_specified", "MLA3025"),
    ("Vendo iPhone 12 usado, 300 pesos",
     "iPhone 12 - Celulares y Smartphones", "300", "ARS", "used", "MLA1055"),
    ("Lego Star Wars Millennium Falcon never used, €120",
     "LEGO Star Wars Millennium Falcon", "120", "EUR", "new", "MLA1132"),
    ("Vendo taladro Makita, precio: 80",
     "Taladro Makita", "80", "EUR", "not_specified", "MLA407134"),
    ("Pagué 500€, lo vendo por 300€, bici Orbea",
     "Bici Orbea", "300", "EUR", "not_specified", "MLA1293"),
    ("Vendo portátil Lenovo ThinkPad T480 8GB RAM 256GB SSD, 350 EUR",
     "Portátil Lenovo ThinkPad T480 8GB RAM 256GB SSD", "350", "EUR", "not_specified", "MLA1652"),
    ("Apple Watch Series 7 45mm, like new, 250€",
     "Apple Watch Series 7 45mm", "250", "EUR", "used", "MLA1439"),
    ("Vendo silla de oficina",
     "Silla de oficina", None, "EUR", "not_specified", "MLA1633"),
    ("Selling a kids' bike, barely used, asking 80",
     "Kids' bike", "80", "EUR", "used", "MLA1293"),
    ("Vendo cafetera Nespresso a estrenar 60€",
     "Cafetera Nespresso", "60", "EUR", "new", "MLA1580"),
    ("Selling my PS4 Slim 500GB with 2 controllers, great condition, €150",
     "PS4 Slim 500GB with 2 controllers", "150", "EUR", "used", "MLA438566"),
    ("Vendo colchón de 150x190, como nuevo",
     "Colchón de 150x190", None, "EUR", "used", "MLA1634"),
    ("Selling IKEA Billy bookcase, white, 40 euros",
     "IKEA Billy bookcase white", "40", "EUR", "not_specified", "MLA1635"),
    ("Brand new Nike Air Max 90 size 10, $120",
     "Nike Air Max 90 size 10", "120", "USD", "new", "MLA109027"),
    ("Selling my Samsung 55 inch smart TV, works perfectly, 300 EUR",
     "Samsung 55 inch smart TV", "300", "EUR", "not_specified", "MLA1002"),
    ("For sale: Bugaboo Cameleon stroller, good condition, 200€",
     "Bugaboo Cameleon stroller", "200", "EUR", "used", "MLA1384"),
]


@pytest.mark.parametrize(
    ("text", "title", "price", "currency", "condition", "category_id"), SENTENCES,
    ids=[row[0][:40] for row in SENTENCES],
)
def test_seller_sentences(
    text: str, title: str, price: str | None, currency: str, condition: str, category_id: str
) -> None:
    draft = read_product_sentence(text)
    assert draft.title == title
    assert draft.price == (Decimal(price) if price is not None else None)
    assert draft.price_source == ("given" if price is not None else None)
    assert draft.currency == currency
    assert draft.condition == condition
    assert TREE.match(text).category_id == category_id
    assert 10 <= len(draft.title) <= 60


def test_table_has_enough_sentences_in_both_languages() -> None:
    languages = [read_product_sentence(row[0]).language for row in SENTENCES]
    assert len(SENTENCES) >= 25
    assert languages.count("es") >= 10 and languages.count("en") >= 10



@pytest.mark.parametrize(
    ("text", "condition", "note"),
    [
        ("Vendo bici nueva", "new", "nueva"),
        ("Bici a estrenar", "new", "a estrenar"),
        ("Bici sin usar", "new", "sin usar"),
        ("Brand new bike", "new", "Brand new"),
        ("Sealed PS5", "new", "Sealed"),
        ("Bike, never used", "new", "never used"),
        ("Bici usada", "used", "usada"),
        ("Bici poco uso", "used", "poco uso"),
        ("Bici como nueva", "used", "como nueva"),  # "nueva" inside "como nueva" is not new
        ("Bici en buen estado", "used", "buen estado"),
        ("Bike, like new", "used", "like new"),
        ("Bike in good condition", "used", "good condition"),
        ("Used bike", "used", "Used"),
        ("Nuevo en caja, usado una vez", "used", "usado"),  # a used cue wins over a new one
        ("Zapatillas New Balance", "not_specified", None),  # a brand, not a condition
        ("Vendo bici", "not_specified", None),
    ],
)
def test_condition(text: str, condition: str, note: str | None) -> None:
    draft = read_product_sentence(text)
    assert (draft.condition, draft.condition_note) == (condition, note)


def test_attributes() -> None:
    phone = read_product_sentence("Vendo Samsung Galaxy S21 negro 256GB, 8 GB RAM, del 2021")
    assert phone.attributes == {
        "BRAND": "Samsung", "MODEL": "Galaxy S21", "STORAGE": "256GB", "RAM": "8GB",
        "COLOR": "Negro", "YEAR": "2021",
    }
    bike = read_product_sentence("vendo bici trek marlin 5 talla m, 350€")
    assert bike.attributes == {"BRAND": "Trek", "MODEL": "Marlin 5", "SIZE": "M"}
    assert read_product_sentence("Samsung 55 inch TV").attributes == {"BRAND": "Samsung"}
    assert read_product_sentence("iphone 13 pro max").attributes["MODEL"] == "iPhone 13 Pro Max"
    assert read_product_sentence("Zapatillas número 42,5").attributes["SIZE"] == "42,5"
    assert read_product_sentence("Sofá, 2019€").attributes == {}  # a price is not a year
    assert "MODEL" not in read_product_sentence("Lavadora Bosch 8kg").attributes


def test_details_keep_other_statements() -> None:
    draft = read_product_sentence(
        "Vendo iPhone 13, 128GB, batería al 89%, con caja y cargador original, 500€"
    )
    assert draft.title == "iPhone 13 128GB"
    assert draft.details == ("batería al 89%", "con caja y cargador original")


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("Vendo bici de montaña", None, "es"),
        ("Selling my bike", None, "en"),
        ("Selling my bike", "es", "en"),  # the text decides when it can
        ("iPhone 13, 500€", "en", "en"),  # no clue in the text: the hint
        ("iPhone 13, 500€", None, "es"),
        ("iPhone 13, 500€", "fr", "es"),
    ],
)
def test_language(text: str, hint: str | None, language: str) -> None:
    assert detect_language(text, hint) == language
    assert read_product_sentence(text, language_hint=hint).language == language


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("", "Artículo en venta"),
        ("Vendo", "Artículo en venta"),
        ("Selling, 20€", "Item for sale"),
        ("Vendo " + "bicicleta muy bonita y grande " * 4, None),
    ],
)
def test_title_always_fits(text: str, title: str | None) -> None:
    draft = read_product_sentence(text)
    assert 10 <= len(draft.title) <= 60
    if title is not None:
        assert draft.title == title


@pytest.mark.parametrize(("text", "title"), [
    ("Desk lamp for sale, 15 pounds", "Desk lamp - Home, Furniture & Garden"),
    ("Oak bookcase up for sale, five shelves, £45", "Oak bookcase"),
    ("Tostadora en venta, 12 euros", "Tostadora - Pequeños Electrodomésticos"),
    ("mesa de centro a la venta 40€", "Mesa de centro"),
    ("Se vende mesita de noche blanca, 25€", "Mesita de noche blanca"),
    ("Selling a kettle, 10, comes with the box", "Kettle, comes with the box"),
])
def test_selling_words_never_make_the_title(text: str, title: str) -> None:
    assert read_product_sentence(text).title == title


@pytest.mark.parametrize(("text", "model"), [
    ("vendo bici de paseo Orbea 120€", None),
    ("vendo guitarra Yamaha 120 €", None),
    ("Selling a Sony £80, like new", None),
    ("Vendo bici Trek Marlin 5, 350€", "Marlin 5"),
])
def test_the_price_after_a_brand_is_not_its_model(text: str, model: str | None) -> None:
    assert read_product_sentence(text).attributes.get("MODEL") == model


@pytest.mark.parametrize(("text", "title"), [
    ("iphone 12 128gb azul, bateria al 86%, con caja. 380", "iPhone 12 128GB azul"),
    ("vendo ipad air 64gb 200€", "iPad Air 64GB"),
    ("Selling my Canon EOS 250D camera, 420€", "Canon EOS 250D camera"),
])
def test_a_title_spells_the_brand_and_model_as_they_are_spelled(text: str, title: str) -> None:
    assert read_product_sentence(text).title == title
