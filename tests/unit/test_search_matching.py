"""A buyer's search names products by whole words, accents folded, filler words ignored."""

from __future__ import annotations

from agents.product_kinds import names_another_kind
from agents.search_matching import Listed, ranked, search_words

CATALOG = [
    Listed("canon", "Cámara Canon EOS 250D", "Cámaras Digitales", "Cámara réflex con objetivo."),
    Listed("sony", "Camara Sony Alpha a6000", "Cámaras Digitales", "Sin espejo, con funda."),
    Listed("sofa", "Sofá cama gris de tres plazas", "Sofás", "Sofá cama con colchón."),
    Listed("billy", "IKEA Billy bookcase white", "Bookcases", "Five shelves, some marks."),
    Listed("bedside", "Bedside table with one drawer", "Tables", "Oak effect."),
]


def test_a_piece_of_a_word_finds_nothing() -> None:
    assert ranked("cama", CATALOG) == ["sofa"]  # the sofa bed, never the cameras
    assert ranked("a bed", CATALOG) == []


def test_accents_plurals_and_filler_words() -> None:
    assert ranked("alguien vende sofas baratos", CATALOG) == ["sofa"]
    assert ranked("camaras", CATALOG) == ["canon", "sony"]
    assert ranked("any bookcases going", CATALOG) == ["billy"]
    assert ranked("shelves", CATALOG) == ["billy"]  # a description word counts too
    assert search_words("hi, got any desks under 70 please") == ["desks"]


def test_a_kind_no_product_is_stops_a_seller_command_falling_back() -> None:
    cameras = [(None, "Cámara Canon EOS 250D")]
    assert names_another_kind("la cama a 100", cameras)
    assert not names_another_kind("baja el precio a 300 ya mismo", cameras)
    assert not names_another_kind("el móvil a 600", [(None, "iPhone 13 Pro 128GB")])
