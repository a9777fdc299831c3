"""Reading a seller's price in the rule-based reader: formats, numbers that are not prices, past
prices, amounts, and a floor said in the same sentence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.domain.listing_draft import read_product_sentence
from agents.domain.price_reading import parse_amount, read_floor


@pytest.mark.parametrize(
    ("fragment", "price", "currency"),
    [
        ("350€", "350", "EUR"),
        ("350 €", "350", "EUR"),
        ("€350", "350", "EUR"),
        ("350 euros", "350", "EUR"),
        ("350 EUR", "350", "EUR"),
        ("EUR 350", "350", "EUR"),
        ("$350", "350", "USD"),
        ("350$", "350", "USD"),
        ("US$ 350", "350", "USD"),
        ("350 USD", "350", "USD"),
        ("350 dólares", "350", "USD"),
        ("350 dolares", "350", "USD"),
        ("350 dollars", "350", "USD"),
        ("350 pesos", "350", "ARS"),
        ("£350", "350", "GBP"),
        ("1.200€", "1200", "EUR"),
        ("1,200€", "1200", "EUR"),
        ("$1,200.50", "1200.50", "USD"),
        ("1.200,50 €", "1200.50", "EUR"),
        ("350,50€", "350.50", "EUR"),
        ("350.5 euros", "350.50", "EUR"),
        ("precio 350", "350", "EUR"),
        ("precio: 350", "350", "EUR"),
        ("por 350", "350", "EUR"),
        ("for 350", "350", "EUR"),
        ("asking 350", "350", "EUR"),
        ("only 350", "350", "EUR"),
    ],
)
def test_price_formats(fragment: str, price: str, currency: str) -> None:
    draft = read_product_sentence(f"Vendo bici Trek, {fragment}, poco uso")
    assert (draft.price, draft.currency, draft.price_source) == (Decimal(price), currency, "given")
    assert draft.title == "Bici Trek - Bicicletas"  # short: its category, not "en venta"


@pytest.mark.parametrize(
    "text",
    [
        "Vendo iPhone 13 Pro 128GB",  # a capacity is not a price
        "Vendo bici Trek Marlin 5 talla M",  # model numbers and sizes are not prices
        "Vendo sofá de 3 plazas",
        "Bici usada por 3 meses",  # "por" followed by a duration
        "Used for 2 years, works fine",
        "Zapatillas talla 42",
        "Batería al 89%, precio 90%",
        "Vendo moto del 2015",
    ],
)
def test_numbers_that_are_not_prices(text: str) -> None:
    draft = read_product_sentence(text)
    assert draft.price is None and draft.price_source is None
    assert draft.currency == "EUR"


def test_a_past_price_is_not_the_asking_price() -> None:
    assert read_product_sentence("Compré por 500€, vendo a 300€").price == Decimal(300)
    assert read_product_sentence("Paid $900 last year, selling for $600").price == Decimal(600)


def test_the_first_asking_price_wins() -> None:
    assert read_product_sentence("Bici 350€ o 300€ sin pedales").price == Decimal(350)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("350", "350"), ("1.200", "1200"), ("1,200", "1200"), ("350,50", "350.50"),
     ("350.5", "350.50"), ("1.200.000", "1200000"), ("1,200.50", "1200.50"),
     ("1.200,50", "1200.50"), ("0,99", "0.99"), ("350,00", "350")],
)
def test_parse_amount(raw: str, value: str) -> None:
    parsed = parse_amount(raw)
    assert parsed == Decimal(value) and str(parsed) == value


@pytest.mark.parametrize(("text", "price", "floor"), [
    ("Vendo sofá de dos plazas 200€, mínimo 150", "200", "150"),
    ("Selling my road bike, £300, won't take less than 250", "300", "250"),
    ("vendo bici 300, minimo: 250 euros", "300", "250"),
    ("I'm selling a coffee table for 70, lowest I'd go is 55", "70", "55"),
    ("vendo mesa 70€, lo mínimo que acepto es 55", "70", "55"),
    ("Vendo tele 300€, no acepto menos de 250", "300", "250"),
    ("Vendo MacBook Air, 1,200", "1200", None),
    ("vendo mesa 40€ y sillas 60€", "40", None),
])
def test_a_floor_in_the_sentence_is_not_its_price(text: str, price: str,
                                                   floor: str | None) -> None:
    draft = read_product_sentence(text)
    assert draft.price == Decimal(price)
    assert read_floor(text) == (Decimal(floor) if floor else None)
    assert floor is None or floor not in draft.title
