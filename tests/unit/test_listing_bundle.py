"""Two items with two prices in one seller message are two drafts; one item stays one."""

from __future__ import annotations

import pytest

from agents.listing_bundle import bundle_currency, split_items


@pytest.mark.parametrize(("text", "items"), [
    ("vendo una mesa 40€ y cuatro sillas 60€", ["vendo una mesa 40€", "vendo cuatro sillas 60€"]),
    ("selling a desk for 80 and a lamp for 15", ["selling a desk for 80", "selling a lamp for 15"]),
    ("vendo bici 300€, casco 30€ y candado 15€",
     ["vendo bici 300€", "vendo casco 30€", "vendo candado 15€"]),
    ("Selling my bike 90 quid ono, and a helmet 10 quid",
     ["Selling my bike 90 quid ono", "Selling a helmet 10 quid"]),
])
def test_each_priced_item_is_its_own_text(text: str, items: list[str]) -> None:
    assert split_items(text) == items


@pytest.mark.parametrize("text", [
    "Vendo bici Trek talla M, 350€, mínimo 300", "paid 500, asking 300 for my bike",
    "mesa y cuatro sillas por 100€", "selling a sofa for 150 or 130 if you collect",
    "Vendo bici 350€. Pagué 600€ hace un año", "vendo 40€ y 60€", "Vendo MacBook Air, 1,200",
])
def test_one_item_with_other_figures_stays_one(text: str) -> None:
    assert split_items(text) == [text]


def test_the_written_currency_covers_the_items_that_lack_it() -> None:
    assert bundle_currency("selling a desk for £80 and a lamp for 15") == "GBP"
    assert bundle_currency("selling a desk for 80 and a lamp for 15") is None
